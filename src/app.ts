// Assembles the API from a config: database (migrated), services, schema, Apollo and HTTP server.
// Used by main.ts, the tests and the benchmark.
import 'reflect-metadata';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createAuthenticator } from './auth/authenticator';
import { logger } from './common/logger';
import { SecretBox } from './common/secrets';
import type { Config } from './config';
import { ConnectorTypeRegistry } from './connector-types/registry';
import { openDatabase } from './db/data-source';
import { createApollo } from './graphql/apollo';
import { loadGraphiqlAssets } from './graphql/graphiql';
import { createSchema } from './graphql/schema';
import { createHttpServer } from './http/http-server';
import { createServices, type Services } from './services';

const log = logger('app');

export interface App {
  server: http.Server;
  dataSource: DataSource;
  services: Services;
  url: string;
  close(): Promise<void>;
}

/** SECRETS_KEY, else (embedded SQLite only) a key generated once into the data folder. */
export function resolveSecretsKey(config: Config): Buffer {
  if (config.secretsKey) return config.secretsKey;
  const file = path.resolve(config.dataDir, 'secrets.key');
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600 });
    log.warn(
      { file },
      'SECRETS_KEY is not set: generated a key file for the embedded database; back it up or set SECRETS_KEY',
    );
  }
  chmodSync(file, 0o600);
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
}

export async function startApp(config: Config): Promise<App> {
  const secretBox = new SecretBox(resolveSecretsKey(config));
  const registry = ConnectorTypeRegistry.fromModules(config.connectorModules);
  const dataSource = await openDatabase(config.database);
  const services = createServices(dataSource, registry, secretBox, config);
  const apollo = createApollo(await createSchema(services), config);
  await apollo.start();
  const server = createHttpServer({
    apollo,
    authenticate: createAuthenticator(config),
    dataSource,
    assets: loadGraphiqlAssets(),
    maxRequestBytes: config.maxRequestBytes,
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
      await services.provisioningLog.drain();
      await dataSource.destroy();
    },
  };
}
