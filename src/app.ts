// Assembles the API from a config: database (migrated), services, schema, Apollo and HTTP server.
// Used by main.ts, the tests and the benchmark.
import 'reflect-metadata';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DataSource } from 'typeorm';
import { createAuthenticator } from './auth/authenticator';
import { logger } from './common/logger';
import type { Config } from './config';
import { createApollo } from './graphql/apollo';
import { loadGraphiqlAssets } from './graphql/graphiql';
import { createSchema, printSdl } from './graphql/schema';
import { createHttpServer } from './http/http-server';
import { openCore } from './core';
import type { Services } from './services';

const log = logger('app');

export interface App {
  server: http.Server;
  dataSource: DataSource;
  services: Services;
  url: string;
  close(): Promise<void>;
}

export async function startApp(config: Config): Promise<App> {
  const core = await openCore(config);
  const { dataSource, services } = core;
  const schema = await createSchema(services);
  const authRequired = Boolean(config.apiToken || config.oidc);
  const apollo = createApollo(schema, { ...config, authRequired });
  await apollo.start();
  const server = createHttpServer({
    apollo,
    authenticate: createAuthenticator(config),
    dataSource,
    assets: loadGraphiqlAssets(),
    maxRequestBytes: config.maxRequestBytes,
    loopbackOnly: !config.apiToken && !config.oidc,
    sdl: config.introspection ? printSdl(schema) : null,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':')
    ? `[${config.host}]`
    : config.host === '0.0.0.0'
      ? '127.0.0.1'
      : config.host;
  if (!config.apiToken && !config.oidc) {
    log.warn(
      { host: config.host },
      'no authentication configured (API_TOKEN or OIDC_ISSUER): listening on loopback only',
    );
  }
  return {
    server,
    dataSource,
    services,
    url: `http://${host}:${port}/graphql`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await apollo.stop();
      await core.close();
    },
  };
}
