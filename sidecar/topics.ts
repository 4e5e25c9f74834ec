// Every topic the sidecar reads or writes, made at start where the broker lacks it: Keycloak's
// event topics (a fresh broker has none until the first event is written), the sync topic and the
// dead-letter topics. While the broker cannot be reached the sidecar waits, one log line per
// attempt, rather than exiting with a stack trace.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka } from 'kafkajs';
import { logger } from '../src/common/logger';
import { consumedTopics, type KafkaConfig } from './config';

const log = logger('topics');
const MAX_WAIT_MS = 10_000;

export interface TopicSpec {
  topic: string;
  /** Absent: the broker's default (num.partitions). */
  numPartitions?: number;
}

/** The sidecar's topics: event topics and the sync topic sized for scale-out, dead letters default. */
export function sidecarTopics(config: KafkaConfig): TopicSpec[] {
  return [
    ...config.topics.map((topic) => ({ topic, numPartitions: config.topicPartitions })),
    { topic: config.syncTopic, numPartitions: config.syncPartitions },
    ...consumedTopics(config).map((topic) => ({ topic: `${topic}${config.dlqSuffix}` })),
  ];
}

/** Creates the missing topics; retries until the broker answers (or `signal` aborts). */
export async function ensureTopics(
  kafka: Kafka,
  specs: TopicSpec[],
  signal?: AbortSignal,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await createMissing(kafka, specs);
      return;
    } catch (error) {
      if (signal?.aborted) throw error;
      const waitMs = Math.min(MAX_WAIT_MS, 500 * 2 ** (attempt - 1));
      log.warn(
        { attempt, waitMs, reason: (error as Error).message },
        `cannot make sure of the Kafka topics yet (${(error as Error).message}); trying again in ${waitMs} ms`,
      );
      await sleep(waitMs, undefined, { signal }).catch(() => undefined);
    }
  }
}

async function createMissing(kafka: Kafka, specs: TopicSpec[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (!missing.length) return;
    // Another sidecar creating the same topic at the same moment is fine: kafkajs reports no error.
    await admin.createTopics({ topics: missing, waitForLeaders: true });
    log.info(
      { topics: missing.map((s) => `${s.topic} (${s.numPartitions ?? 'broker default'})`) },
      'created missing topics',
    );
  } finally {
    await admin.disconnect();
  }
}
