// The API's HTTP server: /graphql (Apollo, with GraphiQL for browsers), its local assets,
// /healthz and /readyz. Authentication runs before any GraphQL work.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import bodyParser from 'body-parser';
import type { DataSource } from 'typeorm';
import { ApiError } from '../common/errors';
import { logger } from '../common/logger';
import type { Authenticator } from '../auth/authenticator';
import type { GraphqlContext } from '../graphql/apollo';
import { ASSET_PREFIX, type Asset } from '../graphql/graphiql';

const log = logger('http');

interface HttpDeps {
  apollo: ApolloServer<GraphqlContext>;
  authenticate: Authenticator;
  dataSource: DataSource;
  assets: Map<string, Asset>;
  maxRequestBytes: number;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function wantsLandingPage(req: IncomingMessage, search: string): boolean {
  return (
    req.method === 'GET' &&
    (req.headers.accept ?? '').includes('text/html') &&
    !/[?&]query=/.test(search)
  );
}

async function handleGraphql(
  deps: HttpDeps,
  req: IncomingMessage & { body?: unknown },
  res: ServerResponse,
  search: string,
) {
  let principal: GraphqlContext['principal'];
  if (!wantsLandingPage(req, search)) {
    try {
      principal = await deps.authenticate(req.headers.authorization);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const status = error.code === 'FORBIDDEN' ? 403 : 401;
      sendJson(res, status, {
        errors: [{ message: error.message, extensions: { code: error.code } }],
      });
      return;
    }
  }
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const response = await deps.apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: req.method!.toUpperCase(), headers, search, body: req.body },
    context: async () => ({ principal }),
  });
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

async function readiness(deps: HttpDeps, res: ServerResponse) {
  try {
    await deps.dataSource.query('SELECT 1');
    sendJson(res, 200, { status: 'ready', database: 'up' });
  } catch (error) {
    sendJson(res, 503, { status: 'not ready', database: (error as Error).message });
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
    if (url.pathname !== '/graphql')
      return sendJson(res, 404, { error: 'not found: the API is at /graphql' });
    parseJson(req, res, (error?: unknown) => {
      if (error) return fail(error);
      handleGraphql(deps, req, res, url.search).catch(fail);
    });
  });
}
