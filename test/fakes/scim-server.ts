// A local SCIM service for the contract tests, SCIM 2.0 (RFC 7643/7644) or SCIM 1.1. It checks what
// it receives as a strict server would — auth, schema URNs, userName, PatchOp syntax, quoted filter
// values, 409 uniqueness — and can be told to misbehave for the next requests.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { LocalHttpServer } from './local-server';

type Json = Record<string, any>;
export type ScimVersion = '1.1' | '2.0';

export interface ReceivedRequest {
  method: string;
  path: string;
  query: string;
  headers: http.IncomingHttpHeaders;
  body: Json | null;
  /** When it arrived (ms since the epoch), for measuring a connector's pace. */
  at: number;
}

export type Fault =
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: Json }
  | { kind: 'html' }
  | { kind: 'truncated' }
  | { kind: 'no-id' }
  | { kind: 'hang' };

const URN = {
  '2.0': {
    user: 'urn:ietf:params:scim:schemas:core:2.0:User',
    group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
    error: 'urn:ietf:params:scim:api:messages:2.0:Error',
    list: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
    patch: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
    bulk: 'urn:ietf:params:scim:api:messages:2.0:BulkRequest',
    bulkResponse: 'urn:ietf:params:scim:api:messages:2.0:BulkResponse',
    config: 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig',
  },
  '1.1': {
    user: 'urn:scim:schemas:core:1.0',
    group: 'urn:scim:schemas:core:1.0',
    error: '',
    list: 'urn:scim:schemas:core:1.0',
    patch: '',
    bulk: 'urn:scim:schemas:core:1.0',
    bulkResponse: 'urn:scim:schemas:core:1.0',
    config: 'urn:scim:schemas:core:1.0',
  },
};

/** Users by id, indexed by userName as a real server's unique index would be (creates stay O(1)). */
class UserTable extends Map<string, Json> {
  private readonly ids = new Map<string, string>();

  override set(id: string, user: Json): this {
    const previous = this.get(id);
    if (previous) this.ids.delete(previous.userName);
    this.ids.set(user.userName, id);
    return super.set(id, user);
  }

  override delete(id: string): boolean {
    const user = this.get(id);
    if (user) this.ids.delete(user.userName);
    return super.delete(id);
  }

  override clear(): void {
    this.ids.clear();
    super.clear();
  }

  byUserName(userName: string): Json | undefined {
    const id = this.ids.get(userName);
    return id === undefined ? undefined : this.get(id);
  }
}

/** A bulk operation's answer, kept instead of written (RFC 7644 §3.7: each operation as alone). */
class CapturedResponse {
  status = 0;
  body: unknown = null;
  location: string | undefined;
}

/** RFC 7644 §3.9: `excludedAttributes=members,…` leaves those attributes out of the answer. */
function withoutExcluded(resource: Json, url: URL): Json {
  const excluded = (url.searchParams.get('excludedAttributes') ?? '').split(',').filter(Boolean);
  const copy = { ...resource };
  for (const name of excluded) delete copy[name];
  return copy;
}

export class FakeScimServer extends LocalHttpServer {
  readonly users = new UserTable();
  readonly groups = new Map<string, Json>();
  /** Users created (201) since reset: a duplicate create would show here even if later deleted. */
  created = 0;
  readonly requests: ReceivedRequest[] = [];
  /** false: only `userName eq "v"` alone, as some servers (anything more is 400 invalidFilter). */
  searchById = true;
  private readonly faults: Fault[] = [];
  private outage: { until: number; mode: 'status' | 'drop' } | null = null;
  /** Creates of these userNames are answered 503 (one user's trouble), until removed. */
  readonly failingUserNames = new Set<string>();
  /** Creates of these userNames are answered 429 (the service throttling), until removed. */
  readonly throttledUserNames = new Set<string>();
  /** Every request is answered this much later (a slow target: calls stay in flight). */
  latencyMs = 0;
  /** Bulk as ServiceProviderConfig announces it (RFC 7643 §5); null: not supported. */
  bulk: { maxOperations: number; maxPayloadSize: number } | null = null;

  constructor(
    readonly version: ScimVersion,
    private readonly auth: { basic?: [string, string]; bearer?: string },
  ) {
    super();
  }

  protected override basePath(): string {
    return `/scim/${this.version === '2.0' ? 'v2' : 'v1'}`;
  }

  /** Until `ms` from now, every request is answered 503 (an outage), or dropped with `drop`. */
  unavailableFor(ms: number, mode: 'status' | 'drop' = 'status'): void {
    this.outage = { until: Date.now() + ms, mode };
  }

  /** The next requests get these faults, one each, in order. */
  inject(...faults: Fault[]): void {
    this.faults.push(...faults);
  }

  reset(): void {
    this.users.clear();
    this.groups.clear();
    this.created = 0;
    this.requests.length = 0;
    this.faults.length = 0;
  }

  byUserName(userName: string): Json | undefined {
    return this.users.byUserName(userName);
  }

  protected override send(
    res: http.ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    if (!(res instanceof CapturedResponse)) return super.send(res, status, body, headers);
    Object.assign(res, { status, body, location: headers.location });
  }

  private error(res: http.ServerResponse, status: number, detail: string, scimType?: string): void {
    const body =
      this.version === '2.0'
        ? {
            schemas: [URN['2.0'].error],
            status: String(status),
            ...(scimType ? { scimType } : {}),
            detail,
          }
        : { Errors: [{ description: detail, code: String(status) }] };
    this.send(res, status, body);
  }

  protected override jsonContentType(): string {
    return this.version === '2.0' ? 'application/scim+json' : 'application/json';
  }

  private authorized(req: http.IncomingMessage): boolean {
    const header = req.headers.authorization ?? '';
    if (this.auth.bearer) return header === `Bearer ${this.auth.bearer}`;
    const [user, pass] = this.auth.basic!;
    return header === `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  }

  protected async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    let body: Json | null = null;
    if (raw) {
      try {
        body = JSON.parse(raw) as Json;
      } catch {
        return this.error(res, 400, 'body is not JSON', 'invalidSyntax');
      }
    }
    this.requests.push({
      at: Date.now(),
      method: req.method!,
      path: url.pathname,
      query: url.search,
      headers: req.headers,
      body,
    });
    if (this.latencyMs) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    if (this.outage && Date.now() < this.outage.until) {
      if (this.outage.mode === 'drop') return void req.socket.destroy();
      return this.send(res, 503, null, { 'retry-after': '1' });
    }
    const fault = this.faults.shift();
    if (fault) return this.misbehave(fault, res);
    if (!this.authorized(req)) return this.error(res, 401, 'authentication failed');
    if (url.pathname === `${this.root()}/Bulk` && req.method === 'POST' && this.bulk)
      return this.handleBulk(body, Buffer.byteLength(raw), res);
    this.route(req.method!, url, body, res);
  }

  private root(): string {
    return this.version === '2.0' ? '/scim/v2' : '/scim/v1';
  }

  private route(method: string, url: URL, body: Json | null, res: http.ServerResponse): void {
    if (typeof body?.userName === 'string' && this.failingUserNames.has(body.userName))
      return this.send(res, 503, null);
    if (typeof body?.userName === 'string' && this.throttledUserNames.has(body.userName))
      return this.error(res, 429, 'too many requests');
    const root = this.root();
    const configPath = this.version === '2.0' ? 'ServiceProviderConfig' : 'ServiceProviderConfigs';
    if (url.pathname === `${root}/${configPath}` && method === 'GET')
      return this.send(res, 200, this.serviceProviderConfig());
    if (url.pathname === `${root}/Groups` || url.pathname.startsWith(`${root}/Groups/`))
      return this.handleGroup(method, url, `${root}/Groups`, body, res);
    const base = `${root}/Users`;
    if (url.pathname === base && method === 'POST') return this.create(body, res);
    if (url.pathname === base && method === 'GET')
      return this.search(url.searchParams.get('filter'), res);
    const id = url.pathname.startsWith(`${base}/`)
      ? decodeURIComponent(url.pathname.slice(base.length + 1))
      : null;
    if (id === null) return this.error(res, 404, `no such endpoint ${url.pathname}`);
    const user = this.users.get(id);
    if (!user) return this.error(res, 404, `user ${id} not found`);
    if (method === 'GET') return this.send(res, 200, user);
    if (method === 'DELETE') {
      this.users.delete(id);
      return this.send(res, 204, null);
    }
    if (method === 'PUT') return this.replace(user, body, res);
    if (method === 'PATCH' && this.version === '2.0') return this.patch(user, body, res);
    return this.error(res, 405, `${method} is not supported here`);
  }

  /** RFC 7643 §5 (SCIM 1.1: /ServiceProviderConfigs): what this service supports. */
  private serviceProviderConfig(): Json {
    const bulk = this.bulk ?? { maxOperations: 0, maxPayloadSize: 0 };
    return {
      schemas: [URN[this.version].config],
      patch: { supported: this.version === '2.0' },
      bulk: { supported: this.bulk !== null, ...bulk },
      filter: { supported: true, maxResults: 200 },
      changePassword: { supported: false },
      sort: { supported: false },
      etag: { supported: false },
      authenticationSchemes: [],
    };
  }

  /**
   * RFC 7644 §3.7: each operation is handled as the request alone would be and answered in
   * order, with its status, its location, and a body only when it failed; too many operations or
   * bytes are 413 before any runs; failOnErrors stops after that many errors.
   */
  private handleBulk(body: Json | null, bytes: number, res: http.ServerResponse): void {
    const urn = URN[this.version];
    const ops = body?.Operations;
    if (!body?.schemas?.includes?.(urn.bulk) || !Array.isArray(ops) || !ops.length)
      return this.error(res, 400, `a ${urn.bulk} with Operations is required`, 'invalidSyntax');
    const { maxOperations, maxPayloadSize } = this.bulk!;
    if (ops.length > maxOperations)
      return this.error(res, 413, `more than maxOperations (${maxOperations})`);
    if (bytes > maxPayloadSize)
      return this.error(res, 413, `larger than maxPayloadSize (${maxPayloadSize})`);
    const answers: Json[] = [];
    let errors = 0;
    for (const op of ops as Json[]) {
      if (typeof body.failOnErrors === 'number' && errors >= body.failOnErrors) break;
      const captured = new CapturedResponse();
      const method = String(op.method ?? '');
      const path = typeof op.path === 'string' && op.path.startsWith('/') ? op.path : null;
      const res1 = captured as unknown as http.ServerResponse;
      if (!path || !['POST', 'PUT', 'PATCH', 'DELETE'].includes(method))
        this.error(res1, 400, 'an operation needs a method and a path', 'invalidSyntax');
      else if (method === 'POST' && typeof op.bulkId !== 'string')
        this.error(res1, 400, 'a POST operation needs a bulkId', 'invalidValue');
      else this.route(method, new URL(`${this.root()}${path}`, 'http://x'), op.data ?? null, res1);
      const failed = captured.status >= 400;
      if (failed) errors++;
      const location =
        captured.location ?? (method !== 'POST' && path ? `${this.url}${path}` : undefined);
      answers.push({
        method,
        ...(op.bulkId === undefined ? {} : { bulkId: op.bulkId }),
        // A created resource's location; any other operation's, failed or not (RFC 7644 §3.7.3).
        ...(location && (method !== 'POST' || !failed) ? { location } : {}),
        status:
          this.version === '2.0' ? String(captured.status) : { code: String(captured.status) },
        ...(failed ? { response: captured.body } : {}),
      });
    }
    this.send(res, 200, { schemas: [urn.bulkResponse], Operations: answers });
  }

  private misbehave(fault: Fault, res: http.ServerResponse): void {
    if (fault.kind === 'hang') return; // never answers; the client's timeout must fire
    if (fault.kind === 'status')
      return this.send(res, fault.status, fault.body ?? null, fault.headers);
    if (fault.kind === 'html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return void res.end('<html><body>Service Unavailable</body></html>');
    }
    if (fault.kind === 'truncated') {
      res.writeHead(201, { 'content-type': 'application/scim+json' });
      return void res.end('{"id": "abc", "userName": ');
    }
    this.send(res, 201, { schemas: [URN[this.version].user], userName: 'x' });
  }

  private validUser(body: Json | null, res: http.ServerResponse): body is Json {
    if (!body || !Array.isArray(body.schemas) || !body.schemas.includes(URN[this.version].user)) {
      this.error(res, 400, `schemas must include ${URN[this.version].user}`, 'invalidSyntax');
      return false;
    }
    if (typeof body.userName !== 'string' || !body.userName) {
      this.error(res, 400, 'userName is required', 'invalidValue');
      return false;
    }
    return true;
  }

  private create(body: Json | null, res: http.ServerResponse): void {
    if (!this.validUser(body, res)) return;
    if (this.byUserName(body.userName))
      return this.error(res, 409, `userName ${body.userName} is taken`, 'uniqueness');
    const id = randomUUID();
    const { password: _password, ...stored } = body;
    const user = {
      ...stored,
      id,
      meta: { resourceType: 'User', created: new Date().toISOString() },
    };
    this.users.set(id, user);
    this.created++;
    this.send(res, 201, user, { location: `${this.url}/Users/${id}` });
  }

  /**
   * `userName eq "v"` or `id eq "v"`, alone or joined by `or`, with the values quoted as RFC 7644
   * §3.4.2.2 requires; anything else is 400 invalidFilter.
   */
  private search(filter: string | null, res: http.ServerResponse): void {
    const term = /^(userName|id) eq "((?:[^"\\]|\\.)*)"$/i;
    const terms = (filter ?? '').split(/ or (?=(?:userName|id) eq ")/i).map((t) => term.exec(t));
    const refused = !this.searchById && (terms.length > 1 || terms[0]?.[1].toLowerCase() === 'id');
    if (!filter || terms.some((m) => !m) || refused)
      return this.error(res, 400, `unsupported or malformed filter: ${filter}`, 'invalidFilter');
    const found = new Map<string, Json>();
    for (const match of terms as RegExpExecArray[]) {
      const value = JSON.parse(`"${match[2]}"`) as string;
      const user = match[1].toLowerCase() === 'id' ? this.users.get(value) : this.byUserName(value);
      if (user) found.set(user.id as string, user);
    }
    this.send(res, 200, {
      schemas: [URN[this.version].list],
      totalResults: found.size,
      Resources: [...found.values()],
    });
  }

  private replace(user: Json, body: Json | null, res: http.ServerResponse): void {
    if (!this.validUser(body, res)) return;
    const { password: _password, meta: _meta, ...rest } = body;
    const replaced = {
      ...rest,
      id: user.id,
      meta: { ...user.meta, lastModified: new Date().toISOString() },
    };
    this.users.set(user.id, replaced);
    this.send(res, 200, replaced);
  }

  private patch(user: Json, body: Json | null, res: http.ServerResponse): void {
    if (
      !body ||
      !Array.isArray(body.schemas) ||
      !body.schemas.includes(URN['2.0'].patch) ||
      !Array.isArray(body.Operations) ||
      !body.Operations.length
    ) {
      return this.error(res, 400, 'a PatchOp with Operations is required', 'invalidSyntax');
    }
    const next = { ...user };
    for (const op of body.Operations as Json[]) {
      const kind = String(op.op ?? '').toLowerCase();
      if (!['add', 'replace', 'remove'].includes(kind))
        return this.error(res, 400, `bad op ${op.op}`, 'invalidSyntax');
      if (op.path)
        return this.error(res, 400, 'this server takes path-less operations only', 'invalidPath');
      if (kind !== 'remove') Object.assign(next, op.value);
    }
    this.users.set(user.id, next);
    this.send(res, 200, next);
  }

  private handleGroup(
    method: string,
    url: URL,
    base: string,
    body: Json | null,
    res: http.ServerResponse,
  ): void {
    if (url.pathname === base && method === 'POST') return this.createGroup(body, res);
    if (url.pathname === base && method === 'GET')
      return this.searchGroups(url.searchParams.get('filter'), res);
    const id = decodeURIComponent(url.pathname.slice(base.length + 1));
    const group = this.groups.get(id);
    if (!group) return this.error(res, 404, `group ${id} not found`);
    if (method === 'GET') return this.send(res, 200, withoutExcluded(group, url));
    if (method === 'DELETE') {
      this.groups.delete(id);
      return this.send(res, 204, null);
    }
    if (method === 'PATCH')
      return this.version === '2.0'
        ? this.patchGroup(group, body, res)
        : this.patchGroup11(group, body, res);
    return this.error(res, 405, `${method} is not supported here`);
  }

  /** Members must be users this server holds, as { value: id }. */
  private checkMembers(members: unknown, res: http.ServerResponse): members is Json[] {
    const ok =
      Array.isArray(members) &&
      members.every((m: Json) => typeof m?.value === 'string' && this.users.has(m.value));
    if (!ok)
      this.error(
        res,
        400,
        `members must be [{ "value": <existing user id> }], got ${JSON.stringify(members)}`,
        'invalidValue',
      );
    return ok;
  }

  private createGroup(body: Json | null, res: http.ServerResponse): void {
    if (!body || !Array.isArray(body.schemas) || !body.schemas.includes(URN[this.version].group))
      return this.error(
        res,
        400,
        `schemas must include ${URN[this.version].group}`,
        'invalidSyntax',
      );
    if (typeof body.displayName !== 'string' || !body.displayName)
      return this.error(res, 400, 'displayName is required', 'invalidValue');
    if ([...this.groups.values()].some((g) => g.displayName === body.displayName))
      return this.error(res, 409, `displayName ${body.displayName} is taken`, 'uniqueness');
    if (body.members !== undefined && !this.checkMembers(body.members, res)) return;
    const id = randomUUID();
    const group = { ...body, members: body.members ?? [], id, meta: { resourceType: 'Group' } };
    this.groups.set(id, group);
    this.send(res, 201, group, { location: `${this.url}/Groups/${id}` });
  }

  private searchGroups(filter: string | null, res: http.ServerResponse): void {
    const match = /^displayName eq "((?:[^"\\]|\\.)*)"$/i.exec(filter ?? '');
    if (!match)
      return this.error(res, 400, `unsupported or malformed filter: ${filter}`, 'invalidFilter');
    const name = JSON.parse(`"${match[1]}"`) as string;
    const found = [...this.groups.values()].filter((g) => g.displayName === name);
    this.send(res, 200, {
      schemas: [URN[this.version].list],
      totalResults: found.length,
      Resources: found,
    });
  }

  /** RFC 7644 §3.5.2: replace displayName; add to "members"; remove members[value eq "id"]. */
  private patchGroup(group: Json, body: Json | null, res: http.ServerResponse): void {
    if (
      !body?.schemas?.includes?.(URN['2.0'].patch) ||
      !Array.isArray(body.Operations) ||
      !body.Operations.length
    )
      return this.error(res, 400, 'a PatchOp with Operations is required', 'invalidSyntax');
    const next: Json = { ...group, members: [...(group.members as Json[])] };
    for (const op of body.Operations as Json[]) {
      const kind = String(op.op ?? '').toLowerCase();
      if (kind === 'replace' && !op.path && typeof op.value?.displayName === 'string') {
        next.displayName = op.value.displayName;
      } else if (kind === 'add' && op.path === 'members') {
        if (!this.checkMembers(op.value, res)) return;
        for (const m of op.value)
          if (!next.members.some((x: Json) => x.value === m.value))
            next.members.push({ value: m.value });
      } else if (kind === 'remove' && typeof op.path === 'string') {
        const filter = /^members\[value eq "((?:[^"\\]|\\.)*)"\]$/.exec(op.path);
        if (!filter) return this.error(res, 400, `bad remove path ${op.path}`, 'invalidPath');
        const value = JSON.parse(`"${filter[1]}"`) as string;
        if (!next.members.some((x: Json) => x.value === value))
          return this.error(res, 400, `no member ${value}`, 'noTarget');
        next.members = next.members.filter((x: Json) => x.value !== value);
      } else {
        return this.error(res, 400, `unsupported operation ${JSON.stringify(op)}`, 'invalidSyntax');
      }
    }
    this.groups.set(group.id, next);
    this.send(res, 200, next);
  }

  /** SCIM 1.1 PATCH: a partial resource; members are merged, `operation: "delete"` removes one. */
  private patchGroup11(group: Json, body: Json | null, res: http.ServerResponse): void {
    if (!body?.schemas?.includes?.(URN['1.1'].group))
      return this.error(res, 400, `schemas must include ${URN['1.1'].group}`);
    const next: Json = { ...group, members: [...(group.members as Json[])] };
    if (typeof body.displayName === 'string') next.displayName = body.displayName;
    if (body.members !== undefined) {
      const removing = (body.members as Json[]).filter((m) => m?.operation === 'delete');
      const adding = (body.members as Json[]).filter((m) => m?.operation !== 'delete');
      if (!this.checkMembers(adding, res)) return;
      next.members = next.members.filter((x: Json) => !removing.some((m) => m.value === x.value));
      for (const m of adding)
        if (!next.members.some((x: Json) => x.value === m.value))
          next.members.push({ value: m.value });
    }
    this.groups.set(group.id, next);
    this.send(res, 200, next);
  }
}
