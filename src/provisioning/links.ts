// Links between local users/groups and what each connector's target knows them by. Reads happen
// here; writes are LinkChanges, stored by the provisioning log in the same group write as the
// records that report them.
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { RemoteRef } from '../connector-types/connector-type';
import { HeldLinks, type HeldRow } from './held-links';
import { ProvisionedEntity } from './provisioned-entity.entity';

/** MEMBER links record a membership made at the target: localId `<userId>/<groupId>`. */
export type EntityType = 'USER' | 'GROUP' | 'MEMBER';
export type LinkRef = Pick<
  ProvisionedEntity,
  'connectorId' | 'remoteId' | 'remoteName' | 'attributesHash'
>;

/** A link to store (ref) or to drop (ref null) after a call to the target succeeded. */
export interface LinkChange {
  connectorId: string;
  entityType: EntityType;
  localId: string;
  ref: RemoteRef | null;
  /** The hash of the representation just sent (see representation.ts); null when unknown. */
  hash?: string | null;
  /** With ref null: drops every link whose localId starts with `<localId>/` (a user's memberships). */
  prefix?: boolean;
  /** With ref null: drops every link whose localId ends with `/<localId>` (a group's memberships). */
  members?: boolean;
}

/** The localId of a membership link. */
export const memberKey = (userId: string, groupId: string) => `${userId}/${groupId}`;

/** Ids in one IN list: well under every driver's placeholder limit (SQLite's is 32,766). */
const USERS_PER_QUERY = 500;

/** n SQL placeholders. */
const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/** The localId range `[<id>/, <id>0)`: every key with the prefix `<id>/` ('0' follows '/'). */
const prefixRange = (localId: string) => [`${localId}/`, `${localId}0`];

interface Lookup {
  connectorIds: string[];
  entityType: EntityType;
  localId: string;
  resolve(links: Map<string, LinkRef>): void;
  reject(error: unknown): void;
}

interface MembershipLookup {
  connectorId: string;
  userId: string;
  resolve(memberships: Map<string, string>): void;
  reject(error: unknown): void;
}

type LinkRow = LinkRef & { entityType: EntityType; localId: string };

export class LinkStore {
  private pending: Lookup[] = [];
  private pendingMemberships: MembershipLookup[] = [];
  private readonly held = new HeldLinks();

  constructor(private readonly dataSource: DataSource) {}

  /**
   * Reads the links of a sync page's users on these connectors, one query for the page, and
   * answers their lookups from memory until the returned release (HeldLinks).
   */
  async hold(connectorIds: string[], userIds: string[]): Promise<() => void> {
    if (!connectorIds.length || !userIds.length) return () => undefined;
    const users = await this.dataSource.query<HeldRow[]>(
      `SELECT connectorId, localId, remoteId, remoteName, attributesHash FROM provisioned_entity
       WHERE entityType = 'USER' AND connectorId IN (${marks(connectorIds.length)})
         AND localId IN (${marks(userIds.length)})`,
      [...connectorIds, ...userIds],
    );
    this.held.add(connectorIds, userIds, users);
    return () => this.held.release(userIds);
  }

  /** Links this process has just stored or dropped: what a held page knows follows them. */
  written(changes: LinkChange[]): void {
    this.held.written(changes);
  }

  /** Links whose write failed (perhaps half-done): their users are looked up afresh. */
  forget(changes: LinkChange[]): void {
    this.held.forget(changes);
  }

  /**
   * The links of one local entity on several connectors. Lookups made in the same tick share one
   * query (plain SQL, valid in MariaDB and SQLite): this runs on every preview and provisioning call.
   */
  findMany(
    connectorIds: string[],
    entityType: EntityType,
    localId: string,
  ): Promise<Map<string, LinkRef>> {
    if (!connectorIds.length) return Promise.resolve(new Map<string, LinkRef>());
    const held = this.held.links(entityType, localId, connectorIds);
    if (held) return Promise.resolve(held);
    return new Promise((resolve, reject) => {
      if (!this.pending.length) setImmediate(() => void this.lookUp());
      this.pending.push({ connectorIds, entityType, localId, resolve, reject });
    });
  }

  /**
   * The groups a user was made a member of at a connector's target: group id → remote group id.
   * Asked for every user a live event converges, so the questions of one tick share a query too.
   */
  membershipsOf(connectorId: string, userId: string): Promise<Map<string, string>> {
    return new Promise((resolve, reject) => {
      if (!this.pendingMemberships.length) setImmediate(() => void this.lookUpMemberships());
      this.pendingMemberships.push({ connectorId, userId, resolve, reject });
    });
  }

  /**
   * The users made members of a group at a connector's target, from the MEMBER links that name
   * the group and its remote id (what they store: found through ix_link_remote). A group created
   * again at the target drops its MEMBER links, so none keeps an earlier remote id.
   */
  async membersOfGroup(
    connectorId: string,
    groupId: string,
    groupRemoteId: string,
  ): Promise<Set<string>> {
    const rows: { localId: string }[] = await this.dataSource.query(
      `SELECT localId FROM provisioned_entity
       WHERE connectorId = ? AND entityType = 'MEMBER' AND remoteId = ? AND localId LIKE ? ESCAPE '!'`,
      [connectorId, groupRemoteId, suffixPattern(groupId)],
    );
    const suffix = groupId.length + 1;
    return new Set(rows.map((r) => r.localId.slice(0, -suffix)));
  }

  /** The USER links of many users at one connector, read in chunks: user id → link. */
  async usersAt(connectorId: string, userIds: readonly string[]): Promise<Map<string, LinkRef>> {
    const found = new Map<string, LinkRef>();
    for (let i = 0; i < userIds.length; i += USERS_PER_QUERY) {
      const chunk = userIds.slice(i, i + USERS_PER_QUERY);
      const rows: LinkRow[] = await this.dataSource.query(
        `SELECT connectorId, localId, remoteId, remoteName, attributesHash FROM provisioned_entity
         WHERE connectorId = ? AND entityType = 'USER' AND localId IN (${marks(chunk.length)})`,
        [connectorId, ...chunk],
      );
      for (const row of rows) found.set(row.localId, row);
    }
    return found;
  }

  private async lookUpMemberships(): Promise<void> {
    const batch = this.pendingMemberships;
    this.pendingMemberships = [];
    // One index range per user: its MEMBER keys `<userId>/<groupId>`.
    const ranges = batch.map(() => '(connectorId = ? AND localId >= ? AND localId < ?)');
    try {
      const rows: { connectorId: string; localId: string; remoteId: string }[] =
        await this.dataSource.query(
          `SELECT connectorId, localId, remoteId FROM provisioned_entity
           WHERE entityType = 'MEMBER' AND (${ranges.join(' OR ')})`,
          batch.flatMap((q) => [q.connectorId, ...prefixRange(q.userId)]),
        );
      for (const q of batch) {
        const prefix = `${q.userId}/`;
        const mine = rows.filter(
          (r) => r.connectorId === q.connectorId && r.localId.startsWith(prefix),
        );
        q.resolve(new Map(mine.map((r) => [r.localId.slice(prefix.length), r.remoteId])));
      }
    } catch (error) {
      batch.forEach((q) => q.reject(error));
    }
  }

  private async lookUp(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    const connectorIds = [...new Set(batch.flatMap((l) => l.connectorIds))];
    const localIds = [...new Set(batch.map((l) => l.localId))];
    const types = [...new Set(batch.map((l) => l.entityType))];
    try {
      const rows: LinkRow[] = await this.dataSource.query(
        `SELECT connectorId, entityType, localId, remoteId, remoteName, attributesHash FROM provisioned_entity
         WHERE connectorId IN (${marks(connectorIds.length)}) AND entityType IN (${marks(types.length)})
           AND localId IN (${marks(localIds.length)})`,
        [...connectorIds, ...types, ...localIds],
      );
      for (const lookup of batch) {
        const mine = rows.filter(
          (r) =>
            r.entityType === lookup.entityType &&
            r.localId === lookup.localId &&
            lookup.connectorIds.includes(r.connectorId),
        );
        lookup.resolve(new Map(mine.map((r) => [r.connectorId, r])));
      }
    } catch (error) {
      batch.forEach((lookup) => lookup.reject(error));
    }
  }
}

const COLUMNS = [
  'id',
  'connectorId',
  'entityType',
  'localId',
  'remoteId',
  'remoteName',
  'attributesHash',
];

/** `LIKE '%/<id>' ESCAPE '!'` with the id's own wildcards escaped ('!': the same in every SQL dialect). */
const suffixPattern = (localId: string) => `%/${localId.replace(/[!%_]/g, '!$&')}`;

function deleteSql(change: LinkChange): [string, unknown[]] {
  const where = 'DELETE FROM provisioned_entity WHERE connectorId = ? AND entityType = ? AND';
  const key = [change.connectorId, change.entityType];
  if (change.prefix)
    return [`${where} localId >= ? AND localId < ?`, [...key, ...prefixRange(change.localId)]];
  if (change.members)
    return [`${where} localId LIKE ? ESCAPE '!'`, [...key, suffixPattern(change.localId)]];
  return [`${where} localId = ?`, [...key, change.localId]];
}

/** Applies changes in order; consecutive stores go out as one multi-row upsert. */
export async function applyLinkChanges(
  manager: Pick<EntityManager, 'connection' | 'query'>,
  changes: LinkChange[],
): Promise<void> {
  const sqlite = manager.connection.options.type === 'better-sqlite3';
  const column = manager.connection
    .getMetadata(ProvisionedEntity)
    .findColumnWithPropertyName('lastSyncedAt')!;
  const now = manager.connection.driver.preparePersistentValue(new Date(), column) as unknown;
  for (let i = 0; i < changes.length;) {
    const change = changes[i];
    if (!change.ref) {
      await manager.query(...deleteSql(change));
      i++;
      continue;
    }
    const run: LinkChange[] = [];
    while (i < changes.length && changes[i].ref) run.push(changes[i++]);
    const rows = run.map(() => `(${[...COLUMNS, 'lastSyncedAt'].map(() => '?').join(', ')})`);
    const params = run.flatMap((c) => [
      randomUUID(),
      c.connectorId,
      c.entityType,
      c.localId,
      c.ref!.remoteId,
      c.ref!.remoteName,
      c.hash ?? null,
      now,
    ]);
    const update = sqlite
      ? 'ON CONFLICT (connectorId, entityType, localId) DO UPDATE SET remoteId = excluded.remoteId, remoteName = excluded.remoteName, attributesHash = excluded.attributesHash, lastSyncedAt = excluded.lastSyncedAt'
      : 'ON DUPLICATE KEY UPDATE remoteId = VALUES(remoteId), remoteName = VALUES(remoteName), attributesHash = VALUES(attributesHash), lastSyncedAt = VALUES(lastSyncedAt)';
    await manager.query(
      `INSERT INTO provisioned_entity (${COLUMNS.join(', ')}, lastSyncedAt) VALUES ${rows.join(', ')} ${update}`,
      params,
    );
  }
}
