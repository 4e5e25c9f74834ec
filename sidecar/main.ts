// The sidecar process: `node dist/sidecar/main.js` consumes Keycloak events until SIGTERM/SIGINT,
// then finishes in-flight work, commits and exits (forced after 10 s).
// `node dist/sidecar/main.js replay <record id>...` re-runs failed provisioning records and exits.
// `node dist/sidecar/main.js sync <identity provider id> [--connector <id>] [--dry-run]` runs a sync
// to its end and shows its progress (sync/sync-cli.ts).
import { ApiError, ConfigError } from '../src/common/errors';
import { configureLogger, logger } from '../src/common/logger';
import { startSidecar } from './app';
import { runSyncCommand } from './sync/sync-cli';
import { loadSidecarConfig } from './config';
import { loadConfig } from '../src/config';
import { openCore } from '../src/core';
import { ProvisioningStatus } from '../src/provisioning/test-provisioning.types';

const STOP_WITHIN_MS = 9_500;

/** Prints one line of JSON per record and exits non-zero when any replay did not succeed. */
async function replay(ids: string[]): Promise<void> {
  const config = loadConfig();
  configureLogger(config.logLevel);
  const core = await openCore(config);
  try {
    const results = await core.services.replayer.replay(ids);
    for (const r of results) process.stdout.write(`${JSON.stringify(r)}\n`);
    process.exitCode = results.every((r) => r.status === ProvisioningStatus.SUCCEEDED) ? 0 : 2;
  } finally {
    await core.close();
  }
}

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  if (command === 'replay') return replay(args);
  if (command === 'sync') {
    process.exitCode = await runSyncCommand(args);
    return;
  }
  if (command)
    throw new ConfigError(
      `unknown command "${command}" (the commands are: replay <ids>, sync <identity provider id>)`,
    );
  const config = loadSidecarConfig();
  configureLogger(config.core.logLevel);
  const log = logger('sidecar');
  const sidecar = await startSidecar(config);
  log.info({ url: sidecar.url }, 'health and metrics listening');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: finishing in-flight events');
    setTimeout(() => {
      log.error('did not stop in time: exiting');
      process.exit(1);
    }, STOP_WITHIN_MS).unref();
    sidecar.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  const message =
    error instanceof ConfigError || error instanceof ApiError
      ? error.message
      : (error as Error).stack;
  process.stderr.write(`sidecar: ${message}\n`);
  process.exit(1);
});
