// A local Google Workspace for the contract tests: the OAuth token endpoint for service accounts
// (jwt-bearer grant: it verifies the RS256 assertion with the account's public key and its claims)
// and the Admin SDK Directory API v1 users, groups and members, checked as Google does — bearer
// tokens, the customer's domain, required names and password, 409 duplicates, Google's error
// bodies — and able to misbehave on the next Directory API requests (never the token endpoint).
import { createPublicKey, randomBytes, randomInt, verify, type KeyObject } from 'node:crypto';
import http from 'node:http';
import { LocalHttpServer } from './local-server';

type Json = Record<string, any>;

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Json | null;
}

export interface GoogleAccount {
  serviceAccountEmail: string;
  /** SPKI PEM of the service account's key: assertions must verify against it. */
  publicKeyPem: string;
  /** The only subject domain-wide delegation lets the service account act as. */
  adminEmail: string;
  /** The customer's domain: every user's and group's address must be in it. */
  domain: string;
}

/** The contract faults, plus Google's 403 throttling answers. */
export type GoogleFault =
  | 'rate-limit'
  | 'user-rate-limit'
  | 'quota-exceeded'
  | 'server-error'
  | 'token-expired'
  | 'html'
  | 'truncated'
  | 'no-id'
  | 'hang'
  | { redirectTo: string };

export const DIRECTORY_SCOPES = [
  'https://www.googleapis.com/auth/admin.directory.user',
  'https://www.googleapis.com/auth/admin.directory.group',
];
/** What the customer's admin delegated to the service account. */
const DELEGATED_SCOPES = new Set([
  ...DIRECTORY_SCOPES,
  'https://www.googleapis.com/auth/admin.directory.group.member',
]);
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const API = '/admin/directory/v1/';
const STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
};
const NAME_FIELDS = ['givenName', 'familyName'] as const;
const ROLES = new Set(['MEMBER', 'MANAGER', 'OWNER']);

class GoogleError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

const fail = (status: number, reason: string, message: string): never => {
  throw new GoogleError(status, reason, message);
};
const lower = (value: unknown) => String(value).toLowerCase();
const etag = () => `"${randomBytes(12).toString('base64url')}"`;

export class FakeGoogleServer extends LocalHttpServer {
  readonly users = new Map<string, Json>();
  readonly groups = new Map<string, Json>();
  /** Group id → member user id → member resource. */
  readonly members = new Map<string, Map<string, Json>>();
  /** Directory API requests, as received (before faults). */
  readonly requests: ReceivedRequest[] = [];
  /** Every token request: its verified claims (never the assertion) and the answer. */
  readonly tokenRequests: { claims: Json | null; status: number; error: string | null }[] = [];
  /** Every access token ever issued, for secret scans; never forgotten. */
  readonly issuedTokens: string[] = [];
  private readonly validTokens = new Set<string>();
  private readonly faults: GoogleFault[] = [];
  private readonly publicKey: KeyObject;
  writes = 0;
  lastUserWriteBody: Json | null = null;

  constructor(private readonly account: GoogleAccount) {
    super();
    this.publicKey = createPublicKey(account.publicKeyPem);
  }

  get tokenUrl(): string {
    return `${this.url}/token`;
  }

  get apiRootUrl(): string {
    return `${this.url}/`;
  }

  /** The next Directory API requests meet these faults, one each, in order. */
  inject(...faults: GoogleFault[]): void {
    this.faults.push(...faults);
  }

  /** Forgets users, groups, requests and faults; issued tokens stay valid. */
  reset(): void {
    this.users.clear();
    this.groups.clear();
    this.members.clear();
    this.requests.length = 0;
    this.tokenRequests.length = 0;
    this.faults.length = 0;
    this.writes = 0;
    this.lastUserWriteBody = null;
  }

  /** A user made "elsewhere" (the admin console), as Google would hold it. */
  seedUser(primaryEmail: string, name = { givenName: 'Old', familyName: 'Name' }): Json {
    const user = this.newUser(primaryEmail, name);
    this.users.set(user.id, user);
    return user;
  }

  /** A group made "elsewhere", with no members. */
  seedGroup(email: string, name: string): Json {
    return this.insertGroup({ email, name });
  }

  /** Puts a user into a group directly, as an admin would in the console. */
  addMember(groupId: string, userId: string): Json {
    return this.insertMember(this.groups.get(groupId)!, { id: userId });
  }

  findUser(key: string): Json | undefined {
    const wanted = lower(key);
    return [...this.users.values()].find(
      (u) =>
        u.id === key ||
        lower(u.primaryEmail) === wanted ||
        (u.aliases as string[] | undefined)?.some((a) => lower(a) === wanted),
    );
  }

  findGroup(key: string): Json | undefined {
    const wanted = lower(key);
    return [...this.groups.values()].find((g) => g.id === key || lower(g.email) === wanted);
  }

  // ---- HTTP plumbing ----

  protected async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/token' && req.method === 'POST') return this.token(req, raw, res);
    if (!path.startsWith(API)) return this.send(res, 404, { error: 'not found' });
    let body: Json | null = null;
    try {
      body = raw ? (JSON.parse(raw) as Json) : null;
    } catch {
      return this.googleError(res, new GoogleError(400, 'parseError', 'Parse Error'));
    }
    const method = req.method ?? 'GET';
    this.requests.push({ method, path, headers: req.headers, body });
    const segments = path.slice(API.length).split('/').map(decodeURIComponent);
    if (segments[0] === 'users' && method !== 'GET' && method !== 'DELETE')
      this.lastUserWriteBody = body;
    const fault = this.faults.shift();
    if (fault) return this.misbehave(fault, body, res);
    if (!this.authorized(req))
      return this.googleError(res, new GoogleError(401, 'authError', 'Invalid Credentials'));
    try {
      const [status, result] = this.route(method, segments, body);
      if (method !== 'GET') this.writes += 1;
      this.send(res, status, result);
    } catch (error) {
      if (!(error instanceof GoogleError)) throw error;
      this.googleError(res, error);
    }
  }

  protected override jsonContentType(): string {
    return 'application/json; charset=UTF-8';
  }

  /** Google's JSON error body: { error: { code, message, errors: [{ domain, reason, message }], status } }. */
  private googleError(
    res: http.ServerResponse,
    error: GoogleError,
    headers: Record<string, string> = {},
  ): void {
    const domain = /RateLimit|quota/i.test(error.reason) ? 'usageLimits' : 'global';
    const detail: Json = { message: error.message, domain, reason: error.reason };
    if (error.status === 401)
      Object.assign(detail, { location: 'Authorization', locationType: 'header' });
    const body = {
      error: {
        code: error.status,
        message: error.message,
        errors: [detail],
        status: STATUS[error.status] ?? 'UNKNOWN',
      },
    };
    this.send(res, error.status, body, headers);
  }

  private authorized(req: http.IncomingMessage): boolean {
    const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    return Boolean(match && this.validTokens.has(match[1]));
  }

  private misbehave(fault: GoogleFault, body: Json | null, res: http.ServerResponse): void {
    if (typeof fault === 'object') {
      // A 307 keeps method and body: a client that follows it re-sends them there.
      res.writeHead(307, { location: fault.redirectTo });
      return void res.end();
    }
    switch (fault) {
      case 'hang':
        return; // never answered; the client's timeout must fire
      case 'rate-limit':
        return this.googleError(
          res,
          new GoogleError(429, 'rateLimitExceeded', 'Rate Limit Exceeded'),
          { 'retry-after': '1' },
        );
      case 'user-rate-limit':
        return this.googleError(
          res,
          new GoogleError(403, 'userRateLimitExceeded', 'User Rate Limit Exceeded'),
        );
      case 'quota-exceeded':
        return this.googleError(res, new GoogleError(403, 'quotaExceeded', 'Quota exceeded'));
      case 'server-error':
        return this.googleError(res, new GoogleError(500, 'backendError', 'Backend Error'));
      case 'token-expired':
        this.validTokens.clear();
        return this.googleError(res, new GoogleError(401, 'authError', 'Invalid Credentials'));
      case 'html':
        res.writeHead(200, { 'content-type': 'text/html; charset=UTF-8' });
        return void res.end('<html><body><h1>Error 502 (Server Error)</h1></body></html>');
      case 'truncated':
        res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
        return void res.end('{"kind": "admin#directory#user", "id": "1');
      case 'no-id':
        return this.send(res, 200, {
          kind: 'admin#directory#user',
          primaryEmail: body?.primaryEmail ?? `someone@${this.account.domain}`,
          name: body?.name ?? {},
        });
    }
  }

  // ---- OAuth 2.0 token endpoint (service accounts) ----

  private token(req: http.IncomingMessage, raw: string, res: http.ServerResponse): void {
    const refuse = (status: number, error: string, description: string, claims: Json | null) => {
      this.tokenRequests.push({ claims, status, error });
      this.send(res, status, { error, error_description: description });
    };
    if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded'))
      return refuse(400, 'invalid_request', 'Bad Request', null);
    const form = new URLSearchParams(raw);
    if (form.get('grant_type') !== JWT_BEARER)
      return refuse(400, 'unsupported_grant_type', 'Invalid grant_type', null);
    const checked = this.checkAssertion(form.get('assertion') ?? '');
    if ('error' in checked)
      return refuse(checked.status, checked.error, checked.description, checked.claims);
    const accessToken = `ya29.${randomBytes(32).toString('base64url')}`;
    this.issuedTokens.push(accessToken);
    this.validTokens.add(accessToken);
    this.tokenRequests.push({ claims: checked.claims, status: 200, error: null });
    this.send(res, 200, { access_token: accessToken, expires_in: 3599, token_type: 'Bearer' });
  }

  /** RFC 7523 as Google applies it: RS256 over the account's key, then iss, aud, time, sub, scope. */
  private checkAssertion(
    assertion: string,
  ):
    { claims: Json } | { status: number; error: string; description: string; claims: Json | null } {
    const refuse = (description: string, claims: Json | null = null, error = 'invalid_grant') => ({
      status: error === 'unauthorized_client' ? 401 : 400,
      error,
      description,
      claims,
    });
    const parts = assertion.split('.');
    if (parts.length !== 3) return refuse('Invalid JWT: the assertion is not a signed JWT.');
    let header: Json;
    let claims: Json;
    try {
      header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as Json;
      claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Json;
    } catch {
      return refuse('Invalid JWT: the header or claim set is not JSON.');
    }
    const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
    if (
      header.alg !== 'RS256' ||
      !verify('RSA-SHA256', signed, this.publicKey, Buffer.from(parts[2], 'base64url'))
    )
      return refuse('Invalid JWT Signature.', claims);
    if (claims.iss !== this.account.serviceAccountEmail)
      return refuse('Invalid JWT Signature.', claims);
    if (claims.aud !== this.tokenUrl)
      return refuse(
        `Invalid JWT: Failed audience check. The expected audience is ${this.tokenUrl}.`,
        claims,
      );
    const now = Math.floor(Date.now() / 1000);
    const { iat, exp } = claims as { iat?: unknown; exp?: unknown };
    if (
      typeof iat !== 'number' ||
      typeof exp !== 'number' ||
      iat > now + 300 ||
      exp <= now ||
      exp - iat > 3600
    ) {
      return refuse(
        'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
        claims,
      );
    }
    if (claims.sub !== this.account.adminEmail) return refuse('Invalid email or User ID', claims);
    const scopes = String(claims.scope ?? '')
      .split(' ')
      .filter(Boolean);
    if (
      !DIRECTORY_SCOPES.every((s) => scopes.includes(s)) ||
      !scopes.every((s) => DELEGATED_SCOPES.has(s))
    ) {
      return refuse(
        'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.',
        claims,
        'unauthorized_client',
      );
    }
    return { claims };
  }

  // ---- Directory API v1 ----

  private route(method: string, segments: string[], body: Json | null): [number, Json | null] {
    const [collection, key, sub, memberKey] = segments;
    if (collection === 'users' && segments.length === 1 && method === 'POST')
      return [200, this.insertUser(body)];
    if (collection === 'users' && segments.length === 2) {
      const user = this.findUser(key) ?? fail(404, 'notFound', 'Resource Not Found: userKey');
      if (method === 'GET') return [200, user];
      if (method === 'PUT' || method === 'PATCH') return [200, this.updateUser(user, body)];
      if (method === 'DELETE') return [204, this.deleteUser(user)];
    }
    if (collection === 'groups' && segments.length === 1 && method === 'POST')
      return [200, this.insertGroup(body)];
    if (collection === 'groups' && segments.length >= 2) {
      const group = this.findGroup(key) ?? fail(404, 'notFound', 'Resource Not Found: groupKey');
      if (segments.length === 2) {
        if (method === 'GET') return [200, group];
        if (method === 'PUT' || method === 'PATCH') return [200, this.updateGroup(group, body)];
        if (method === 'DELETE') return [204, this.deleteGroup(group)];
      }
      if (sub === 'members' && segments.length === 3 && method === 'GET')
        return [200, this.listMembers(group)];
      if (sub === 'members' && segments.length === 3 && method === 'POST')
        return [200, this.insertMember(group, body)];
      if (sub === 'members' && segments.length === 4) {
        const members = this.members.get(group.id)!;
        const member =
          members.get(this.findUser(memberKey)?.id ?? memberKey) ??
          fail(404, 'notFound', 'Resource Not Found: memberKey');
        if (method === 'GET') return [200, member];
        if (method === 'DELETE') {
          members.delete(member.id as string);
          group.directMembersCount = String(members.size);
          return [204, null];
        }
      }
    }
    return fail(404, 'notFound', `Not Found: ${method} ${API}${segments.join('/')}`);
  }

  private checkAddress(field: string, email: unknown): string {
    if (typeof email !== 'string' || !email)
      fail(400, 'required', `Missing required field: ${field}`);
    const [local, domain, ...rest] = String(email).split('@');
    if (!local || rest.length || !/^[a-z0-9._'+-]+$/i.test(local))
      fail(400, 'invalid', `Invalid Input: ${field}`);
    if (lower(domain) !== lower(this.account.domain))
      fail(
        400,
        'invalid',
        `Invalid Input: ${field} ${String(email)} is not in the domain ${this.account.domain}`,
      );
    return String(email);
  }

  /** Users, their aliases and groups share one address space. */
  private checkFree(email: string, self?: string): void {
    const holder = this.findUser(email) ?? this.findGroup(email);
    if (holder && holder.id !== self) fail(409, 'duplicate', 'Entity already exists.');
  }

  private checkName(name: unknown, required: boolean): Json {
    if (name === undefined && !required) return {};
    if (!name || typeof name !== 'object')
      return fail(400, 'required', 'Missing required field: name');
    const checked: Json = {};
    for (const field of NAME_FIELDS) {
      const value = (name as Json)[field];
      if (value === undefined && !required) continue;
      if (typeof value !== 'string' || !value.trim())
        fail(400, 'required', `Missing required field: name.${field}`);
      if (value.length > 60) fail(400, 'invalid', `Invalid Given/Family Name: ${field}`);
      checked[field] = value;
    }
    return checked;
  }

  private newUser(primaryEmail: string, name: Json): Json {
    const id = `1${Array.from({ length: 20 }, () => randomInt(10)).join('')}`;
    return {
      kind: 'admin#directory#user',
      id,
      etag: etag(),
      primaryEmail,
      name: { ...name, fullName: `${name.givenName} ${name.familyName}` },
      isAdmin: false,
      isDelegatedAdmin: false,
      suspended: false,
      archived: false,
      changePasswordAtNextLogin: false,
      creationTime: new Date().toISOString(),
      customerId: 'C01fake00',
      orgUnitPath: '/',
      emails: [{ address: primaryEmail, primary: true }],
    };
  }

  private insertUser(body: Json | null): Json {
    const email = this.checkAddress('primaryEmail', body?.primaryEmail);
    const name = this.checkName(body?.name, true);
    const password: unknown = body?.password;
    if (typeof password !== 'string' || !password)
      fail(400, 'required', 'Missing required field: password');
    if (String(password).length < 8 || String(password).length > 100)
      fail(400, 'invalid', 'Invalid Password');
    this.checkFree(email);
    const user = this.newUser(email, name);
    if (typeof body?.suspended === 'boolean') user.suspended = body.suspended;
    this.users.set(user.id, user);
    return user;
  }

  /** users.update and users.patch both have patch semantics; a new primaryEmail keeps the old as an alias. */
  private updateUser(user: Json, body: Json | null): Json {
    if (!body) return fail(400, 'required', 'Missing required field: resource');
    const name = this.checkName(body.name, false);
    if (body.password !== undefined && String(body.password).length < 8)
      fail(400, 'invalid', 'Invalid Password');
    if (body.primaryEmail !== undefined && lower(body.primaryEmail) !== lower(user.primaryEmail)) {
      const email = this.checkAddress('primaryEmail', body.primaryEmail);
      this.checkFree(email, user.id);
      user.aliases = [...((user.aliases as string[]) ?? []), user.primaryEmail];
      user.primaryEmail = email;
      user.emails = [{ address: email, primary: true }];
    }
    if (typeof body.suspended === 'boolean') user.suspended = body.suspended;
    const merged = { ...user.name, ...name };
    user.name = { ...merged, fullName: `${merged.givenName} ${merged.familyName}` };
    user.etag = etag();
    return user;
  }

  private deleteUser(user: Json): null {
    this.users.delete(user.id);
    for (const [groupId, members] of this.members) {
      members.delete(user.id);
      this.groups.get(groupId)!.directMembersCount = String(members.size);
    }
    return null;
  }

  private insertGroup(body: Json | null): Json {
    const email = this.checkAddress('email', body?.email);
    this.checkFree(email);
    const group = {
      kind: 'admin#directory#group',
      id: `0${randomBytes(10).toString('hex').slice(0, 14)}`,
      etag: etag(),
      email,
      name: typeof body?.name === 'string' && body.name ? body.name : email,
      description: typeof body?.description === 'string' ? body.description : '',
      directMembersCount: '0',
      adminCreated: true,
    };
    this.groups.set(group.id, group);
    this.members.set(group.id, new Map());
    return group;
  }

  private updateGroup(group: Json, body: Json | null): Json {
    if (!body) return fail(400, 'required', 'Missing required field: resource');
    if (body.email !== undefined && lower(body.email) !== lower(group.email)) {
      const email = this.checkAddress('email', body.email);
      this.checkFree(email, group.id);
      group.email = email;
    }
    if (body.name !== undefined) {
      if (typeof body.name !== 'string' || !body.name.trim())
        fail(400, 'invalid', 'Invalid Input: name');
      group.name = body.name;
    }
    if (typeof body.description === 'string') group.description = body.description;
    group.etag = etag();
    return group;
  }

  private deleteGroup(group: Json): null {
    this.groups.delete(group.id);
    this.members.delete(group.id);
    return null;
  }

  private listMembers(group: Json): Json {
    const members = [...this.members.get(group.id)!.values()];
    return {
      kind: 'admin#directory#members',
      etag: etag(),
      ...(members.length ? { members } : {}),
    };
  }

  private insertMember(group: Json, body: Json | null): Json {
    const key: unknown = body?.id ?? body?.email;
    if (typeof key !== 'string' || !key)
      return fail(400, 'required', 'Missing required field: memberKey');
    const user = this.findUser(key) ?? fail(404, 'notFound', 'Resource Not Found: memberKey');
    const role = body?.role ?? 'MEMBER';
    if (!ROLES.has(role)) fail(400, 'invalid', 'Invalid Input: role');
    const members = this.members.get(group.id)!;
    if (members.has(user.id)) fail(409, 'duplicate', 'Member already exists.');
    const member = {
      kind: 'admin#directory#member',
      etag: etag(),
      id: user.id,
      email: user.primaryEmail,
      role,
      type: 'USER',
      status: 'ACTIVE',
    };
    members.set(user.id, member);
    group.directMembersCount = String(members.size);
    return member;
  }
}
