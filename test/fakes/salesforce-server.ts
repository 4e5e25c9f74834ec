// A local Salesforce for the contract tests: the OAuth2 username-password token endpoint and the
// REST API's User sobject and SOQL query, checked as Salesforce does — bearer sessions, required
// fields, unique Username, 18-character ids — and able to misbehave on the next data API requests.
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import { LocalHttpServer } from './local-server';

type Json = Record<string, any>;

export interface ReceivedRequest {
  method: string;
  path: string;
  query: string;
  headers: http.IncomingHttpHeaders;
  body: Json | null;
  status: number;
}

export interface SalesforceCredentials {
  clientId: string;
  clientSecret: string;
  username: string;
  /** The password with the security token appended, as the token endpoint expects it. */
  password: string;
}

/** The contract faults, plus Salesforce's own retriable answers. */
export type SalesforceFault =
  | 'rate-limit'
  | 'server-error'
  | 'server-unavailable'
  | 'unable-to-lock-row'
  | 'token-expired'
  | 'html'
  | 'truncated'
  | 'no-id'
  | 'hang'
  | { redirectTo: string };

export const REQUIRED_ON_CREATE = [
  'Alias',
  'Email',
  'EmailEncodingKey',
  'LanguageLocaleKey',
  'LastName',
  'LocaleSidKey',
  'ProfileId',
  'TimeZoneSidKey',
  'Username',
];
const WRITABLE = new Set([
  ...REQUIRED_ON_CREATE,
  'FirstName',
  'IsActive',
  'CommunityNickname',
  'Title',
  'Department',
  'CompanyName',
  'Phone',
  'MobilePhone',
  'FederationIdentifier',
  'UserPermissionsMarketingUser',
]);
const ORG_ID = '00D5g000004XyZaEAK';
const API_USER_ID = '0055g000003AbCdAAC';
const ID_SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Salesforce's 18-character id: the 15-character id plus a suffix encoding its upper-case letters. */
export function toId18(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) if (/[A-Z]/.test(id15[chunk * 5 + i])) bits |= 1 << i;
    suffix += ID_SUFFIX[bits];
  }
  return id15 + suffix;
}

/** SOQL `'…'` literal → value (\\ \' \" \n \r \t escapes). */
function unescapeSoql(literal: string): string {
  const map: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' };
  return literal.replace(/\\(.)/g, (_, c: string) => map[c] ?? c);
}

export class FakeSalesforceServer extends LocalHttpServer {
  readonly users = new Map<string, Json>();
  readonly requests: ReceivedRequest[] = [];
  /** Every token request, successful or not (grant_type and username only). */
  readonly tokenRequests: { grantType: string; username: string; status: number }[] = [];
  /** Every access token ever issued, for secret scans; never forgotten. */
  readonly issuedTokens: string[] = [];
  /** What the token endpoint names as instance_url; its own address unless a test changes it. */
  instanceUrl: string | null = null;
  private readonly validTokens = new Set<string>();
  private readonly faults: SalesforceFault[] = [];
  private seq = 0;

  constructor(private readonly credentials: SalesforceCredentials) {
    super();
  }

  get tokenEndpoint(): string {
    return `${this.url}/services/oauth2/token`;
  }

  /** The next data API requests meet these faults, one each, in order (the token endpoint never). */
  inject(...faults: SalesforceFault[]): void {
    this.faults.push(...faults);
  }

  /** Forgets users, requests and faults; issued sessions stay valid, as a real org's would. */
  reset(): void {
    this.users.clear();
    this.requests.length = 0;
    this.tokenRequests.length = 0;
    this.faults.length = 0;
    this.instanceUrl = null;
  }

  /** Revokes every session, as an admin or a session timeout would. */
  revokeTokens(): void {
    this.validTokens.clear();
  }

  byUsername(username: string): Json | undefined {
    return [...this.users.values()].find((u) => u.Username === username);
  }

  /** Puts a user at the org as if made there; returns its id. */
  seed(fields: Json): string {
    const Id = this.newId();
    this.users.set(Id, { IsActive: true, ...fields, Id });
    return Id;
  }

  private newId(): string {
    this.seq += 1;
    let n = this.seq;
    let tail = '';
    for (let i = 0; i < 7; i++, n = Math.floor(n / 62)) tail = BASE62[n % 62] + tail;
    return toId18(`0055g00000${tail.slice(2)}`);
  }

  protected override jsonContentType(): string {
    return 'application/json;charset=UTF-8';
  }

  /** Salesforce's REST error body: an array of `{ message, errorCode, fields? }`. */
  private fail(
    res: http.ServerResponse,
    status: number,
    errorCode: string,
    message: string,
    fields?: string[],
  ): void {
    this.send(res, status, [{ message, errorCode, ...(fields ? { fields } : {}) }]);
  }

  protected async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/services/oauth2/token') return this.token(req, raw, res);
    let body: Json | null = null;
    if (raw) {
      try {
        body = JSON.parse(raw) as Json;
      } catch {
        return this.fail(res, 400, 'JSON_PARSER_ERROR', 'Unexpected character in the request body');
      }
    }
    const record: ReceivedRequest = {
      method: req.method!,
      path: url.pathname,
      query: url.search,
      headers: req.headers,
      body,
      status: 0,
    };
    this.requests.push(record);
    res.on('finish', () => (record.status = res.statusCode));
    const fault = this.faults.shift();
    if (fault === 'token-expired') this.revokeTokens();
    else if (fault) return this.misbehave(fault, res);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || !this.validTokens.has(bearer))
      return this.fail(res, 401, 'INVALID_SESSION_ID', 'Session expired or invalid');
    const api = /^\/services\/data\/v(\d{2,3}\.\d)(\/.*)$/.exec(url.pathname);
    if (!api) return this.fail(res, 404, 'NOT_FOUND', 'The requested resource does not exist');
    const route = api[2];
    if (route === '/query' && req.method === 'GET') return this.query(url, api[1], res);
    if (route === '/sobjects/User' && req.method === 'POST') return this.create(body, api[1], res);
    const match = /^\/sobjects\/User\/([A-Za-z0-9]{15}|[A-Za-z0-9]{18})$/.exec(route);
    const id = match ? (match[1].length === 15 ? toId18(match[1]) : match[1]) : null;
    const user = id ? this.users.get(id) : undefined;
    if (!user) return this.fail(res, 404, 'NOT_FOUND', 'The requested resource does not exist');
    if (req.method === 'GET') return this.send(res, 200, this.view(user, api[1]));
    if (req.method === 'PATCH') return this.update(user, body, res);
    // Users cannot be deleted in Salesforce, only deactivated.
    this.fail(
      res,
      405,
      'METHOD_NOT_ALLOWED',
      `HTTP Method '${req.method}' not allowed. Allowed are GET,HEAD,PATCH`,
    );
  }

  /** POST /services/oauth2/token, grant_type=password, form-encoded. */
  private token(req: http.IncomingMessage, raw: string, res: http.ServerResponse): void {
    const form = new URLSearchParams(raw);
    const grantType = form.get('grant_type') ?? '';
    const entry = { grantType, username: form.get('username') ?? '', status: 400 };
    this.tokenRequests.push(entry);
    const oauthError = (error: string, description: string) =>
      this.send(res, 400, { error, error_description: description });
    const c = this.credentials;
    if (
      req.method !== 'POST' ||
      !/^application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '')
    )
      return oauthError('invalid_request', 'must use HTTP POST with a form body');
    if (grantType !== 'password')
      return oauthError('unsupported_grant_type', 'grant type not supported');
    if (form.get('client_id') !== c.clientId)
      return oauthError('invalid_client_id', 'client identifier invalid');
    if (form.get('client_secret') !== c.clientSecret)
      return oauthError('invalid_client', 'invalid client credentials');
    if (form.get('username') !== c.username || form.get('password') !== c.password)
      return oauthError('invalid_grant', 'authentication failure');
    const accessToken = `${ORG_ID.slice(0, 15)}!${randomBytes(48).toString('base64url')}`;
    this.validTokens.add(accessToken);
    this.issuedTokens.push(accessToken);
    entry.status = 200;
    const id = `${this.url}/id/${ORG_ID}/${API_USER_ID}`;
    const issuedAt = String(Date.now());
    this.send(res, 200, {
      access_token: accessToken,
      instance_url: this.instanceUrl ?? this.url,
      id,
      token_type: 'Bearer',
      issued_at: issuedAt,
      signature: createHmac('sha256', c.clientSecret)
        .update(id + issuedAt)
        .digest('base64'),
    });
  }

  private misbehave(fault: SalesforceFault, res: http.ServerResponse): void {
    if (typeof fault === 'object') {
      // A 307 keeps method and body: a client that follows it sends them, and its session, there.
      res.writeHead(307, { location: fault.redirectTo });
      return void res.end();
    }
    switch (fault) {
      case 'hang':
        return; // never answers; the client's timeout must fire
      case 'rate-limit': // Salesforce sends no Retry-After
        return this.fail(res, 403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
      case 'server-error':
        return this.fail(
          res,
          500,
          'UNKNOWN_EXCEPTION',
          'An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1234567890)',
        );
      case 'server-unavailable':
        return this.fail(res, 503, 'SERVER_UNAVAILABLE', 'Server temporarily unavailable');
      case 'unable-to-lock-row':
        return this.fail(
          res,
          400,
          'UNABLE_TO_LOCK_ROW',
          'unable to obtain exclusive access to this record or 1 records: 0055g000003AbCdAAC',
        );
      case 'html':
        res.writeHead(200, { 'content-type': 'text/html' });
        return void res.end('<html><body>Service Unavailable</body></html>');
      case 'truncated':
        res.writeHead(201, { 'content-type': 'application/json;charset=UTF-8' });
        return void res.end('{"id":"0055g00000AbCdEAAS","success":tr');
      case 'no-id':
        return this.send(res, 201, { success: true, errors: [] });
      default:
        return this.fail(res, 500, 'UNKNOWN_EXCEPTION', `unknown fault ${String(fault)}`);
    }
  }

  /** Answers a body Salesforce would reject (unknown field, missing or bad value); true if it did. */
  private invalid(body: Json | null, res: http.ServerResponse, creating: boolean): boolean {
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      this.fail(res, 400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object');
      return true;
    }
    const unknown = Object.keys(body).find((name) => !WRITABLE.has(name));
    if (unknown) {
      this.fail(res, 400, 'INVALID_FIELD', `No such column '${unknown}' on sobject of type User`);
      return true;
    }
    const blank = (name: string) => body[name] === null || body[name] === '';
    const missing = REQUIRED_ON_CREATE.filter((name) =>
      creating ? !(name in body) || blank(name) : name in body && blank(name),
    );
    if (missing.length) {
      this.fail(
        res,
        400,
        'REQUIRED_FIELD_MISSING',
        `Required fields are missing: [${missing.join(', ')}]`,
        missing,
      );
      return true;
    }
    if (typeof body.Alias === 'string' && body.Alias.length > 8) {
      this.fail(
        res,
        400,
        'STRING_TOO_LONG',
        `Alias: data value too large: ${body.Alias} (max length=8)`,
        ['Alias'],
      );
      return true;
    }
    for (const name of ['Username', 'Email']) {
      if (typeof body[name] === 'string' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(body[name])) {
        const code = name === 'Email' ? 'INVALID_EMAIL_ADDRESS' : 'INVALID_NEW_USERNAME';
        this.fail(res, 400, code, `${name}: invalid format: ${body[name]}`, [name]);
        return true;
      }
    }
    return false;
  }

  private duplicate(username: unknown, self: string | null, res: http.ServerResponse): boolean {
    const holder = typeof username === 'string' ? this.byUsername(username) : undefined;
    if (!holder || holder.Id === self) return false;
    this.fail(
      res,
      400,
      'DUPLICATE_USERNAME',
      'Duplicate Username.<br>Another user has already selected this username.<br>Please select another.',
      ['Username'],
    );
    return true;
  }

  private create(body: Json | null, version: string, res: http.ServerResponse): void {
    if (this.invalid(body, res, true) || this.duplicate(body!.Username, null, res)) return;
    const id = this.seed(body!);
    this.send(
      res,
      201,
      { id, success: true, errors: [] },
      {
        location: `/services/data/v${version}/sobjects/User/${id}`,
      },
    );
  }

  private update(user: Json, body: Json | null, res: http.ServerResponse): void {
    if (this.invalid(body, res, false) || this.duplicate(body!.Username, user.Id, res)) return;
    Object.assign(user, body);
    this.send(res, 204, null);
  }

  private view(user: Json, version: string): Json {
    return {
      attributes: { type: 'User', url: `/services/data/v${version}/sobjects/User/${user.Id}` },
      ...user,
    };
  }

  /** Only `SELECT <fields> FROM User WHERE Username = '<escaped>'`, as the provisioner asks. */
  private query(url: URL, version: string, res: http.ServerResponse): void {
    const soql = url.searchParams.get('q') ?? '';
    const match =
      /^SELECT\s+([\w\s,]+?)\s+FROM\s+User\s+WHERE\s+Username\s*=\s*'((?:[^'\\]|\\.)*)'(?:\s+LIMIT\s+\d+)?$/i.exec(
        soql.trim(),
      );
    if (!match)
      return this.fail(
        res,
        400,
        'MALFORMED_QUERY',
        `unexpected token or unsupported query: ${soql}`,
      );
    const fields = match[1].split(',').map((f) => f.trim());
    const found = [...this.users.values()].filter((u) => u.Username === unescapeSoql(match[2]));
    const records = found.map((u) => {
      const view: Json = { attributes: this.view(u, version).attributes };
      for (const f of fields) view[f] = u[f] ?? null;
      return view;
    });
    this.send(res, 200, { totalSize: records.length, done: true, records });
  }
}
