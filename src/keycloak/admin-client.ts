// Keycloak's admin REST API through a client-credentials service account: the user or group behind
// an event, as the engine sees it. The token is cached, renewed shortly before it expires and once
// after a 401; a 404 is retried over a short bounded window, because Keycloak emits events before
// its transaction commits. Network errors and 5xx are retriable ConnectorErrors.
import { ConnectorError, isRetriableStatus } from '../common/connector-error';
import {
  createHttpClient,
  headerValue,
  parseRetryAfter,
  type HttpClient,
  type HttpResponse,
} from '../common/http';
import { logger } from '../common/logger';
import type { KeycloakDirectory, PagedUser } from './directory';
import {
  ACCOUNT_DISABLED_CLAIM,
  EMAIL_CLAIM,
  GIVEN_NAME_CLAIM,
  GROUPS_CLAIM,
  LAST_NAME_CLAIM,
  ROLES_CLAIM,
  USERNAME_CLAIM,
  WSO2_CLAIM,
  type ProvisioningGroup,
  type ProvisioningUser,
} from '../provisioning/claims';

const log = logger('keycloak-admin');

/** How long a user or group may stay 404 before it counts as absent: `attempts` reads, doubling delays. */
export interface NotFoundWindow {
  attempts: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

export interface KeycloakAdminConfig {
  /** KEYCLOAK_URL: the server root (add `/auth` only for servers that still serve under it). */
  url: string;
  /** KEYCLOAK_CLIENT_ID / KEYCLOAK_CLIENT_SECRET: a confidential client with a service account. */
  clientId: string;
  clientSecret: string;
  /** The realm that client lives in, where its token comes from (not the realms read); default `master`. */
  realm?: string;
  /** Per request; default 5000 ms. */
  timeoutMs?: number;
  /** How long a 404 is read again, in all; default 750 ms (5 reads, 50 → 400 ms apart). */
  notFoundMs?: number;
  /** The exact reads and delays, instead of notFoundMs. */
  notFoundWindow?: NotFoundWindow;
  /** How long the realm id → name list is trusted; an unknown id refreshes it (at most once a second). */
  realmCacheMs?: number;
}

/** Reads 50, 100, 200, then every 400 ms until `totalMs` has passed. */
export function notFoundWindowFor(totalMs: number): NotFoundWindow {
  const window = { attempts: 1, firstDelayMs: 50, maxDelayMs: 400 };
  for (let waited = 0; waited < totalMs; window.attempts++)
    waited += Math.min(window.maxDelayMs, window.firstDelayMs * 2 ** (window.attempts - 1));
  return window;
}

const GROUP_PAGE = 100;
/** A group's members read at once (Keycloak's default page is 100; larger pages mean fewer reads). */
const MEMBER_PAGE = 500;
const REALM_MISS_REFRESH_MS = 1000;
const e = encodeURIComponent;

/** The endpoints read, relative to the server root. */
const ENDPOINTS = {
  realms: () => `/admin/realms?briefRepresentation=true`,
  user: (realm: string, id: string) => `/admin/realms/${e(realm)}/users/${e(id)}`,
  userGroups: (realm: string, id: string, first: number) =>
    `/admin/realms/${e(realm)}/users/${e(id)}/groups?briefRepresentation=true&first=${first}&max=${GROUP_PAGE}`,
  userRealmRoles: (realm: string, id: string) =>
    `/admin/realms/${e(realm)}/users/${e(id)}/role-mappings/realm/composite`,
  group: (realm: string, id: string) => `/admin/realms/${e(realm)}/groups/${e(id)}`,
  users: (realm: string, first: number, max: number, brief = true) =>
    `/admin/realms/${e(realm)}/users?briefRepresentation=${brief}&first=${first}&max=${max}`,
  groups: (realm: string, first: number, max: number) =>
    `/admin/realms/${e(realm)}/groups?briefRepresentation=true&first=${first}&max=${max}`,
  members: (realm: string, id: string, first: number) =>
    `/admin/realms/${e(realm)}/groups/${e(id)}/members?briefRepresentation=true&first=${first}&max=${MEMBER_PAGE}`,
  children: (realm: string, id: string, first: number, max: number) =>
    `/admin/realms/${e(realm)}/groups/${e(id)}/children?briefRepresentation=true&first=${first}&max=${max}`,
};

type Json = Record<string, unknown>;
interface UserRepresentation {
  id: string;
  username: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  enabled?: boolean;
  attributes?: Record<string, unknown>;
}
interface GroupRepresentation {
  id: string;
  name: string;
  path?: string;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(what: string): ConnectorError {
  return new ConnectorError(`Keycloak answered ${what}`, 'INVALID_RESPONSE', false);
}

function asUser(body: unknown): UserRepresentation {
  if (!isObject(body) || typeof body.id !== 'string' || typeof body.username !== 'string')
    throw invalid('a user without id or username');
  return body as unknown as UserRepresentation;
}

function asGroup(body: unknown): GroupRepresentation {
  if (!isObject(body) || typeof body.id !== 'string' || typeof body.name !== 'string')
    throw invalid('a group without id or name');
  return body as unknown as GroupRepresentation;
}

function asList<T>(body: unknown, item: (value: unknown) => T, what: string): T[] {
  if (!Array.isArray(body)) throw invalid(`${what} that is not a list`);
  return body.map(item);
}

function roleName(body: unknown): string {
  if (!isObject(body) || typeof body.name !== 'string') throw invalid('a role without a name');
  return body.name;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** WSO2-dialect claims (DESIGN §4): attributes first, so the core fields win a name clash. */
function userClaims(
  user: UserRepresentation,
  groups: GroupRepresentation[],
  roles: string[],
): Map<string, string> {
  const claims = new Map<string, string>();
  for (const [name, values] of Object.entries(user.attributes ?? {})) {
    const first: unknown = Array.isArray(values) ? values[0] : values;
    if (typeof first === 'string') claims.set(`${WSO2_CLAIM}${name}`, first);
  }
  claims.set(USERNAME_CLAIM, user.username);
  if (user.email) claims.set(EMAIL_CLAIM, user.email);
  if (user.firstName) claims.set(GIVEN_NAME_CLAIM, user.firstName);
  if (user.lastName) claims.set(LAST_NAME_CLAIM, user.lastName);
  claims.set(ACCOUNT_DISABLED_CLAIM, String(user.enabled === false));
  if (groups.length) claims.set(GROUPS_CLAIM, groups.map((g) => g.name).join(','));
  if (roles.length) claims.set(ROLES_CLAIM, roles.join(','));
  return claims;
}

interface TokenConfig {
  http: HttpClient;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
}

/** Renew this long before expiry: a fifth of the lifetime, at most 30 s. */
function renewalMargin(lifetimeMs: number): number {
  return Math.min(30_000, lifetimeMs / 5);
}

/**
 * The service account's access token (client_credentials): one fetch for many callers, renewed
 * shortly before `expires_in` runs out or after `invalidate`. The secret and the token live in
 * private fields so that logging this object cannot show them.
 */
class ServiceAccountToken {
  readonly #config: TokenConfig;
  #current: { value: string; renewAt: number } | null = null;
  #pending: Promise<string> | null = null;

  constructor(config: TokenConfig) {
    this.#config = config;
  }

  async get(): Promise<string> {
    if (this.#current && Date.now() < this.#current.renewAt) return this.#current.value;
    this.#pending ??= this.#fetch().finally(() => (this.#pending = null));
    return this.#pending;
  }

  /** Drops the token if it is still the one that was refused. */
  invalidate(value: string): void {
    if (this.#current?.value === value) this.#current = null;
  }

  async #fetch(): Promise<string> {
    const { http, tokenUrl, clientId, clientSecret, timeoutMs } = this.#config;
    const started = Date.now();
    const response = await http
      .exchange({
        method: 'POST',
        url: tokenUrl,
        form: {
          grant_type: 'client_credentials',
          client_id: clientId,
          client_secret: clientSecret,
        },
      })
      .catch((error: unknown) => {
        if (error instanceof ConnectorError && error.code === 'TIMEOUT')
          throw new ConnectorError(
            `no token from ${tokenUrl} within ${timeoutMs} ms`,
            'TIMEOUT',
            true,
            null,
            {
              cause: error,
            },
          );
        throw error;
      });
    const body = response.body;
    if (response.status < 200 || response.status >= 300) throw tokenRefused(tokenUrl, response);
    if (!isObject(body) || typeof body.access_token !== 'string')
      throw invalid(`no access_token from ${tokenUrl}`);
    const lifetimeMs = (typeof body.expires_in === 'number' ? body.expires_in : 60) * 1000;
    const value = body.access_token;
    this.#current = { value, renewAt: started + lifetimeMs - renewalMargin(lifetimeMs) };
    log.debug({ clientId, expiresInMs: lifetimeMs }, 'service account token obtained');
    return value;
  }
}

function tokenRefused(tokenUrl: string, response: HttpResponse): ConnectorError {
  const body = response.body;
  const error = isObject(body) && typeof body.error === 'string' ? body.error : 'no error code';
  const detail =
    isObject(body) && typeof body.error_description === 'string'
      ? `: ${body.error_description}`
      : '';
  return new ConnectorError(
    `${tokenUrl} refused the service account (HTTP ${response.status} ${error}${detail})`,
    response.status === 401 || response.status === 400
      ? 'KEYCLOAK_AUTH_FAILED'
      : `HTTP_${response.status}`,
    isRetriableStatus(response.status),
    response.status,
    { retryAfterMs: parseRetryAfter(headerValue(response.headers, 'retry-after')) },
  );
}

const groupOf =
  (realm: string) =>
  (g: { id: string; name: string }): ProvisioningGroup => ({
    id: g.id,
    name: g.name,
    tenantDomain: realm,
  });

export class KeycloakAdminClient implements KeycloakDirectory {
  private readonly root: string;
  private readonly http: HttpClient;
  private readonly token: ServiceAccountToken;
  private readonly window: NotFoundWindow;
  private readonly realmCacheMs: number;
  private realms: { names: Map<string, string>; fetchedAt: number } | null = null;
  private realmsLoading: Promise<Map<string, string>> | null = null;

  constructor(config: KeycloakAdminConfig) {
    this.root = config.url.replace(/\/+$/, '');
    const timeoutMs = config.timeoutMs ?? 5000;
    this.http = createHttpClient(timeoutMs);
    this.token = new ServiceAccountToken({
      http: this.http,
      tokenUrl: `${this.root}/realms/${e(config.realm ?? 'master')}/protocol/openid-connect/token`,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      timeoutMs,
    });
    this.window = config.notFoundWindow ?? notFoundWindowFor(config.notFoundMs ?? 750);
    this.realmCacheMs = config.realmCacheMs ?? 5 * 60_000;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /** The realm's name for its id (admin URLs take the name); null when no visible realm has it. */
  async realmName(realmId: string): Promise<string | null> {
    const fresh = this.realms && Date.now() - this.realms.fetchedAt < this.realmCacheMs;
    let names = fresh ? this.realms!.names : await this.loadRealms();
    if (!names.has(realmId) && Date.now() - this.realms!.fetchedAt >= REALM_MISS_REFRESH_MS)
      names = await this.loadRealms();
    return names.get(realmId) ?? null;
  }

  /** The user with claims and roles (group names and paths, effective realm roles); null if absent. */
  async getUser(
    realm: string,
    userId: string,
    {
      withRoles = true,
      withGroups = withRoles,
    }: { withRoles?: boolean; withGroups?: boolean } = {},
  ): Promise<ProvisioningUser | null> {
    const found = await this.readWithinWindow(ENDPOINTS.user(realm, userId), { realm, userId });
    if (found === null) return null;
    return this.complete(realm, asUser(found), { withRoles, withGroups });
  }

  /**
   * One page of the realm's users in full, as getUser reads them before their groups and roles
   * (a sync reads a page at once rather than each of its users).
   */
  async listUsersFull(realm: string, first: number, max: number): Promise<PagedUser[]> {
    const body = await this.get(ENDPOINTS.users(realm, first, max, false));
    if (body === null) throw invalid(`404 for the users of realm ${realm}`);
    return asList(body, asUser, 'users').map((user) => ({ id: user.id, representation: user }));
  }

  /** A user of such a page with their groups (and roles) read now; null when gone meanwhile. */
  completeUser(
    realm: string,
    paged: PagedUser,
    options: { withRoles: boolean; withGroups: boolean },
  ): Promise<ProvisioningUser | null> {
    return this.complete(realm, paged.representation as UserRepresentation, options);
  }

  private async complete(
    realm: string,
    user: UserRepresentation,
    { withRoles, withGroups }: { withRoles: boolean; withGroups: boolean },
  ): Promise<ProvisioningUser | null> {
    const userId = user.id;
    const base = {
      id: user.id,
      username: user.username,
      userStoreDomain: null,
      tenantDomain: realm,
    };
    if (!withGroups) return { ...base, claims: userClaims(user, [], []) };
    if (!withRoles) {
      const groups = await this.userGroups(realm, userId);
      if (groups === null) return null; // deleted between the reads
      return { ...base, claims: userClaims(user, [], []), groups: groups.map(groupOf(realm)) };
    }
    const [groups, roleBody] = await Promise.all([
      this.userGroups(realm, userId),
      this.get(ENDPOINTS.userRealmRoles(realm, userId)),
    ]);
    if (groups === null || roleBody === null) return null; // deleted between the reads
    const roles = asList(roleBody, roleName, 'realm roles');
    const names = groups.flatMap((g) => (g.path ? [g.name, g.path] : [g.name]));
    return {
      ...base,
      claims: userClaims(user, groups, roles),
      roles: [...new Set([...names, ...roles])],
      groups: groups.map(groupOf(realm)),
    };
  }

  /** The group by id; null if absent after the not-found window. */
  async getGroup(realm: string, groupId: string): Promise<ProvisioningGroup | null> {
    const found = await this.readWithinWindow(ENDPOINTS.group(realm, groupId), { realm, groupId });
    if (found === null) return null;
    const group = asGroup(found);
    return { id: group.id, name: group.name, tenantDomain: realm };
  }

  async isMember(
    realm: string,
    userId: string,
    groupId: string,
    expected?: boolean,
  ): Promise<boolean | null> {
    const { attempts } = this.window;
    for (let attempt = 1; ; attempt++) {
      const groups = await this.userGroups(realm, userId);
      const member = groups && groups.some((g) => g.id === groupId);
      if (expected === undefined || member === null || member === expected || attempt >= attempts)
        return member;
      await sleep(this.windowDelay(attempt));
    }
  }

  /** One page of the realm's users (ids only), in Keycloak's order. */
  async listUsers(realm: string, first: number, max: number): Promise<string[]> {
    const body = await this.get(ENDPOINTS.users(realm, first, max));
    if (body === null) throw invalid(`404 for the users of realm ${realm}`);
    return asList(body, asUser, 'users').map((u) => u.id);
  }

  async groupMemberIds(realm: string, groupId: string): Promise<string[] | null> {
    const ids: string[] = [];
    for (let first = 0; ; first += MEMBER_PAGE) {
      const body = await this.get(ENDPOINTS.members(realm, groupId, first));
      if (body === null) return null;
      const page = asList(body, asUser, 'members');
      for (const user of page) ids.push(user.id);
      if (page.length < MEMBER_PAGE) return ids;
    }
  }

  /** One page of the realm's top-level groups, or of a group's sub-groups. */
  async listGroups(
    realm: string,
    first: number,
    max: number,
    parentId?: string,
  ): Promise<ProvisioningGroup[]> {
    const path = parentId
      ? ENDPOINTS.children(realm, parentId, first, max)
      : ENDPOINTS.groups(realm, first, max);
    const body = await this.get(path);
    if (body === null) return []; // the parent was deleted meanwhile
    return asList(body, asGroup, 'groups').map((g) => ({
      id: g.id,
      name: g.name,
      tenantDomain: realm,
    }));
  }

  private async loadRealms(): Promise<Map<string, string>> {
    this.realmsLoading ??= (async () => {
      try {
        const body = await this.get(ENDPOINTS.realms());
        const list = asList(body, (r) => (isObject(r) ? r : {}), 'realms');
        const names = new Map<string, string>();
        for (const r of list)
          if (typeof r.id === 'string' && typeof r.realm === 'string') names.set(r.id, r.realm);
        this.realms = { names, fetchedAt: Date.now() };
        return names;
      } finally {
        this.realmsLoading = null;
      }
    })();
    return this.realmsLoading;
  }

  private async userGroups(realm: string, userId: string): Promise<GroupRepresentation[] | null> {
    const groups: GroupRepresentation[] = [];
    for (let first = 0; ; first += GROUP_PAGE) {
      const body = await this.get(ENDPOINTS.userGroups(realm, userId, first));
      if (body === null) return null;
      const page = asList(body, asGroup, 'groups');
      groups.push(...page);
      if (page.length < GROUP_PAGE) return groups;
    }
  }

  /** The wait after a read within the not-found window: doubling, capped. */
  private windowDelay(attempt: number): number {
    const { firstDelayMs, maxDelayMs } = this.window;
    return Math.min(maxDelayMs, firstDelayMs * 2 ** (attempt - 1));
  }

  /** Reads until found or the window closes: events can arrive before Keycloak commits. */
  private async readWithinWindow(path: string, subject: Json): Promise<unknown> {
    const { attempts } = this.window;
    for (let attempt = 1; ; attempt++) {
      const body = await this.get(path);
      if (body !== null) return body;
      if (attempt >= attempts) {
        log.info({ ...subject, attempts }, 'not found in Keycloak within the window');
        return null;
      }
      const delay = this.windowDelay(attempt);
      log.debug({ ...subject, attempt, delayMs: delay }, 'not found yet; reading again');
      await sleep(delay);
    }
  }

  /** One GET with the service-account token; null for an entity's 404. */
  private async get(path: string): Promise<unknown> {
    const token = await this.token.get();
    try {
      return await this.send(path, token);
    } catch (error) {
      if (!(error instanceof ConnectorError) || error.status !== 401) throw error;
      this.token.invalidate(token);
      try {
        return await this.send(path, await this.token.get());
      } catch (again) {
        if (again instanceof ConnectorError && again.status === 401)
          throw new ConnectorError(
            'Keycloak rejects the service account token even after renewing it',
            'KEYCLOAK_UNAUTHORIZED',
            false,
            401,
            { cause: again },
          );
        throw again;
      }
    }
  }

  private async send(path: string, token: string): Promise<unknown> {
    const url = `${this.root}${path}`;
    let response;
    try {
      response = await this.http.send(
        { method: 'GET', url, headers: { authorization: `Bearer ${token}` } },
        [404],
      );
    } catch (error) {
      if (error instanceof ConnectorError && error.status === 403)
        throw new ConnectorError(
          `the service account may not read ${path.split('?')[0]}: give it realm-management view-users, query-groups and view-realm`,
          'KEYCLOAK_FORBIDDEN',
          false,
          403,
          { cause: error },
        );
      throw error;
    }
    if (response.status !== 404) return response.body;
    return this.entityNotFound(path, response.body);
  }

  /** A 404 for the entity means "not there (yet)"; a 404 for the realm or the route is a setup error. */
  private entityNotFound(path: string, body: unknown): null {
    const error = isObject(body) && typeof body.error === 'string' ? body.error : '';
    if (error === 'Realm not found.' || error.startsWith('Unable to find matching target'))
      throw new ConnectorError(
        `Keycloak has no ${path.split('?')[0]} (${error}): check KEYCLOAK_URL and the realm`,
        'KEYCLOAK_NOT_FOUND',
        false,
        404,
      );
    return null;
  }
}
