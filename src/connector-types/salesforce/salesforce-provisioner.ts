// Provisions users to Salesforce through jsforce: one OAuth2 username-password login, cached and
// renewed once on INVALID_SESSION_ID; a create that meets DUPLICATE_USERNAME adopts the user found
// by SOQL; a delete deactivates. Every failure is a ConnectorError and jsforce never retries.
// (jsforce/core is the REST client without the Bulk, Metadata and SOAP modules.)
import {
  Connection,
  OAuth2,
  StreamPromise,
  type HttpRequest,
  type HttpResponse,
} from 'jsforce/core';
import { Transport } from 'jsforce/lib/transport';
import { ConnectorError, isRetriableStatus } from '../../common/connector-error';
import { parseRetryAfter } from '../../common/http';
import { logger } from '../../common/logger';
import { stateOf } from '../target-state';
import type { ProvisioningUser } from '../../provisioning/claims';
import type { Provisioner, ProvisionerContext, RemoteRef } from '../connector-type';
import { text } from '../field-values';
import {
  DEFAULT_API_VERSION,
  DEFAULT_TOKEN_ENDPOINT,
  normalizeApiVersion,
  salesforceFields,
} from './salesforce.connector-type';

const log = logger('salesforce');

/** Salesforce error codes that mean "try again later" whatever the HTTP status. */
const RETRIABLE_CODES = new Set([
  'REQUEST_LIMIT_EXCEEDED',
  'UNABLE_TO_LOCK_ROW',
  'SERVER_UNAVAILABLE',
]);
const INVALID_SESSION = 'SALESFORCE_INVALID_SESSION_ID';

function target(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

/** A SOQL string literal: backslash, quotes and control characters escaped. */
export function soqlString(value: string): string {
  const escaped = value
    .replace(/[\\'"]/g, '\\$&')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t');
  return `'${escaped}'`;
}

function parseBody(req: HttpRequest, res: HttpResponse): unknown {
  if (!res.body) return null;
  try {
    return JSON.parse(res.body) as unknown;
  } catch (cause) {
    const type = res.headers['content-type'] ?? 'no content type';
    throw new ConnectorError(
      `${req.method} ${target(req.url)} answered HTTP ${res.statusCode}: the response body is not JSON (${type}, ${res.body.length} bytes)`,
      'INVALID_RESPONSE',
      isRetriableStatus(res.statusCode),
      res.statusCode,
      { cause },
    );
  }
}

/** Salesforce's `[{ message, errorCode, fields }]`, OAuth's `{ error, error_description }`, or the status. */
function errorFor(req: HttpRequest, res: HttpResponse, body: unknown): ConnectorError {
  const status = res.statusCode;
  const where = `${req.method} ${target(req.url)} answered HTTP ${status}`;
  const options = {
    cause: body,
    retryAfterMs: parseRetryAfter(res.headers['retry-after'] ?? null),
  };
  const first = (Array.isArray(body) ? body[0] : null) as Record<string, unknown> | null;
  if (typeof first?.errorCode === 'string') {
    const fields =
      Array.isArray(first.fields) && first.fields.length ? ` [${first.fields.join(', ')}]` : '';
    return new ConnectorError(
      `${where}: ${first.errorCode}: ${String(first.message)}${fields}`,
      `SALESFORCE_${first.errorCode}`,
      RETRIABLE_CODES.has(first.errorCode) || isRetriableStatus(status),
      status,
      options,
    );
  }
  const oauth = body as { error?: unknown; error_description?: unknown } | null;
  if (typeof oauth?.error === 'string') {
    return new ConnectorError(
      `Salesforce login at ${target(req.url)} failed with HTTP ${status}: ${oauth.error} (${String(oauth.error_description)}); check the username, the password followed by the security token, and the connected app's client id and secret`,
      `SALESFORCE_${oauth.error.toUpperCase()}`,
      isRetriableStatus(status),
      status,
      options,
    );
  }
  return new ConnectorError(where, `HTTP_${status}`, isRetriableStatus(status), status, options);
}

function transportError(req: HttpRequest, cause: unknown, timeoutMs: number): ConnectorError {
  if (cause instanceof ConnectorError) return cause;
  const error = cause as Error | null;
  // jsforce aborts the fetch (AbortError) at its timeout, or says "Request Timeout" in a race.
  if (error?.name === 'AbortError' || error?.message === 'Request Timeout') {
    return new ConnectorError(
      `no answer from ${target(req.url)} within ${timeoutMs} ms`,
      'TIMEOUT',
      true,
      null,
      { cause },
    );
  }
  return new ConnectorError(
    `cannot reach ${target(req.url)}: ${error?.message ?? String(cause)}`,
    'NETWORK_ERROR',
    true,
    null,
    { cause },
  );
}

/**
 * jsforce 3.10.16 has no per-connection timeout or retry setting, but its fetch wrapper takes both
 * from the options a Transport passes on; this one sets them (no retries) and turns every answer
 * that is not a JSON success into a ConnectorError while the status and headers are still known.
 */
class ProvisioningTransport extends Transport {
  constructor(private readonly timeoutMs: number) {
    super();
  }

  override httpRequest(req: HttpRequest): StreamPromise<HttpResponse> {
    const sent = super.httpRequest(req, {
      timeout: this.timeoutMs,
      retry: { maxRetries: 0, methods: [] },
      // jsforce would re-send the session's Authorization header to any Location, on any host.
      followRedirect: false,
    });
    const checked = sent.then(
      (res) => {
        if (res.statusCode >= 300 && res.statusCode < 400) throw redirectError(req, res);
        const body = parseBody(req, res);
        if (res.statusCode >= 400) throw errorFor(req, res, body);
        return res;
      },
      (cause: unknown) => {
        throw transportError(req, cause, this.timeoutMs);
      },
    );
    return StreamPromise.create(() => ({ stream: sent.stream(), promise: checked }));
  }
}

function redirectError(req: HttpRequest, res: HttpResponse): ConnectorError {
  return new ConnectorError(
    `${req.method} ${target(req.url)}: Salesforce answered ${res.statusCode} (a redirect); redirects are not followed, so credentials stay at the configured address`,
    `HTTP_${res.statusCode}`,
    false,
    res.statusCode,
  );
}

function isCode(error: unknown, ...codes: string[]): error is ConnectorError {
  return error instanceof ConnectorError && codes.includes(error.code);
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

export function createSalesforceProvisioner(context: ProvisionerContext): Provisioner {
  const { config, secrets } = context;
  const transport = new ProvisioningTransport(context.timeoutMs);
  const tokenEndpoint = text(config, 'tokenEndpoint') ?? DEFAULT_TOKEN_ENDPOINT;
  const version = normalizeApiVersion(text(config, 'apiVersion') ?? DEFAULT_API_VERSION).slice(1);
  let session: Promise<Connection> | null = null;

  async function logIn(): Promise<Connection> {
    // Given both URLs, jsforce posts to tokenServiceUrl as configured instead of deriving it.
    const oauth2 = new OAuth2({
      clientId: text(config, 'clientId'),
      clientSecret: secrets.clientSecret,
      tokenServiceUrl: tokenEndpoint,
      authzServiceUrl: `${new URL(tokenEndpoint).origin}/services/oauth2/authorize`,
    });
    oauth2._transport = transport;
    const token = await oauth2.authenticate(text(config, 'username') ?? '', secrets.password ?? '');
    if (typeof token?.access_token !== 'string' || !token.access_token) {
      throw new ConnectorError(
        `Salesforce login at ${target(tokenEndpoint)} answered without an access_token`,
        'INVALID_RESPONSE',
        false,
      );
    }
    // The access token goes only to the configured Domain Name, never to the instance_url the
    // token endpoint names: an address nobody entered must not receive a session.
    const instanceUrl = (text(config, 'domainName') ?? '').replace(/\/+$/, '');
    if (token.instance_url && originOf(token.instance_url) !== originOf(instanceUrl)) {
      log.warn(
        { instanceUrl: token.instance_url, domainName: instanceUrl },
        'Salesforce login named another instance_url than the configured Domain Name; the session is used only at the Domain Name',
      );
    }
    // No oauth2 client on the Connection, so jsforce's own 401 refresh stays off; call() does it.
    const conn = new Connection({
      instanceUrl,
      accessToken: token.access_token,
      version,
    });
    conn._transport = transport;
    return conn;
  }

  function connection(): Promise<Connection> {
    if (session) return session;
    const attempt = logIn();
    session = attempt;
    attempt.catch(() => {
      if (session === attempt) session = null;
    });
    return attempt;
  }

  /** One REST request, at the connector's pace; a 429 or Retry-After pauses the connector. */
  async function paced<T>(conn: Connection, task: (conn: Connection) => Promise<T>): Promise<T> {
    await context.pace.beforeRequest();
    try {
      return await task(conn);
    } catch (error) {
      if (error instanceof ConnectorError)
        context.pace.afterResponse(error.status, error.retryAfterMs);
      throw error;
    }
  }

  /** Runs `task` on the cached session; after INVALID_SESSION_ID, logs in again once and retries. */
  async function call<T>(task: (conn: Connection) => Promise<T>): Promise<T> {
    const used = connection();
    try {
      return await paced(await used, task);
    } catch (error) {
      if (!isCode(error, INVALID_SESSION)) throw error;
      if (session === used) session = null; // else another call has renewed it already
      return paced(await connection(), task);
    }
  }

  const fieldsOf = (user: ProvisioningUser) =>
    salesforceFields({
      user,
      config,
      claimMappings: context.claimMappings,
      identityProviderName: context.identityProviderName,
    });

  /** `extra` goes under the mapped fields, which win. */
  async function update(
    remoteId: string,
    user: ProvisioningUser,
    extra: Record<string, boolean> = {},
  ): Promise<RemoteRef> {
    const fields = fieldsOf(user);
    await call((conn) => conn.sobject('User').update({ ...extra, ...fields, Id: remoteId }));
    return { remoteId, remoteName: String(fields.Username) };
  }

  async function findUserId(username: string): Promise<string | null> {
    const soql = `SELECT Id FROM User WHERE Username = ${soqlString(username)}`;
    const records = await call(async (conn) => (await conn.query<{ Id: string }>(soql)).records);
    return records[0]?.Id ?? null;
  }

  return {
    async createUser(user) {
      const fields = fieldsOf(user);
      const username = String(fields.Username);
      let created: { id?: unknown };
      try {
        created = await call((conn) => conn.sobject('User').create(fields));
      } catch (error) {
        if (!isCode(error, 'SALESFORCE_DUPLICATE_USERNAME')) throw error;
        const existing = await findUserId(username);
        // A create means the user should be active, even one deactivated by an earlier delete.
        if (existing) return update(existing, user, { IsActive: true });
        throw new ConnectorError(
          `${error.message}; no user "${username}" in this org to adopt (Salesforce usernames are unique across all orgs)`,
          error.code,
          false,
          error.status,
          { cause: error },
        );
      }
      if (typeof created.id !== 'string' || !created.id) {
        throw new ConnectorError(
          'create user: Salesforce answered without a resource id',
          'INVALID_RESPONSE',
          false,
        );
      }
      return { remoteId: created.id, remoteName: username };
    },
    updateUser: (remoteId, user) => update(remoteId, user),
    async compareUser(remoteId, user) {
      let record: unknown;
      try {
        record = await call((conn) => conn.sobject('User').retrieve(remoteId));
      } catch (error) {
        if (isCode(error, 'SALESFORCE_NOT_FOUND', 'SALESFORCE_ENTITY_IS_DELETED', 'HTTP_404'))
          return 'gone';
        throw error;
      }
      // A user deactivated at the target (Salesforce's delete) that Keycloak has active is changed.
      const fields = fieldsOf(user);
      return stateOf({ IsActive: true, ...fields }, record);
    },
    async deleteUser(remoteId) {
      // Salesforce users cannot be deleted; deactivating one already inactive succeeds.
      try {
        await call((conn) => conn.sobject('User').update({ Id: remoteId, IsActive: false }));
      } catch (error) {
        if (isCode(error, 'SALESFORCE_NOT_FOUND', 'SALESFORCE_ENTITY_IS_DELETED', 'HTTP_404'))
          return;
        throw error;
      }
    },
  };
}
