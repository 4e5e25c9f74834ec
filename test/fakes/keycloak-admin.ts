// A local server that answers like Keycloak 26 for what the sidecar reads: the client-credentials
// token endpoint (checks the client and secret; tokens expire after `expiresIn` and can be revoked)
// and the admin REST endpoints for realms, users, a user's groups and effective realm roles, and
// groups — in Keycloak's JSON shapes and error bodies. Users can "appear later" (404 for the first
// reads) as they do when an event arrives before Keycloak commits.
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { LocalHttpServer } from './local-server';

type Json = Record<string, any>;

export interface KeycloakRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | null;
  /** The status answered, once the response is sent. */
  status?: number;
}

/** Served instead of the next request's answer: a status and body, or a dropped connection. */
export type KeycloakFault =
  | { on?: 'admin' | 'token'; status: number; body?: Json; headers?: Record<string, string> }
  | { on?: 'admin' | 'token'; reset: true };

interface RealmState {
  id: string;
  name: string;
  users: UserTable;
  groups: Map<string, Json>;
  /** Realm roles by name, with the names of their composites. */
  roles: Map<string, { role: Json; composites: Set<string> }>;
  memberships: Map<string, Set<string>>;
  userRoles: Map<string, Set<string>>;
  groupRoles: Map<string, Set<string>>;
}

/**
 * A realm's users by id, and in username order as Keycloak lists them (its database has an index):
 * the order is kept until a user is added or removed, not sorted again for every page.
 */
class UserTable extends Map<string, Json> {
  private ordered: Json[] | null = null;

  override set(id: string, user: Json): this {
    this.ordered = null;
    return super.set(id, user);
  }

  override delete(id: string): boolean {
    this.ordered = null;
    return super.delete(id);
  }

  override clear(): void {
    this.ordered = null;
    super.clear();
  }

  byUsername(): Json[] {
    this.ordered ??= [...this.values()].sort(byUsername);
    return this.ordered;
  }
}

const byUsername = (a: Json, b: Json) => String(a.username).localeCompare(String(b.username));

const ACCESS = { view: true, manage: true, manageMembers: true, viewMembers: true };

export class FakeKeycloak extends LocalHttpServer {
  readonly realms = new Map<string, RealmState>();
  readonly requests: KeycloakRequest[] = [];
  /** Added to every answer, to slow a walk down. */
  latencyMs = 0;
  /** Lifetime of new access tokens, in seconds. */
  expiresIn = 60;
  private readonly tokens = new Map<string, { expiresAt: number; revoked: boolean }>();
  private readonly hidden = new Map<string, number>();
  /** Called once each request is answered: a test changes the realm right after a given read. */
  afterRequest: ((request: KeycloakRequest) => void) | null = null;
  private readonly faults: KeycloakFault[] = [];

  constructor(
    readonly client: { id: string; secret: string; realm?: string },
    options: { expiresIn?: number } = {},
  ) {
    super();
    this.expiresIn = options.expiresIn ?? this.expiresIn;
    this.addRealm(client.realm ?? 'master');
  }

  /** A realm with Keycloak's default roles (default-roles-<realm> → offline_access, uma_authorization). */
  addRealm(name: string, id: string = randomUUID()): RealmState {
    const realm: RealmState = {
      id,
      name,
      users: new UserTable(),
      groups: new Map(),
      roles: new Map(),
      memberships: new Map(),
      userRoles: new Map(),
      groupRoles: new Map(),
    };
    this.realms.set(name, realm);
    this.addRole(name, 'offline_access', { description: '${role_offline-access}' });
    this.addRole(name, 'uma_authorization', { description: '${role_uma_authorization}' });
    this.addRole(name, `default-roles-${name}`, {
      description: '${role_default-roles}',
      composites: ['offline_access', 'uma_authorization'],
    });
    return realm;
  }

  addRole(
    realmName: string,
    name: string,
    options: { description?: string; composites?: string[] } = {},
  ): Json {
    const realm = this.realm(realmName);
    const composites = new Set(options.composites ?? []);
    const role = {
      id: randomUUID(),
      name,
      ...(options.description ? { description: options.description } : {}),
      composite: composites.size > 0,
      clientRole: false,
      containerId: realm.id,
    };
    realm.roles.set(name, { role, composites });
    return role;
  }

  /** A UserRepresentation as Keycloak stores it (username and email lower-cased, default roles). */
  addUser(realmName: string, user: Json & { username: string }): Json {
    const realm = this.realm(realmName);
    const { attributes, ...rest } = user;
    const stored: Json = {
      id: randomUUID(),
      ...rest,
      username: user.username.toLowerCase(),
      ...(user.email ? { email: String(user.email).toLowerCase() } : {}),
      emailVerified: user.emailVerified ?? false,
      ...(attributes && Object.keys(attributes).length ? { attributes } : {}),
      createdTimestamp: Date.now(),
      enabled: user.enabled ?? true,
      totp: false,
      disableableCredentialTypes: [],
      requiredActions: [],
      notBefore: 0,
      access: { ...ACCESS, impersonate: false, mapRoles: true },
    };
    realm.users.set(stored.id, stored);
    realm.userRoles.set(stored.id, new Set([`default-roles-${realm.name}`]));
    realm.memberships.set(stored.id, new Set());
    return stored;
  }

  addGroup(realmName: string, name: string, parentId?: string): Json {
    const realm = this.realm(realmName);
    const parent = parentId ? realm.groups.get(parentId) : undefined;
    if (parentId && !parent) throw new Error(`no parent group ${parentId}`);
    const group = {
      id: randomUUID(),
      name,
      path: `${parent?.path ?? ''}/${name}`,
      ...(parent ? { parentId } : {}),
    };
    realm.groups.set(group.id, group);
    realm.groupRoles.set(group.id, new Set());
    return group;
  }

  /** Deletes a group, as Keycloak does: its members leave it (no event per member). */
  removeGroup(realmName: string, groupId: string): void {
    const realm = this.realm(realmName);
    realm.groups.delete(groupId);
    realm.groupRoles.delete(groupId);
    for (const groups of realm.memberships.values()) groups.delete(groupId);
  }

  joinGroup(realmName: string, userId: string, groupId: string): void {
    this.realm(realmName).memberships.get(userId)!.add(groupId);
  }

  leaveGroup(realmName: string, userId: string, groupId: string): void {
    this.realm(realmName).memberships.get(userId)!.delete(groupId);
  }

  grantRole(realmName: string, subject: { userId?: string; groupId?: string }, role: string): void {
    const realm = this.realm(realmName);
    if (!realm.roles.has(role)) throw new Error(`no role ${role}`);
    if (subject.userId) realm.userRoles.get(subject.userId)!.add(role);
    if (subject.groupId) realm.groupRoles.get(subject.groupId)!.add(role);
  }

  /** The next `reads` reads of this user or group by id answer 404, as before Keycloak commits. */
  appearAfter(id: string, reads: number): void {
    this.hidden.set(id, reads);
  }

  /** Every access token issued so far stops working (as after a logout or key rotation). */
  revokeTokens(): void {
    for (const token of this.tokens.values()) token.revoked = true;
  }

  /** Every access token issued so far (to check that none leaks into logs). */
  issuedTokens(): string[] {
    return [...this.tokens.keys()];
  }

  inject(...faults: KeycloakFault[]): void {
    this.faults.push(...faults);
  }

  tokenRequests(): KeycloakRequest[] {
    return this.requests.filter((r) => r.path.endsWith('/protocol/openid-connect/token'));
  }

  adminRequests(): KeycloakRequest[] {
    return this.requests.filter((r) => r.path.startsWith('/admin/'));
  }

  private realm(name: string): RealmState {
    const realm = this.realms.get(name);
    if (!realm) throw new Error(`no realm ${name}`);
    return realm;
  }

  protected async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://x');
    const entry: KeycloakRequest = {
      method: req.method!,
      path: url.pathname,
      query: url.searchParams,
      authorization: req.headers.authorization ?? null,
    };
    this.requests.push(entry);
    res.on('finish', () => {
      entry.status = res.statusCode;
      this.afterRequest?.(entry);
    });
    if (this.latencyMs) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    const token = /^\/realms\/([^/]+)\/protocol\/openid-connect\/token$/.exec(url.pathname);
    const on = token ? 'token' : 'admin';
    const at = this.faults.findIndex((f) => (f.on ?? 'admin') === on);
    if (at >= 0) return this.misbehave(this.faults.splice(at, 1)[0], res);
    if (token) return this.issueToken(decodeURIComponent(token[1]), req, chunks, res);
    if (!url.pathname.startsWith('/admin/realms')) return this.noRoute(res);
    if (!this.authorized(req.headers.authorization))
      return this.send(res, 401, { error: 'HTTP 401 Unauthorized' });
    if (req.method !== 'GET') return this.send(res, 405, { error: 'HTTP 405 Method Not Allowed' });
    this.route(url, res);
  }

  private misbehave(fault: KeycloakFault, res: http.ServerResponse): void {
    if ('reset' in fault) return void res.socket?.destroy();
    this.send(res, fault.status, fault.body ?? null, fault.headers);
  }

  private noRoute(res: http.ServerResponse): void {
    this.send(res, 404, {
      error: 'Unable to find matching target resource method',
      error_description: 'For more on this error consult the server log.',
    });
  }

  private authorized(header: string | undefined): boolean {
    const match = /^Bearer (\S+)$/.exec(header ?? '');
    const token = match ? this.tokens.get(match[1]) : undefined;
    return !!token && !token.revoked && Date.now() < token.expiresAt;
  }

  /** client_credentials with the client authenticated by form fields or HTTP Basic. */
  private issueToken(
    realm: string,
    req: http.IncomingMessage,
    chunks: Buffer[],
    res: http.ServerResponse,
  ): void {
    if (req.method !== 'POST') return this.send(res, 405, { error: 'HTTP 405 Method Not Allowed' });
    if (realm !== (this.client.realm ?? 'master') || !this.realms.has(realm))
      return this.send(res, 404, { error: 'Realm does not exist' });
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
      return this.send(res, 400, {
        error: 'invalid_request',
        error_description: 'Content-Type must be application/x-www-form-urlencoded',
      });
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const [id, secret] = this.clientCredentials(req.headers.authorization, form);
    if (id !== this.client.id || secret !== this.client.secret)
      return this.send(res, 401, {
        error: 'unauthorized_client',
        error_description: 'Invalid client or Invalid client credentials',
      });
    const grant = form.get('grant_type');
    if (!grant)
      return this.send(res, 400, {
        error: 'invalid_request',
        error_description: 'Missing form parameter: grant_type',
      });
    if (grant !== 'client_credentials')
      return this.send(res, 400, {
        error: 'unsupported_grant_type',
        error_description: 'Unsupported grant_type',
      });
    const accessToken = randomBytes(24).toString('base64url');
    this.tokens.set(accessToken, { expiresAt: Date.now() + this.expiresIn * 1000, revoked: false });
    this.send(res, 200, {
      access_token: accessToken,
      expires_in: this.expiresIn,
      refresh_expires_in: 0,
      token_type: 'Bearer',
      'not-before-policy': 0,
      scope: 'profile email',
    });
  }

  private clientCredentials(header: string | undefined, form: URLSearchParams): [string?, string?] {
    const basic = /^Basic (\S+)$/.exec(header ?? '');
    if (!basic) return [form.get('client_id') ?? undefined, form.get('client_secret') ?? undefined];
    const [id, secret] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
    return [decodeURIComponent(id ?? ''), decodeURIComponent(secret ?? '')];
  }

  private route(url: URL, res: http.ServerResponse): void {
    const parts = url.pathname.split('/').slice(3).map(decodeURIComponent);
    if (parts.length === 0) return this.listRealms(url.searchParams, res);
    const realm = this.realms.get(parts[0]);
    if (!realm) return this.send(res, 404, { error: 'Realm not found.' });
    const [, kind, id, ...rest] = parts;
    const path = rest.join('/');
    if (kind === 'users' && !id)
      return this.send(res, 200, this.listUsers(realm, url.searchParams));
    if (kind === 'users' && id) return this.userRoute(realm, id, path, url.searchParams, res);
    if (kind === 'groups' && !id)
      return this.send(res, 200, this.listGroups(realm, undefined, url.searchParams));
    if (kind === 'groups' && id && path === 'children') {
      if (!realm.groups.has(id))
        return this.send(res, 404, { error: 'Could not find group by id' });
      return this.send(res, 200, this.listGroups(realm, id, url.searchParams));
    }
    if (kind === 'groups' && id && path === 'members') {
      if (!realm.groups.has(id))
        return this.send(res, 404, { error: 'Could not find group by id' });
      return this.send(res, 200, this.groupMembers(realm, id, url.searchParams));
    }
    if (kind === 'groups' && id && !path) return this.getGroup(realm, id, res);
    this.noRoute(res);
  }

  private listRealms(query: URLSearchParams, res: http.ServerResponse): void {
    const brief = query.get('briefRepresentation') === 'true';
    const list = [...this.realms.values()].map((r) =>
      brief
        ? { id: r.id, realm: r.name }
        : { id: r.id, realm: r.name, enabled: true, sslRequired: 'external', notBefore: 0 },
    );
    this.send(res, 200, list);
  }

  /** GET /users: ordered by username, paged by first/max (Keycloak's default max is 100). */
  private listUsers(realm: RealmState, query: URLSearchParams): Json[] {
    return this.userPage(realm.users.byUsername(), query, true);
  }

  /** GET /groups/{id}/members: the group's direct members, as /users lists them. */
  private groupMembers(realm: RealmState, groupId: string, query: URLSearchParams): Json[] {
    const members = [...realm.memberships]
      .filter(([userId, groups]) => groups.has(groupId) && realm.users.has(userId))
      .map(([userId]) => realm.users.get(userId)!);
    return this.userPage(members, query);
  }

  /** Users ordered by username, paged by first/max; brief as Keycloak's briefRepresentation. */
  private userPage(users: Json[], query: URLSearchParams, sorted = false): Json[] {
    const brief = query.get('briefRepresentation') === 'true';
    const visible = this.hidden.size
      ? users.filter((u) => !this.hidden.get(u.id as string))
      : users;
    const all = sorted ? visible : [...visible].sort(byUsername);
    return page(all, query).map((u) =>
      brief
        ? {
            id: u.id,
            username: u.username,
            ...(u.firstName ? { firstName: u.firstName } : {}),
            ...(u.lastName ? { lastName: u.lastName } : {}),
            ...(u.email ? { email: u.email } : {}),
            emailVerified: u.emailVerified,
            enabled: u.enabled,
            createdTimestamp: u.createdTimestamp,
          }
        : u,
    );
  }

  /** GET /groups (top level) or /groups/{id}/children: ordered by name, paged, with subGroupCount. */
  private listGroups(realm: RealmState, parentId: string | undefined, query: URLSearchParams) {
    const all = [...realm.groups.values()]
      .filter((g) => g.parentId === parentId)
      .sort((a, b) => String(a.name).localeCompare(String(b.name)));
    return page(all, query).map((g) => ({
      ...g,
      subGroupCount: [...realm.groups.values()].filter((c) => c.parentId === g.id).length,
      subGroups: [],
    }));
  }

  /** True while the entity is still "uncommitted"; each read by id counts down. */
  private stillHidden(id: string, countsAsRead: boolean): boolean {
    const left = this.hidden.get(id) ?? 0;
    if (left <= 0) return false;
    if (countsAsRead) this.hidden.set(id, left - 1);
    return true;
  }

  private userRoute(
    realm: RealmState,
    id: string,
    path: string,
    query: URLSearchParams,
    res: http.ServerResponse,
  ): void {
    const user = realm.users.get(id);
    if (!user || this.stillHidden(id, path === ''))
      return this.send(res, 404, { error: 'User not found' });
    if (path === '') return this.send(res, 200, user);
    if (path === 'groups') return this.send(res, 200, this.userGroups(realm, id, query));
    if (path === 'role-mappings/realm/composite')
      return this.send(res, 200, this.effectiveRoles(realm, id));
    this.noRoute(res);
  }

  /** Direct memberships; brief by default (Keycloak's @DefaultValue("true")); first/max page. */
  private userGroups(realm: RealmState, userId: string, query: URLSearchParams): Json[] {
    const full = query.get('briefRepresentation') === 'false';
    const all = [...realm.memberships.get(userId)!].map((g) =>
      this.groupRepresentation(realm, g, full),
    );
    const first = query.get('first');
    const max = query.get('max');
    if (first === null || max === null) return all;
    return all.slice(Number(first), Number(first) + Number(max));
  }

  private groupRepresentation(realm: RealmState, id: string, full: boolean): Json {
    const group = realm.groups.get(id)!;
    if (!full) return { ...group };
    const children = [...realm.groups.values()].filter((g) => g.parentId === id);
    return {
      ...group,
      subGroupCount: children.length,
      subGroups: [],
      attributes: {},
      realmRoles: [...realm.groupRoles.get(id)!],
      clientRoles: {},
      access: { ...ACCESS, manageMembership: true },
    };
  }

  /** Direct roles, roles of the user's groups and their ancestors, composites expanded. */
  private effectiveRoles(realm: RealmState, userId: string): Json[] {
    const names = new Set<string>(realm.userRoles.get(userId));
    for (const groupId of realm.memberships.get(userId)!) {
      for (let g = realm.groups.get(groupId); g; g = realm.groups.get(g.parentId as string))
        for (const role of realm.groupRoles.get(g.id as string)!) names.add(role);
    }
    const pending = [...names];
    while (pending.length) {
      for (const child of realm.roles.get(pending.pop()!)?.composites ?? []) {
        if (names.has(child)) continue;
        names.add(child);
        pending.push(child);
      }
    }
    return [...names].map((name) => ({ ...realm.roles.get(name)!.role }));
  }

  private getGroup(realm: RealmState, id: string, res: http.ServerResponse): void {
    if (!realm.groups.has(id) || this.stillHidden(id, true))
      return this.send(res, 404, { error: 'Could not find group by id' });
    this.send(res, 200, this.groupRepresentation(realm, id, true));
  }
}

/** Keycloak's first/max paging (max defaults to 100 where the endpoint pages). */
function page<T>(all: T[], query: URLSearchParams): T[] {
  const first = Number(query.get('first') ?? 0);
  const max = Number(query.get('max') ?? 100);
  return all.slice(first, first + max);
}
