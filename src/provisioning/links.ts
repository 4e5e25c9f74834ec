// Links between local users/groups and what each connector's target knows them by.
import { DataSource, In, Repository } from 'typeorm';
import { ProvisionedEntity } from './provisioned-entity.entity';

export type EntityType = 'USER' | 'GROUP';

export class LinkStore {
  private readonly repo: Repository<ProvisionedEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(ProvisionedEntity);
  }

  /** The links of one local entity on several connectors, in one query. */
  async findMany(
    connectorIds: string[],
    entityType: EntityType,
    localId: string,
  ): Promise<Map<string, ProvisionedEntity>> {
    if (!connectorIds.length) return new Map();
    const rows = await this.repo.findBy({ connectorId: In(connectorIds), entityType, localId });
    return new Map(rows.map((row) => [row.connectorId, row]));
  }
}
