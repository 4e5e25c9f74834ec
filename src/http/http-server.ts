// The API's HTTP server: /graphql (Apollo, with GraphiQL for browsers), its local assets, the SDL
// at /graphql/schema.graphql, /healthz and /readyz. Authentication runs before any GraphQL work.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import { HeaderMap, type HTTPGraphQLResponse } from '@apollo/server';
import bodyParser from 'body-parser';
import type { DataSource } from 'typeorm';
import { ApiError } from '../common/errors';
import { logger } from '../common/logger';
import type { Authenticator } from '../auth/authenticator';
import type { GraphqlContext } from '../graphql/apollo';
import { ASSET_PREFIX, type Asset } from '../graphql/graphiql';
import { loopbackRefusal } from './loopback-guard';

const log = logger('http');

interface HttpDeps {
  apollo: ApolloServer<GraphqlContext>;
  authenticate: Authenticator;
  dataSource: DataSource;
  assets: Map<string, Asset>;
  maxRequestBytes: number;
  /** No authentication configured: only loopback hosts and origins are answered. */
  loopbackOnly: boolean;
  /** The schema as SDL, served to authenticated callers; null with GRAPHQL_INTROSPECTION=false. */
  sdl: string | null;
}

export const SDL_PATH = '/graphql/schema.graphql';

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function headerMap(req: IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

async function send(res: ServerResponse, response: HTTPGraphQLResponse): Promise<void> {
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

/**
 * GraphiQL's page, for a caller without valid credentials. Apollo itself decides whether it serves
 * the page (a GET that prefers text/html), but it is handed the request without its query string
 * and body, so whatever it decides, no operation can run. Null when it would not serve the page.
 */
async function landingPage(deps: HttpDeps, req: IncomingMessage) {
  if (req.method !== 'GET') return null;
  const response = await deps.apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: 'GET', headers: headerMap(req), search: '', body: undefined },
    context: () => Promise.reject(new Error('the landing page runs no operation')),
  });
  return response.headers.get('content-type')?.startsWith('text/html') ? response : null;
}

async function handleGraphql(
  deps: HttpDeps,
  req: IncomingMessage & { body?: unknown },
  res: ServerResponse,
  search: string,
) {
  let principal: GraphqlContext['principal'];
  try {
    principal = await deps.authenticate(req.headers.authorization);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const page = await landingPage(deps, req);
    if (page) return send(res, page);
    return refuse(res, error);
  }
  const response = await deps.apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: {
      method: req.method!.toUpperCase(),
      headers: headerMap(req),
      search,
      body: req.body,
    },
    context: async () => ({ principal, sourceAddress: req.socket.remoteAddress ?? null }),
  });
  await send(res, response);
}

/** 401 or 403 for a caller the authenticator refused, as GraphQL errors. */
function refuse(res: ServerResponse, error: ApiError): void {
  sendJson(res, error.code === 'FORBIDDEN' ? 403 : 401, {
    errors: [{ message: error.message, extensions: { code: error.code } }],
  });
}

/** The SDL, for tools that prefer a file to introspection; behind the same authentication. */
async function serveSdl(deps: HttpDeps, req: IncomingMessage, res: ServerResponse) {
  try {
    await deps.authenticate(req.headers.authorization);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return refuse(res, error);
  }
  if (deps.sdl === null)
    return sendJson(res, 404, {
      error: 'the schema is not served: introspection is turned off (GRAPHQL_INTROSPECTION=false)',
    });
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(deps.sdl);
}

async function readiness(deps: HttpDeps, res: ServerResponse) {
  try {
    await deps.dataSource.query('SELECT 1');
    sendJson(res, 200, { status: 'ready', database: 'up' });
  } catch (error) {
    // Up or down only: the driver's message names hosts, users and schemas.
    log.warn({ err: error }, 'readiness: database unreachable');
    sendJson(res, 503, { status: 'not ready', database: 'down' });
  }
}

export function createHttpServer(deps: HttpDeps): http.Server {
  const parseJson = bodyParser.json({ limit: deps.maxRequestBytes });
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const fail = (error: unknown) => {
      const status = (error as { status?: number }).status ?? 500;
      if (status >= 500) log.error({ err: error }, 'request failed');
      if (!res.headersSent)
        sendJson(res, status, {
          errors: [
            {
              message:
                status === 413
                  ? `request body exceeds ${deps.maxRequestBytes} bytes`
                  : status >= 500
                    ? 'Internal server error'
                    : (error as Error).message,
              extensions: { code: status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST' },
            },
          ],
        });
    };
    const refusal = deps.loopbackOnly ? loopbackRefusal(req) : null;
    if (refusal) {
      return sendJson(res, 403, {
        errors: [{ message: refusal, extensions: { code: 'FORBIDDEN' } }],
      });
    }
    if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (url.pathname === '/readyz') return void readiness(deps, res);
    if (req.method === 'GET' && url.pathname.startsWith(ASSET_PREFIX)) {
      const asset = deps.assets.get(url.pathname.slice(ASSET_PREFIX.length));
      if (!asset) return sendJson(res, 404, { error: 'not found' });
      res.writeHead(200, {
        'content-type': asset.contentType,
        'cache-control': 'public, max-age=86400',
      });
      return void res.end(asset.body);
    }
    if (req.method === 'GET' && url.pathname === SDL_PATH)
      return void serveSdl(deps, req, res).catch(fail);
    if (url.pathname !== '/graphql')
      return sendJson(res, 404, { error: 'not found: the API is at /graphql' });
    parseJson(req, res, (error?: unknown) => {
      if (error) return fail(error);
      handleGraphql(deps, req, res, url.search).catch(fail);
    });
  });
}
