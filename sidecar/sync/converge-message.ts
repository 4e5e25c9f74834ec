// The message a sync puts on its topic for each object it walks: "converge this user (or group)
// for this job". Keyed by the object's id, so it is ordered with the object's live events on the
// same partition, spread over every sidecar, retried and dead-lettered as events are.
import type { ChangeContext } from '../keycloak/events';
import { MalformedEventError } from '../keycloak/events';

export interface ConvergeRequest {
  syncJobId: string;
  identityProviderId: string;
  connectorId: string | null;
  realmName: string;
  entity: 'user' | 'group';
  id: string;
  dryRun: boolean;
}

export interface ConvergeChange extends ChangeContext, ConvergeRequest {
  kind: 'converge';
}

export function encodeConverge(request: ConvergeRequest): { key: string; value: string } {
  return { key: request.id, value: JSON.stringify({ converge: request, time: Date.now() }) };
}

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** The converge request in a message, or null when the message is not one (a Keycloak event). */
export function parseConverge(json: Record<string, unknown>): ConvergeChange | null {
  if (!('converge' in json)) return null;
  const c = json.converge as Partial<Record<keyof ConvergeRequest, unknown>> | null;
  if (
    !c ||
    !isString(c.syncJobId) ||
    !isString(c.identityProviderId) ||
    !(c.connectorId === null || isString(c.connectorId)) ||
    !isString(c.realmName) ||
    (c.entity !== 'user' && c.entity !== 'group') ||
    !isString(c.id) ||
    typeof c.dryRun !== 'boolean'
  )
    throw new MalformedEventError('a converge message without its job, realm, entity or id');
  const time = typeof json.time === 'number' ? json.time : Date.now();
  return {
    kind: 'converge',
    syncJobId: c.syncJobId,
    identityProviderId: c.identityProviderId,
    connectorId: c.connectorId,
    realmName: c.realmName,
    entity: c.entity,
    id: c.id,
    dryRun: c.dryRun,
    eventId: `sync:${c.syncJobId}/${c.entity}/${c.id}`,
    time,
    realm: { id: c.realmName, name: c.realmName },
    eventKind: 'sync',
    eventType: c.entity === 'user' ? 'SYNC:USER' : 'SYNC:GROUP',
    orderingKey: c.id,
  };
}
