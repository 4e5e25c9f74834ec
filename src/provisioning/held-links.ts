// The links of a sync page's users, read in one query when the page starts and kept in memory
// while its users converge, instead of a lookup per user. (A page's users converge without their
// memberships: the sync converges those group by group.) Every link this process writes meanwhile updates
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
}

export type HeldRow = LinkRef & { localId: string };

export class HeldLinks {
  private readonly users = new Map<string, HeldUser>();

  /** Keeps what was read for these users (counted: a user held twice is released twice). */
  add(connectorIds: string[], userIds: string[], rows: HeldRow[]): void {
    for (const userId of userIds) {
      const held = this.users.get(userId);
      if (held) {
        held.holds++;
        continue;
      }
      this.users.set(userId, {
        holds: 1,
        since: Date.now(),
        connectorIds: new Set(connectorIds),
        links: new Map(),
      });
    }
    for (const row of rows) {
      const { connectorId, remoteId, remoteName, attributesHash } = row;
      this.users.get(row.localId)?.links.set(connectorId, {
        connectorId,
        remoteId,
        remoteName,
        attributesHash,
      });
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

  /** Drops what is held about the users these links belong to (their write failed). */
  forget(changes: LinkChange[]): void {
    for (const { entityType, localId } of changes) if (entityType === 'USER') this.drop(localId);
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
    for (const { entityType, connectorId, localId, ref, hash } of changes) {
      const held = entityType === 'USER' ? this.users.get(localId) : undefined;
      if (!held) continue;
      if (!ref) held.links.delete(connectorId);
      else
        held.links.set(connectorId, {
          connectorId,
          remoteId: ref.remoteId,
          remoteName: ref.remoteName,
          attributesHash: hash ?? null,
        });
    }
  }
}
