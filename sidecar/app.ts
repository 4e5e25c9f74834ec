// Assembles the sidecar: database and engine (shared with the API), Keycloak client, Kafka
// consumer, event handler, HTTP health and metrics. Used by main.ts and the tests.
import { openCore, type Core } from '../src/core';
import { logger } from '../src/common/logger';
import type { SidecarConfig } from './config';
import { createKafka, createSidecarConsumer } from './consumer';
import { SyncProgress } from './sync/sync-progress';
import { SyncRunner } from './sync/sync-runner';
import { EventHandler } from './event-handler';
import { startSidecarHttp } from './http';
import { ConcurrencyLimit } from './keyed-scheduler';
import { ensureTopics, sidecarTopics } from './topics';
import { createMetrics, type Metrics } from './metrics';

const log = logger('sidecar');

export interface Sidecar {
  core: Core;
  metrics: Metrics;
  url: string;
  isReady(): boolean;
  syncRunner: SyncRunner;
  /** Finishes in-flight work, commits, disconnects, closes the database. */
  stop(): Promise<void>;
}

/** Objects in hand per call to a target: enough for the reads and writes of many to share queries. */
const OBJECTS_PER_CALL = 4;

export async function startSidecar(config: SidecarConfig): Promise<Sidecar> {
  // The engine makes one call per round: a retry waits in the event handler, which holds no
  // concurrency slot while it waits, never inside the engine, which would hold one (a target
  // answering 429 with Retry-After: 30 would otherwise fill every slot for minutes).
  const targetCalls = new ConcurrencyLimit(config.concurrency);
  const core = await openCore({ ...config.core, retryAttempts: 1 }, { targetCalls });
  const keycloak = core.services.keycloak!;
  const metrics = createMetrics();
  const consumer = createSidecarConsumer(
    config.kafka,
    config.concurrency,
    metrics,
    config.sync.pageSize,
  );
  const objects = new ConcurrencyLimit(config.concurrency * OBJECTS_PER_CALL);
  const syncRunner = new SyncRunner({
    dataSource: core.dataSource,
    kafka: createKafka(config.kafka),
    kafkaConfig: config.kafka,
    config: config.sync,
    keycloak,
    syncs: core.services.syncs,
    metrics,
  });
  const handler = new EventHandler({
    engine: core.services.engine,
    convergence: core.services.convergence!,
    syncProgress: new SyncProgress(core.dataSource, metrics),
    keycloak,
    deadLetters: consumer.deadLetters,
    metrics,
    objects,
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
  // Every topic must exist before the consumer subscribes: a fresh broker has none.
  // While the broker is away ensureTopics waits, with one log line per attempt (kafkajs none).
  await ensureTopics(createKafka(config.kafka, true), sidecarTopics(config.kafka));
  await syncRunner.prepare();
  await consumer.start(
    (message, signal) => handler.handle(message, signal),
    () => handler.forgetRetries(),
  );
  syncRunner.start();
  log.info({ topics: config.kafka.topics, groupId: config.kafka.groupId }, 'sidecar consuming');
  let stopped: Promise<void> | null = null;
  return {
    core,
    metrics,
    url: http.url,
    isReady: () => consumer.isReady(),
    syncRunner,
    // Once, however often it is asked (a signal and a test's cleanup may both ask).
    stop() {
      stopped ??= (async () => {
        await syncRunner.stop();
        await consumer.stop();
        await http.close();
        await core.close();
      })();
      return stopped;
    },
  };
}
