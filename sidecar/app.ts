// Assembles the sidecar: database and engine (shared with the API), Keycloak client, Kafka
// consumer, event handler, HTTP health and metrics. Used by main.ts and the tests.
import { openCore, type Core } from '../src/core';
import { logger } from '../src/common/logger';
import type { SidecarConfig } from './config';
import { createSidecarConsumer } from './consumer';
import { EventHandler } from './event-handler';
import { startSidecarHttp } from './http';
import { ConcurrencyLimit } from './keyed-scheduler';
import { createMetrics, type Metrics } from './metrics';

const log = logger('sidecar');

export interface Sidecar {
  core: Core;
  metrics: Metrics;
  url: string;
  isReady(): boolean;
  /** Finishes in-flight work, commits, disconnects, closes the database. */
  stop(): Promise<void>;
}

export async function startSidecar(config: SidecarConfig): Promise<Sidecar> {
  // The engine makes one call per round: a retry waits in the event handler, which holds no
  // concurrency slot while it waits, never inside the engine, which would hold one (a target
  // answering 429 with Retry-After: 30 would otherwise fill every slot for minutes).
  const core = await openCore({ ...config.core, retryAttempts: 1 });
  const keycloak = core.services.keycloak!;
  const metrics = createMetrics();
  const consumer = createSidecarConsumer(config.kafka, config.concurrency, metrics);
  const limit = new ConcurrencyLimit(config.concurrency);
  const handler = new EventHandler({
    engine: core.services.engine,
    keycloak,
    deadLetters: consumer.deadLetters,
    metrics,
    limit,
    retryForMs: config.retryForMs,
    retryBaseMs: config.core.retryBaseDelayMs,
  });
  const http = await startSidecarHttp(config.host, config.port, {
    dataSource: core.dataSource,
    kafkaReady: () => consumer.isReady(),
    deadLettersReady: () => consumer.deadLettersReady(),
    alive: () => consumer.isAlive(),
    metrics,
  });
  await consumer.start(
    (message, signal) => handler.handle(message, signal),
    () => handler.forgetRetries(),
  );
  log.info({ topics: config.kafka.topics, groupId: config.kafka.groupId }, 'sidecar consuming');
  return {
    core,
    metrics,
    url: http.url,
    isReady: () => consumer.isReady(),
    async stop() {
      await consumer.stop();
      await http.close();
      await core.close();
    },
  };
}
