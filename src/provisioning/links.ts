// Links between local users/groups and what each connector's target knows them by.
import type { DataSource } from 'typeorm';
import type { ProvisionedEntity } from './provisioned-entity.entity';

export type EntityType = 'USER' | 'GROUP';
export type LinkRef = Pick<ProvisionedEntity, 'connectorId' | 'remoteId' | 'remoteName'>;

export class LinkStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The links of one local entity on several connectors, in one query. Plain SQL (valid in
   * MariaDB and SQLite): this runs on every preview and provisioning call.
   */
  async findMany(
    connectorIds: string[],
    entityType: EntityType,
    localId: string,
  ): Promise<Map<string, LinkRef>> {
    if (!connectorIds.length) return new Map();
    const rows: LinkRef[] = await this.dataSource.query(
      `SELECT connectorId, remoteId, remoteName FROM provisioned_entity
       WHERE entityType = ? AND localId = ? AND connectorId IN (${connectorIds.map(() => '?').join(', ')})`,
      [entityType, localId, ...connectorIds],
    );
    return new Map(rows.map((row) => [row.connectorId, row]));
  }
}
