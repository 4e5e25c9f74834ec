// The links of a sync page's users, read in two queries when the page starts and kept in memory
// while its users converge, instead of several lookups per user (its link for the update, again
// for its memberships, its membership links). Every link this process writes meanwhile updates
// them, and the page holds its users' keys, so no other event of theirs runs in this process.
// Another process (the API provisioning now, another sidecar) may write one meanwhile, as it may
// between any lookup and the call that follows it: a create then finds the target's copy and
// adopts it. So that this window stays short, a hold answers for HOLD_MS at most.
import type { EntityType, LinkChange, LinkRef } from './links';

/** How long a hold answers lookups; a page that takes longer looks its users up afresh. */
export const HOLD_MS = 10_000;

interface HeldUser {
  holds: number;
  since: number;
  /** Emptied when the user is dropped: it then answers nothing. */
  connectorIds: ReadonlySet<string>;
  links: Map<string, LinkRef>;
  /** Per connector: group id → remote group id, as the MEMBER links say. */
  memberships: Map<string, Map<string, string>>;
}

export interface HeldRows {
  users: (LinkRef & { localId: string })[];
  members: { connectorId: string; localId: string; remoteId: string }[];
}

/** `<userId>/<groupId>` (memberKey) back into its two ids. */
function splitMemberKey(localId: string): [string, string] {
  const slash = localId.indexOf('/');
  return [localId.slice(0, slash), localId.slice(slash + 1)];
}

export class HeldLinks {
  private readonly users = new Map<string, HeldUser>();

  /** Keeps what was read for these users (counted: a user held twice is released twice). */
  add(connectorIds: string[], userIds: string[], rows: HeldRows): void {
    for (const userId of userIds) {
      const held = this.users.get(userId);
      if (held) {
        held.holds++;
        continue;
      }
      const memberships = new Map(connectorIds.map((id) => [id, new Map<string, string>()]));
      this.users.set(userId, {
        holds: 1,
        since: Date.now(),
        connectorIds: new Set(connectorIds),
        links: new Map(),
        memberships,
      });
    }
    for (const row of rows.users) {
      const { connectorId, remoteId, remoteName, attributesHash } = row;
      this.users.get(row.localId)?.links.set(connectorId, {
        connectorId,
        remoteId,
        remoteName,
        attributesHash,
      });
    }
    for (const row of rows.members) {
      const [userId, groupId] = splitMemberKey(row.localId);
      this.users.get(userId)?.memberships.get(row.connectorId)?.set(groupId, row.remoteId);
    }
  }

  release(userIds: string[]): void {
    for (const userId of userIds) {
      const held = this.users.get(userId);
      if (held && --held.holds === 0) this.users.delete(userId);
    }
  }

  /** The user's links on these connectors, or null when they are not all held. */
  links(
    entityType: EntityType,
    localId: string,
    connectorIds: string[],
  ): Map<string, LinkRef> | null {
    const held = entityType === 'USER' ? this.current(localId) : undefined;
    if (!held || !connectorIds.every((id) => held.connectorIds.has(id))) return null;
    const found = new Map<string, LinkRef>();
    for (const id of connectorIds) {
      const link = held.links.get(id);
      if (link) found.set(id, link);
    }
    return found;
  }

  /** The groups the user was made a member of at the connector, or null when not held. */
  memberships(connectorId: string, userId: string): Map<string, string> | null {
    const made = this.current(userId)?.memberships.get(connectorId);
    return made ? new Map(made) : null;
  }

  /** Drops what is held about the users these links belong to (their write failed). */
  forget(changes: LinkChange[]): void {
    for (const { entityType, localId, prefix } of changes) {
      if (entityType === 'USER' || (entityType === 'MEMBER' && prefix)) this.drop(localId);
      else if (entityType === 'MEMBER') this.drop(splitMemberKey(localId)[0]);
    }
  }

  /** A held user's entry while it still answers. */
  private current(userId: string): HeldUser | undefined {
    const held = this.users.get(userId);
    const answers = held && held.connectorIds.size > 0 && Date.now() - held.since < HOLD_MS;
    return answers ? held : undefined;
  }

  /** Stops answering for the user (its holds are still released as usual). */
  private drop(userId: string): void {
    const held = this.users.get(userId);
    if (held) held.connectorIds = new Set();
  }

  /** Links this process has just stored or dropped. */
  written(changes: LinkChange[]): void {
    if (!this.users.size) return;
    for (const change of changes) {
      if (change.entityType === 'USER') this.userWritten(change);
      else if (change.entityType === 'MEMBER') this.memberWritten(change);
    }
  }

  private userWritten({ connectorId, localId, ref, hash }: LinkChange): void {
    const held = this.users.get(localId);
    if (!held) return;
    if (!ref) held.links.delete(connectorId);
    else
      held.links.set(connectorId, {
        connectorId,
        remoteId: ref.remoteId,
        remoteName: ref.remoteName,
        attributesHash: hash ?? null,
      });
  }

  private memberWritten({ connectorId, localId, ref, prefix, members }: LinkChange): void {
    if (prefix) return void this.users.get(localId)?.memberships.get(connectorId)?.clear();
    if (members) {
      for (const held of this.users.values()) held.memberships.get(connectorId)?.delete(localId);
      return;
    }
    const [userId, groupId] = splitMemberKey(localId);
    const made = this.users.get(userId)?.memberships.get(connectorId);
    if (!made) return;
    if (ref) made.set(groupId, ref.remoteId);
    else made.delete(groupId);
  }
}
