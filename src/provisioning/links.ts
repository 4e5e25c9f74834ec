// Links between local users/groups and what each connector's target knows them by.
import { DataSource, Repository } from 'typeorm';
import { ProvisionedEntity } from './provisioned-entity.entity';

export type EntityType = 'USER' | 'GROUP';

export class LinkStore {
  private readonly repo: Repository<ProvisionedEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(ProvisionedEntity);
  }

  find(
    connectorId: string,
    entityType: EntityType,
    localId: string,
  ): Promise<ProvisionedEntity | null> {
    return this.repo.findOneBy({ connectorId, entityType, localId });
  }

  list(filter: {
    connectorId?: string | null;
    localId?: string | null;
  }): Promise<ProvisionedEntity[]> {
    const where: Record<string, string> = {};
    if (filter.connectorId) where.connectorId = filter.connectorId;
    if (filter.localId) where.localId = filter.localId;
    return this.repo.find({ where, order: { lastSyncedAt: 'DESC' }, take: 500 });
  }
}
