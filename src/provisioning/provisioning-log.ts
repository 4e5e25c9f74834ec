// Writes the provisioning log with group commit: records queued while an INSERT is in flight go
// out together in the next multi-row INSERT, and each caller resolves once its rows are stored.
import { DataSource, Repository } from 'typeorm';
import { logger } from '../common/logger';
import { ProvisioningRecord } from './provisioning-record.entity';

const log = logger('provisioning-log');

export type NewRecord = Omit<ProvisioningRecord, 'id' | 'createdAt'>;

interface Pending {
  records: NewRecord[];
  resolve(): void;
  reject(error: unknown): void;
}

const MAX_ROWS_PER_INSERT = 500;

export class ProvisioningLog {
  private readonly repo: Repository<ProvisioningRecord>;
  private queue: Pending[] = [];
  private flushing = false;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(ProvisioningRecord);
  }

  /**
   * Queues records for the next group INSERT. Previews do not wait for it (they change nothing
   * remote, so a crash may lose only their log lines); provisioning attempts await `written`.
   */
  append(records: NewRecord[]): void {
    this.write(records).catch((error: unknown) =>
      log.error({ err: error, records: records.length }, 'provisioning log write failed'),
    );
  }

  /** Resolves once everything queued so far is stored (used at shutdown). */
  async drain(): Promise<void> {
    while (this.flushing || this.queue.length)
      await new Promise((resolve) => setTimeout(resolve, 5));
  }

  /** Resolves when the records are stored; payloads must already be redacted. */
  write(records: NewRecord[]): Promise<void> {
    if (!records.length) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ records, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.queue.length) {
      const batch: Pending[] = [];
      let rows = 0;
      while (
        this.queue.length &&
        (rows === 0 || rows + this.queue[0].records.length <= MAX_ROWS_PER_INSERT)
      ) {
        const next = this.queue.shift()!;
        rows += next.records.length;
        batch.push(next);
      }
      try {
        // updateEntity(false): skip reading generated ids and timestamps back; nobody needs them.
        await this.repo
          .createQueryBuilder()
          .insert()
          .values(batch.flatMap((p) => p.records))
          .updateEntity(false)
          .execute();
        batch.forEach((p) => p.resolve());
      } catch (error) {
        batch.forEach((p) => p.reject(error));
      }
    }
    this.flushing = false;
  }
}
