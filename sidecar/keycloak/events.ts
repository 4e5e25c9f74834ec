// Keycloak events → the provisioning change they stand for (DESIGN §7). Accepts both JSON shapes:
// the SPI objects a Kafka listener serialises (realmName, resourceTypeAsString, enum names) and the
// REST EventRepresentation / AdminEventRepresentation (realmId only). A well-formed event that does
// not concern provisioning is `ignored`; anything unreadable throws MalformedEventError.
import { createHash } from 'node:crypto';
import type { MembershipChange } from '../../src/provisioning/outcome';
import {
  parseConverge,
  type ConvergeChange,
  type ConvergePageChange,
} from '../sync/converge-message';

export type ChangeOperation = 'CREATE' | 'UPDATE' | 'DELETE';
export type EventKind = 'user' | 'admin' | 'sync';

/** What every change carries, whatever its kind. */
export interface ChangeContext {
  /** The event's `id`, or `sha256:<hex>` of the message when it has none (same message, same id). */
  eventId: string;
  /** When Keycloak sent the event, epoch milliseconds. */
  time: number;
  /** The realm the resource lives in (never the admin's); `name` is absent from REST and Keycloak 24 JSON. */
  realm: { id: string; name: string | null };
  /** A user event (`type`) or an admin event (`operationType` on a resource). */
  eventKind: EventKind;
  /** `REGISTER`, `USER:CREATE`, `GROUP_MEMBERSHIP:DELETE`…: a label for logs and metrics. */
  eventType: string;
  /** Changes with the same key are applied in order: the user id, or the group id for group events. */
  orderingKey: string;
}

export interface KeycloakUserChange extends ChangeContext {
  kind: 'user';
  operation: ChangeOperation;
  userId: string;
}

export interface KeycloakGroupChange extends ChangeContext {
  kind: 'group';
  operation: ChangeOperation;
  groupId: string;
  /** From the event's representation where it has one (DELETE usually has none). */
  name: string | null;
  path: string | null;
}

export interface KeycloakMembershipChange extends ChangeContext {
  kind: 'membership';
  change: MembershipChange;
  userId: string;
  groupId: string;
  groupName: string | null;
  groupPath: string | null;
}

export interface KeycloakIgnoredEvent extends ChangeContext {
  kind: 'ignored';
  reason: string;
}

export type KeycloakChange =
  | KeycloakUserChange
  | KeycloakGroupChange
  | KeycloakMembershipChange
  | KeycloakIgnoredEvent
  | ConvergeChange
  | ConvergePageChange;

/** The message cannot be read as a Keycloak event; `reason` says why (for the dead-letter record). */
export class MalformedEventError extends Error {
  constructor(
    readonly reason: string,
    readonly eventId: string | null = null,
  ) {
    super(`malformed Keycloak event: ${reason}`);
    this.name = 'MalformedEventError';
  }
}

type Json = Record<string, unknown>;
type Base = Pick<ChangeContext, 'eventId' | 'time' | 'realm'>;

const USER_EVENTS = new Map<string, ChangeOperation>([
  ['REGISTER', 'CREATE'],
  ['UPDATE_PROFILE', 'UPDATE'],
  ['UPDATE_EMAIL', 'UPDATE'],
  ['DELETE_ACCOUNT', 'DELETE'],
]);
const CRUD = new Set<string>(['CREATE', 'UPDATE', 'DELETE']);

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(json: Json, key: string): string | null {
  const value = json[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new MalformedEventError(`${key} is not a string`);
  return value === '' ? null : value;
}

function requiredString(json: Json, key: string): string {
  const value = optionalString(json, key);
  if (value === null) throw new MalformedEventError(`${key} is missing`);
  return value;
}

function readTime(json: Json): number {
  const time = json.time;
  if (typeof time !== 'number' || !Number.isSafeInteger(time) || time < 0)
    throw new MalformedEventError('time is missing or not epoch milliseconds');
  return time;
}

function readMessage(value: Buffer | string | null): { text: string; json: Json } {
  if (value === null) throw new MalformedEventError('the message has no value (a tombstone)');
  const text = (typeof value === 'string' ? value : value.toString('utf8')).replace(/^\uFEFF/, '');
  if (!text.trim()) throw new MalformedEventError('the message is empty');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new MalformedEventError(`not JSON (${(cause as Error).message})`);
  }
  if (!isObject(json)) throw new MalformedEventError('not a JSON object');
  return { text, json };
}

/** `representation` is JSON text inside the event (double-encoded); null when absent. */
function decodeRepresentation(json: Json): unknown {
  const raw = optionalString(json, 'representation');
  if (raw === null) return null;
  try {
    return JSON.parse(raw) as unknown;
  } catch (cause) {
    throw new MalformedEventError(`representation is not JSON (${(cause as Error).message})`);
  }
}

function ignored(context: ChangeContext, reason: string): KeycloakIgnoredEvent {
  return { ...context, kind: 'ignored', reason };
}

function parseUserEvent(json: Json, base: Base): KeycloakChange {
  const type = requiredString(json, 'type');
  const error = optionalString(json, 'error');
  const userId = optionalString(json, 'userId');
  const context: ChangeContext = {
    ...base,
    eventKind: 'user',
    eventType: type,
    orderingKey: userId ?? base.realm.id,
  };
  if (error !== null || type.endsWith('_ERROR'))
    return ignored(context, `error event (${error ?? type})`);
  const operation = USER_EVENTS.get(type);
  if (!operation) return ignored(context, `user event ${type} does not change provisioning`);
  if (!userId) throw new MalformedEventError(`user event ${type} has no userId`);
  return { ...context, kind: 'user', operation, userId };
}

/** `resourcePath` segments (relative to /admin/realms/{realm}/, tolerating stray slashes). */
function pathSegments(resourcePath: string | null): string[] {
  if (resourcePath === null) return [];
  const segments = resourcePath.replace(/^\/+|\/+$/g, '').split('/');
  if (segments.some((s) => s === ''))
    throw new MalformedEventError(`resourcePath ${resourcePath} has an empty segment`);
  return segments;
}

/** The user id for events on users/<id>…, the group id for groups/<id>…, else the realm id. */
function pathKey(segments: string[], realmId: string): string {
  return (segments[0] === 'users' || segments[0] === 'groups') && segments[1]
    ? segments[1]
    : realmId;
}

interface AdminEvent {
  resourceType: string;
  operation: string;
  resourcePath: string;
  segments: string[];
  json: Json;
  context: ChangeContext;
}

type AdminHandler = (event: AdminEvent) => KeycloakChange;

const ADMIN_HANDLERS = new Map<string, AdminHandler>([
  ['USER', userAdminEvent],
  ['GROUP', groupAdminEvent],
  ['GROUP_MEMBERSHIP', membershipAdminEvent],
  ['REALM_ROLE_MAPPING', roleMappingAdminEvent],
  ['CLIENT_ROLE_MAPPING', roleMappingAdminEvent],
]);

function parseAdminEvent(json: Json, base: Base): KeycloakChange {
  const operation = requiredString(json, 'operationType');
  // SPI JSON turns custom types into CUSTOM and keeps the raw one in resourceTypeAsString.
  const resourceType =
    optionalString(json, 'resourceTypeAsString') ?? requiredString(json, 'resourceType');
  const resourcePath = optionalString(json, 'resourcePath');
  const segments = pathSegments(resourcePath);
  const context: ChangeContext = {
    ...base,
    eventKind: 'admin',
    eventType: `${resourceType}:${operation}`,
    orderingKey: pathKey(segments, base.realm.id),
  };
  const error = optionalString(json, 'error');
  if (error !== null) return ignored(context, `error event (${error})`);
  const handler = ADMIN_HANDLERS.get(resourceType);
  if (!handler) return ignored(context, `admin ${resourceType} events do not change provisioning`);
  if (!CRUD.has(operation))
    return ignored(context, `admin ${resourceType} ${operation} does not change provisioning`);
  if (resourcePath === null)
    throw new MalformedEventError(`admin ${resourceType} ${operation} event has no resourcePath`);
  return handler({ resourceType, operation, resourcePath, segments, json, context });
}

function badPath(event: AdminEvent, expected: string): MalformedEventError {
  return new MalformedEventError(
    `admin ${event.resourceType} event has resourcePath ${event.resourcePath}, expected ${expected}`,
  );
}

function userAdminEvent(event: AdminEvent): KeycloakChange {
  const [root, userId, ...rest] = event.segments;
  if (root !== 'users' || !userId) throw badPath(event, 'users/<id>');
  if (rest.length)
    return ignored(event.context, `admin USER event on a sub-resource (${event.resourcePath})`);
  decodeRepresentation(event.json);
  const operation = event.operation as ChangeOperation;
  return { ...event.context, kind: 'user', operation, userId };
}

function groupRepresentation(json: Json): Json | null {
  const representation = decodeRepresentation(json);
  if (representation === null) return null;
  if (!isObject(representation))
    throw new MalformedEventError('the group representation is not a JSON object');
  return representation;
}

function groupAdminEvent(event: AdminEvent): KeycloakChange {
  const [root, id, sub, childId, ...rest] = event.segments;
  if (root !== 'groups' || !id) throw badPath(event, 'groups/<id>');
  const representation = groupRepresentation(event.json);
  let groupId: string | null = id;
  if (sub === 'children' && !rest.length) {
    // POST groups/<parent>/children: the path names the parent; the child's id is in the body.
    groupId = childId ?? (representation ? optionalString(representation, 'id') : null);
    if (!groupId)
      throw new MalformedEventError(
        `sub-group event on ${event.resourcePath} has no child id in its representation`,
      );
  } else if (sub !== undefined) {
    return ignored(event.context, `admin GROUP event on a sub-resource (${event.resourcePath})`);
  }
  return {
    ...event.context,
    orderingKey: groupId,
    kind: 'group',
    operation: event.operation as ChangeOperation,
    groupId,
    name: representation ? optionalString(representation, 'name') : null,
    path: representation ? optionalString(representation, 'path') : null,
  };
}

function membershipAdminEvent(event: AdminEvent): KeycloakChange {
  const [users, userId, groups, groupId, ...rest] = event.segments;
  if (users !== 'users' || !userId || groups !== 'groups' || !groupId || rest.length)
    throw badPath(event, 'users/<userId>/groups/<groupId>');
  const representation = groupRepresentation(event.json);
  if (event.operation === 'UPDATE')
    return ignored(event.context, 'admin GROUP_MEMBERSHIP UPDATE does not change provisioning');
  return {
    ...event.context,
    kind: 'membership',
    change: event.operation === 'CREATE' ? 'ADD_MEMBER' : 'REMOVE_MEMBER',
    userId,
    groupId,
    groupName: representation ? optionalString(representation, 'name') : null,
    groupPath: representation ? optionalString(representation, 'path') : null,
  };
}

/** A user's role mappings changed: its provisioning scope may have, so the user is re-read. */
function roleMappingAdminEvent(event: AdminEvent): KeycloakChange {
  const [root, id, mappings] = event.segments;
  if (root === 'users' && id && mappings === 'role-mappings') {
    decodeRepresentation(event.json);
    return { ...event.context, kind: 'user', operation: 'UPDATE', userId: id };
  }
  if (root === 'groups' && id)
    return ignored(
      event.context,
      `group role mappings are not followed per member (${root}/${id})`,
    );
  return ignored(event.context, `role mapping on ${event.resourcePath} concerns no user`);
}

function messageId(json: Json, text: string): string {
  const id = json.id;
  if (typeof id === 'string' && id) return id;
  return `sha256:${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
}

/** Reads one Kafka message value as a Keycloak user or admin event (or a sync's converge request). */
export function parseKeycloakEvent(value: Buffer | string | null): KeycloakChange {
  const { text, json } = readMessage(value);
  const converge = parseConverge(json);
  if (converge) return converge;
  const eventId = messageId(json, text);
  try {
    const realm = { id: requiredString(json, 'realmId'), name: optionalString(json, 'realmName') };
    const base: Base = { eventId, time: readTime(json), realm };
    if ('operationType' in json || 'resourceType' in json || 'resourcePath' in json)
      return parseAdminEvent(json, base);
    if ('type' in json) return parseUserEvent(json, base);
    throw new MalformedEventError('neither a user event (type) nor an admin event (operationType)');
  } catch (error) {
    if (error instanceof MalformedEventError) throw new MalformedEventError(error.reason, eventId);
    throw error;
  }
}
