// The sidecar process: `node dist/sidecar/main.js` consumes Keycloak events until SIGTERM/SIGINT,
// then finishes in-flight work, commits and exits (forced after 10 s).
import { ConfigError } from '../src/common/errors';
import { configureLogger, logger } from '../src/common/logger';
import { startSidecar } from './app';
import { loadSidecarConfig } from './config';

const STOP_WITHIN_MS = 9_500;

async function main(): Promise<void> {
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
  const message = error instanceof ConfigError ? error.message : (error as Error).stack;
  process.stderr.write(`sidecar: ${message}\n`);
  process.exit(1);
});
