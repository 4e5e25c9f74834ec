// What the API and the sidecar share: the database (migrated) and the services over it.
import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { logger } from './common/logger';
import { SecretBox } from './common/secrets';
import type { Config } from './config';
import { ConnectorTypeRegistry } from './connector-types/registry';
import { openDatabase } from './db/data-source';
import { createServices, type Services } from './services';

const log = logger('core');

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

export interface Core {
  dataSource: DataSource;
  services: Services;
  /** Waits for queued provisioning-log writes, then closes the database. */
  close(): Promise<void>;
}

export async function openCore(config: Config): Promise<Core> {
  const secretBox = new SecretBox(resolveSecretsKey(config));
  const registry = ConnectorTypeRegistry.fromModules(config.connectorModules);
  const dataSource = await openDatabase(config.database);
  const services = createServices(dataSource, registry, secretBox, config);
  return {
    dataSource,
    services,
    async close() {
      await services.provisioningLog.drain();
      await services.closeConnections();
      await dataSource.destroy();
    },
  };
}
