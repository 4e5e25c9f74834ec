// Writes the provisioning log. Callers pass payloads already redacted by the connector type.
import { DataSource, Repository } from 'typeorm';
import { ProvisioningRecord } from './provisioning-record.entity';

export type NewRecord = Omit<ProvisioningRecord, 'id' | 'createdAt'>;

export class ProvisioningLog {
  private readonly repo: Repository<ProvisioningRecord>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(ProvisioningRecord);
  }

  async write(records: NewRecord[]): Promise<void> {
    if (records.length) await this.repo.insert(records);
  }
}
