// What the API and the sidecar share: the database (migrated) and the services over it.
import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import type { Config } from './config';
import { ConnectorTypeRegistry } from './connector-types/registry';
import { openDatabase } from './db/data-source';
import { startLogRetention } from './provisioning/log-retention';
import { openSecretBox } from './secrets-key';
import { createServices, type CoreOptions, type Services } from './services';

export interface Core {
  dataSource: DataSource;
  services: Services;
  /** Waits for queued provisioning-log writes, then closes the database. */
  close(): Promise<void>;
}

export async function openCore(config: Config, options: CoreOptions = {}): Promise<Core> {
  const registry = ConnectorTypeRegistry.fromModules(config.connectorModules);
  const dataSource = await openDatabase(config.database);
  const secretBox = await openSecretBox(config, dataSource).catch(async (error: unknown) => {
    await dataSource.destroy();
    throw error;
  });
  const services = createServices(dataSource, registry, secretBox, config, options);
  const stopLogRetention = startLogRetention(dataSource, config.logRetention);
  const stopAuditRetention = services.audit.startRetention(
    config.auditRetentionDays,
    config.logRetention.everyMs,
  );
  return {
    dataSource,
    services,
    async close() {
      await Promise.all([stopLogRetention(), stopAuditRetention()]);
      await services.provisioningLog.drain();
      await services.closeConnections();
      await dataSource.destroy();
    },
  };
}
