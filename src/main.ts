// API entry point: config → database → GraphQL server; exits non-zero with the reason on bad config.
import 'reflect-metadata';
import { startApp } from './app';
import { ConfigError } from './common/errors';
import { configureLogger } from './common/logger';
import { loadConfig } from './config';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = configureLogger(config.logLevel);
  const app = await startApp(config);
  log.info(
    { url: app.url, database: config.database.type },
    `GraphQL API and GraphiQL at ${app.url}`,
  );
  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`configuration error: ${error.message}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
