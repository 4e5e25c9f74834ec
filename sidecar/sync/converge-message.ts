// The messages a sync puts on its topic: "converge these users (or groups) for this job", one
// message per page of the walk. A page is split into one converge per object when handled; an
// object that cannot be converged is dead-lettered as a message of its own (the single form), so
// it is replayed alone. A page of users carries its position in the realm (`first`): the handler
// reads that page again at once, rather than each user, and converges to what it reads then.
import type { ChangeContext } from '../keycloak/events';
import { MalformedEventError } from '../keycloak/events';
import type { PagedUser } from '../../src/keycloak/directory';
import type { Target, UserReads } from '../../src/convergence/convergence';
import type { SyncOutcomeRow } from './sync-progress';

interface ConvergeJob {
  syncJobId: string;
  identityProviderId: string;
  connectorId: string | null;
  realmName: string;
  entity: 'user' | 'group';
  dryRun: boolean;
}

export interface ConvergeRequest extends ConvergeJob {
  id: string;
}

export interface ConvergePageRequest extends ConvergeJob {
  ids: string[];
  /** Where the page starts in Keycloak's listing of the realm's users; null for other pages. */
  first: number | null;
}

export interface ConvergeChange extends ChangeContext, ConvergeRequest {
  kind: 'converge';
  /** The user as the page read them just now; absent: read them. */
  paged?: PagedUser;
  /** A page's user: its memberships converge with its groups (see Signal). */
  viaGroups?: boolean;
  /** Where the page collects its objects' outcomes; absent: stored on their own. */
  outcomes?: SyncOutcomeRow[];
  /** What every object of the page shares, found once for the page; absent: found per object. */
  prepared?: PagePreamble;
}

/** A page's job, open when the page began, with its Keycloak reads and its targets. */
export interface PagePreamble {
  userReads: UserReads;
  targets: Target[];
}

export interface ConvergePageChange extends ChangeContext, ConvergeJob {
  kind: 'converge-page';
  first: number | null;
  objects: ConvergeChange[];
}

export function encodeConverge(request: ConvergeRequest): { key: string; value: string } {
  return { key: request.id, value: JSON.stringify({ converge: request, time: Date.now() }) };
}

/** One object of a page as a message of its own (what its dead letter holds). */
export function encodeObject(c: ConvergeChange): { key: string; value: string } {
  const { syncJobId, identityProviderId, connectorId, realmName, entity, id, dryRun } = c;
  return encodeConverge({
    syncJobId,
    identityProviderId,
    connectorId,
    realmName,
    entity,
    id,
    dryRun,
  });
}

export function encodeConvergePage(page: ConvergePageRequest): { key: string; value: string } {
  return { key: page.ids[0], value: JSON.stringify({ converge: page, time: Date.now() }) };
}

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** A converge request in a message, or null when the message is not one (a Keycloak event). */
export function parseConverge(
  json: Record<string, unknown>,
): ConvergeChange | ConvergePageChange | null {
  if (!('converge' in json)) return null;
  const c = json.converge as Record<string, unknown> | null;
  const ids = c?.ids;
  const pageOk =
    ids === undefined ||
    (Array.isArray(ids) &&
      ids.length > 0 &&
      ids.every(isString) &&
      (c?.first === null || (typeof c?.first === 'number' && c.first >= 0)));
  if (
    !c ||
    !isString(c.syncJobId) ||
    !isString(c.identityProviderId) ||
    !(c.connectorId === null || isString(c.connectorId)) ||
    !isString(c.realmName) ||
    (c.entity !== 'user' && c.entity !== 'group') ||
    (ids === undefined ? !isString(c.id) : !pageOk) ||
    typeof c.dryRun !== 'boolean'
  )
    throw new MalformedEventError('a converge message without its job, realm, entity or id');
  const time = typeof json.time === 'number' ? json.time : Date.now();
  const job: ConvergeJob = {
    syncJobId: c.syncJobId,
    identityProviderId: c.identityProviderId,
    connectorId: c.connectorId,
    realmName: c.realmName,
    entity: c.entity,
    dryRun: c.dryRun,
  };
  const one = (id: string): ConvergeChange => ({
    kind: 'converge',
    ...job,
    id,
    eventId: `sync:${job.syncJobId}/${job.entity}/${id}`,
    time,
    realm: { id: job.realmName, name: job.realmName },
    eventKind: 'sync',
    eventType: job.entity === 'user' ? 'SYNC:USER' : 'SYNC:GROUP',
    orderingKey: id,
  });
  if (ids === undefined) return one(c.id as string);
  // A page's users leave their memberships to their groups: the walk converges every group (with
  // its members) after every user. (The users of the deletion phase are gone from Keycloak, or
  // were provisioned live meanwhile, memberships included.)
  const objects = (ids as string[]).map((id) => ({ ...one(id), viaGroups: job.entity === 'user' }));
  return {
    ...objects[0],
    kind: 'converge-page',
    eventId: `sync:${job.syncJobId}/${job.entity}/page:${objects[0].id}`,
    first: c.first as number | null,
    objects,
  };
}
