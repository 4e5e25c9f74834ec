// The Kafka side: a consumer group over the Keycloak topics. Each partition's batch goes through a
// KeyedScheduler (same key in order, different keys in parallel up to SIDECAR_CONCURRENCY across
// partitions); offsets are committed as far as everything before them is handled. Dead letters go
// to `<topic>.dlq` with the reason in headers (dead-letters.ts).
import { setMaxListeners } from 'node:events';
import {
  Kafka,
  logLevel,
  type Consumer,
  type ConsumerRunConfig,
  type EachBatchPayload,
  type KafkaConfig as KafkajsConfig,
} from 'kafkajs';
import { logger } from '../src/common/logger';
import { consumedTopics, type KafkaConfig } from './config';
import {
  messageWeight,
  orderingKeys,
  parseMessage,
  type ParsedMessage,
  retryWaitHooks,
  sourceOf,
  type ConsumedMessage,
  type DeadLetters,
} from './event-handler';
import { createDeadLetterProducer } from './dead-letters';
import { setTimeout as sleep } from 'node:timers/promises';
import { HandledOffsets } from './handled-offsets';
import { InHandLimit } from './in-hand';
import { KeyedScheduler, type KeyChains } from './keyed-scheduler';
import type { Metrics } from './metrics';

const log = logger('kafka');

/** How often a long batch reports progress: commits what is done and heartbeats. */
const PROGRESS_MS = 250;
/** How long a batch may hold an event that keeps retrying before the batch is handed back. */
const BATCH_HOLD_MS = 3_000;
/** Pause before a batch with unfinished events returns (they are fetched again right after). */
const REFETCH_PAUSE_MS = 500;
/** On stop, how long in-flight calls may take to finish before the consumer leaves anyway. */
const STOP_DRAIN_MS = 6_000;
/** After a crash kafkajs does not recover from, how long before the consumer is started again. */
const CRASH_RESTART_MS = 5_000;
/**
 * Objects in hand per SIDECAR_CONCURRENCY slot: four times what the event handler converges at
 * once, so the next pages' reads are ready when slots free up, and no more (see in-hand.ts).
 * A sync's pages get at least four pages' worth.
 */
const IN_HAND_PER_SLOT = 16;
const SYNC_PAGES_IN_HAND = 4;
/**
 * How long a batch of sync pages takes pages in. It then finishes what it holds and returns, so
 * the fetch round ends (kafkajs fetches again only when every batch of a round is done) and live
 * events fetched after it wait about that long; the rest of the pages come in the next round.
 */
const SYNC_TAKE_MS = 2_000;

export interface SidecarConsumer {
  deadLetters: DeadLetters;
  /** Consumer joined its group and dead letters can be written. */
  isReady(): boolean;
  /** The dead-letter producer is connected and its last dead letter was written. */
  deadLettersReady(): boolean;
  /** False once the consumer crashed for good. */
  isAlive(): boolean;
  /** `onRebalance` runs whenever the group (re)assigns partitions: per-partition memory is stale. */
  start(
    handle: (message: ParsedMessage, signal: AbortSignal) => Promise<boolean>,
    onRebalance?: () => void,
  ): Promise<void>;
  /** Abandons waiting retries, lets in-flight calls finish, commits, disconnects. */
  stop(): Promise<void>;
}

function kafkaLogger() {
  const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
    [logLevel.ERROR]: 'error',
    [logLevel.WARN]: 'warn',
    [logLevel.INFO]: 'info',
    [logLevel.DEBUG]: 'debug',
  };
  return () =>
    ({
      level,
      log: entry,
    }: {
      level: number;
      log: { message: string } & Record<string, unknown>;
    }) => {
      const { message, ...rest } = entry;
      log[levels[level] ?? 'info']({ kafkajs: rest }, message);
    };
}

/**
 * `waitsItself`: for a caller with its own wait and its own log line per attempt — kafkajs then
 * neither retries a failed connection nor logs it.
 */
export function createKafka(config: KafkaConfig, waitsItself = false): Kafka {
  const options: KafkajsConfig = {
    clientId: config.clientId,
    brokers: config.brokers,
    ssl: config.ssl,
    logLevel: waitsItself ? logLevel.NOTHING : logLevel.WARN,
    logCreator: kafkaLogger(),
    retry: waitsItself
      ? { retries: 0 }
      : { retries: 10, initialRetryTime: 300, maxRetryTime: 10_000 },
  };
  if (config.sasl) options.sasl = config.sasl;
  return new Kafka(options);
}

export function createSidecarConsumer(
  config: KafkaConfig,
  partitionsAtOnce: number,
  metrics: Metrics,
  syncPageSize: number,
): SidecarConsumer {
  const kafka = createKafka(config);
  const consumer: Consumer = kafka.consumer({
    groupId: config.groupId,
    // Keep batches moderate so a backlog does not sit in memory all at once.
    maxBytesPerPartition: 256 * 1024,
    // A member that died (SIGKILL) is noticed after this; its partitions then move.
    sessionTimeout: 10_000,
    maxWaitTimeInMs: 250,
    heartbeatInterval: 1_000,
  });
  const deadLetters = createDeadLetterProducer(kafka, config);
  const chains: KeyChains = new Map();
  const handled = new HandledOffsets();
  // Live events and a sync's pages each have a budget of their own: pages never take the events'
  // room (a fetch round can still hold events back: see SYNC_TAKE_MS).
  const eventsInHand = new InHandLimit(partitionsAtOnce * IN_HAND_PER_SLOT);
  const syncInHand = new InHandLimit(
    Math.max(partitionsAtOnce * IN_HAND_PER_SLOT, SYNC_PAGES_IN_HAND * syncPageSize),
  );
  const batchesInHand = new Set<Promise<void>>();
  const stopping = new AbortController();
  let joined = false;
  let crashed = false;
  // Alive again only once it has joined: a restart that crashes at once is not a recovery.
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
    crashed = false;
  });
  let runConfig: ConsumerRunConfig | null = null;
  // kafkajs gives up on some errors for good (after a long broker outage: "Failed to find group
  // coordinator"); the consumer is then started again here, until it runs or the sidecar stops.
  const restartAfterCrash = () => {
    setTimeout(() => {
      if (stopping.signal.aborted || !runConfig) return;
      consumer
        .connect()
        .then(() => consumer.run(runConfig!))
        .then(() => log.info('consumer started again after its crash'))
        .catch((error: unknown) => {
          log.warn(
            { err: error },
            `consumer could not start again; next try in ${CRASH_RESTART_MS} ms`,
          );
          restartAfterCrash();
        });
    }, CRASH_RESTART_MS).unref();
  };
  consumer.on(consumer.events.CRASH, (event) => {
    joined = false;
    if (!event.payload.restart) {
      // Not alive (/livez) until it runs again: an orchestrator may restart the process first.
      crashed = true;
      log.error(
        { err: event.payload.error },
        `consumer crashed and kafkajs will not restart it; starting it again in ${CRASH_RESTART_MS} ms`,
      );
      restartAfterCrash();
    }
  });
  consumer.on(consumer.events.DISCONNECT, () => (joined = false));

  return {
    deadLetters,
    isReady: () => joined && deadLetters.isReady(),
    deadLettersReady: () => deadLetters.isReady(),
    isAlive: () => !crashed,
    async start(handle, onRebalance) {
      consumer.on(consumer.events.GROUP_JOIN, () => {
        handled.clear();
        onRebalance?.();
      });
      await deadLetters.start();
      await consumer.connect();
      for (const topic of consumedTopics(config))
        await consumer.subscribe({ topic, fromBeginning: true });
      runConfig = {
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: Math.max(1, Math.min(partitionsAtOnce, 32)),
        eachBatch: async (payload) => {
          const done = runBatch(payload);
          batchesInHand.add(done);
          try {
            await done;
          } finally {
            batchesInHand.delete(done);
          }
        },
      };
      await consumer.run(runConfig);
      async function runBatch(payload: EachBatchPayload): Promise<void> {
        const { batch } = payload;
        const { topic, partition } = batch;
        metrics.lag.set({ topic, partition }, Number(batch.offsetLagLow()));
        // A rebalance (seen by the heartbeat) or shutdown abandons what has not started and the
        // retry waits, so the batch returns quickly and its partition can move.
        const batchAbort = new AbortController();
        const signal = AbortSignal.any([stopping.signal, batchAbort.signal]);
        setMaxListeners(0, signal); // every retry wait in the batch listens to this one signal
        // An event that keeps retrying must not hold the partition (kafkajs fetches no more until
        // this batch returns): once one has been at it for BATCH_HOLD_MS since its first wait, the
        // batch is handed back — what is done is committed, the rest comes again in the next fetch
        // and keeps its retry time. An event that retried and then ended no longer counts.
        const retryingSince = new Map<string, number>();
        retryWaitHooks.set(signal, {
          waiting: (offset) => {
            if (!retryingSince.has(offset)) retryingSince.set(offset, Date.now());
          },
          ended: (offset) => retryingSince.delete(offset),
        });
        const retryingTooLong = () => {
          for (const since of retryingSince.values())
            if (Date.now() - since > BATCH_HOLD_MS) return true;
          return false;
        };
        const scheduler = new KeyedScheduler(
          chains,
          async (item: { offset: string; key: string[]; message: ParsedMessage }) => {
            if (handled.has(topic, partition, item.offset)) return true;
            const ok = await handle(item.message, signal);
            if (ok) handled.add(topic, partition, item.offset);
            return ok;
          },
          (error, item) => {
            metrics.events.inc({ type: 'unknown', outcome: 'error' });
            log.error(
              { err: error, source: sourceOf(item.message) },
              'event failed; it will be fetched again',
            );
          },
        );
        let committed: string | null = null;
        const progress = async () => {
          const done = scheduler.committable();
          if (done === null || done === committed || payload.isStale()) return;
          payload.resolveOffset(done);
          await consumer.commitOffsets([
            { topic, partition, offset: (BigInt(done) + 1n).toString() },
          ]);
          committed = done;
          handled.committed(topic, partition, done);
          // Refreshed with every commit, not only when a batch arrives.
          const behind = BigInt(batch.highWatermark) - BigInt(done) - 1n;
          metrics.lag.set({ topic, partition }, Number(behind > 0n ? behind : 0n));
        };
        // Taken in one by one, in offset order, as the weight in hand allows. Once the batch is
        // abandoned (or a sync batch has taken pages in for SYNC_TAKE_MS) nothing more is: the
        // commit stops before the first message not taken in, which comes again in the next fetch.
        const all = (async () => {
          const sync = topic === config.syncTopic;
          const inHand = sync ? syncInHand : eventsInHand;
          const takeUntil = sync
            ? AbortSignal.any([signal, AbortSignal.timeout(SYNC_TAKE_MS)])
            : signal;
          const running: Promise<void>[] = [];
          for (const m of batch.messages) {
            const message: ConsumedMessage = {
              topic,
              partition,
              offset: m.offset,
              key: m.key,
              value: m.value,
            };
            const parsed = parseMessage(message);
            const release = await inHand.take(messageWeight(parsed), takeUntil);
            if (!release) {
              if (!signal.aborted)
                log.debug(
                  { topic, partition, taken: running.length, offset: m.offset },
                  `took sync pages in for ${SYNC_TAKE_MS / 1000} s: the rest comes in the next fetch`,
                );
              break;
            }
            try {
              const key = orderingKeys(parsed);
              running.push(
                scheduler.add({ offset: m.offset, key, message: parsed }).finally(release),
              );
            } catch (error) {
              release();
              throw error;
            }
          }
          await Promise.all(running);
        })();
        let finished = false;
        // A throw while taking in fails the batch below (the race), as it did before; this
        // chain only notices the end.
        const end = () => (finished = true);
        void all.then(end, end);
        while (!finished) {
          await Promise.race([all, new Promise((r) => setTimeout(r, PROGRESS_MS))]);
          await progress().catch((error: unknown) =>
            log.warn({ err: error, topic, partition }, 'commit failed'),
          );
          if (!signal.aborted && retryingTooLong()) {
            log.info(
              { topic, partition },
              `an event has retried for ${BATCH_HOLD_MS / 1000} s: batch handed back`,
            );
            batchAbort.abort();
          }
          await payload.heartbeat().catch((error: unknown) => {
            log.warn({ err: error, topic, partition }, 'heartbeat failed: leaving the batch');
            batchAbort.abort();
          });
        }
        await progress();
        // Something failed or is retrying and will be fetched again: not at once, in a tight loop.
        if (scheduler.incomplete && !stopping.signal.aborted) await sleep(REFETCH_PAUSE_MS);
      }
    },
    async stop() {
      // Abandon waits and unstarted events, and let the batches in hand commit while the consumer
      // still runs (kafkajs drops commits once it stops), then leave the group.
      stopping.abort();
      // The drain limit's timer must not keep the process alive once the batches are done.
      const limit = sleep(STOP_DRAIN_MS, undefined, { ref: false });
      await Promise.race([Promise.allSettled([...batchesInHand]), limit]);
      await consumer.disconnect();
      await deadLetters.stop();
    },
  };
}
