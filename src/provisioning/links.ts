// Links between local users/groups and what each connector's target knows them by.
import type { DataSource } from 'typeorm';
import type { RemoteRef } from '../connector-types/connector-type';
import { ProvisionedEntity } from './provisioned-entity.entity';

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

  /** Creates or moves the link after a successful create or update. */
  async save(
    connectorId: string,
    entityType: EntityType,
    localId: string,
    ref: RemoteRef,
  ): Promise<void> {
    await this.dataSource.getRepository(ProvisionedEntity).upsert(
      {
        connectorId,
        entityType,
        localId,
        remoteId: ref.remoteId,
        remoteName: ref.remoteName,
        lastSyncedAt: new Date(),
        attributesHash: null,
      },
      ['connectorId', 'entityType', 'localId'],
    );
  }

  async remove(connectorId: string, entityType: EntityType, localId: string): Promise<void> {
    await this.dataSource
      .getRepository(ProvisionedEntity)
      .delete({ connectorId, entityType, localId });
  }
}
