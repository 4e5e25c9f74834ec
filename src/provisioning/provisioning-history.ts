// Reads the provisioning log (newest first, keyset pages over the record id) and the links.
import { In, type DataSource, type FindOperator } from 'typeorm';
import { idCursor } from '../common/cursor';
import { UserInputError } from '../common/errors';
import { isUuid } from '../common/validation';
import { ProvisionedEntity } from './provisioned-entity.entity';
import type { ProvisioningLogFilter, ProvisioningLogPage } from './provisioning-history.types';
import { ProvisioningRecord } from './provisioning-record.entity';

export const MAX_PAGE = 500;
const cursor = idCursor('record');

function uuidOrFail(value: string | null | undefined, name: string): string | null {
  if (value == null) return null;
  if (!isUuid(value)) throw new UserInputError(`${name} must be a UUID, got "${value}"`, name);
  return value;
}

export class ProvisioningHistory {
  constructor(private readonly dataSource: DataSource) {}

  /** `visible`: the identity providers whose records the caller may read; null for all. */
  async page(
    filter: ProvisioningLogFilter,
    first: number,
    after: string | null,
    visible: string[] | null = null,
  ): Promise<ProvisioningLogPage> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE)
      throw new UserInputError(`first must be between 1 and ${MAX_PAGE}, got ${first}`, 'first');
    if (visible && !visible.length) return cursor.page([], first);
    const query = this.dataSource
      .getRepository(ProvisioningRecord)
      .createQueryBuilder('r')
      .orderBy('r.id', 'DESC')
      .take(first + 1);
    const idp = uuidOrFail(filter.identityProviderId, 'identityProviderId');
    const connector = uuidOrFail(filter.connectorId, 'connectorId');
    if (idp) query.andWhere('r.identityProviderId = :idp', { idp });
    if (visible) query.andWhere('r.identityProviderId IN (:...visible)', { visible });
    if (connector) query.andWhere('r.connectorId = :connector', { connector });
    if (filter.localId) query.andWhere('r.localId = :localId', { localId: filter.localId });
    if (filter.status) query.andWhere('r.status = :status', { status: filter.status });
    const job = uuidOrFail(filter.syncJobId, 'syncJobId');
    if (job) query.andWhere('r.source = :source', { source: `sync:${job}` });
    if (filter.since) query.andWhere('r.createdAt >= :since', { since: filter.since });
    if (after) query.andWhere('r.id < :after', { after: cursor.decode(after) });
    const rows = await query.getMany();
    return cursor.page(rows, first);
  }

  /**
   * The links of a connector and/or a local user or group; at least one of the two is required.
   * `visibleConnectors`: the connectors whose links the caller may read; null for all.
   */
  async links(
    connectorId: string | null,
    localId: string | null,
    visibleConnectors: string[] | null = null,
  ): Promise<ProvisionedEntity[]> {
    if (!connectorId && !localId)
      throw new UserInputError('give connectorId, localId or both', 'connectorId');
    const where: { connectorId?: string | FindOperator<string>; localId?: string } = {};
    if (connectorId) where.connectorId = uuidOrFail(connectorId, 'connectorId')!;
    if (visibleConnectors) {
      const allowed = connectorId
        ? visibleConnectors.filter((id) => id === connectorId)
        : visibleConnectors;
      if (!allowed.length) return [];
      where.connectorId = In(allowed);
    }
    if (localId) where.localId = localId;
    return this.dataSource.getRepository(ProvisionedEntity).find({
      where,
      order: { lastSyncedAt: 'DESC' },
      take: MAX_PAGE,
    });
  }
}
