// The dead-letter producer: `<topic><suffix>` topics made sure of at start, and sends that give up
// after a bounded number of tries. A dead letter that cannot be written fails its event, which is
// not committed and comes again, and the sidecar reports not-ready until a dead letter goes through.
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { logger } from '../src/common/logger';
import { consumedTopics, type KafkaConfig } from './config';
import { sourceOf, type DeadLetters } from './event-handler';

const log = logger('dead-letters');
/** After a dead letter failed, not ready until one is written or this long passes with no failure. */
const DOWN_AFTER_FAILURE_MS = 30_000;

export interface DeadLetterProducer extends DeadLetters {
  /** Connects and creates the dead-letter topics that do not exist yet. */
  start(): Promise<void>;
  /** Connected, and no dead letter failed lately without one written since. */
  isReady(): boolean;
  stop(): Promise<void>;
}

export function createDeadLetterProducer(kafka: Kafka, config: KafkaConfig): DeadLetterProducer {
  // Not idempotent: an idempotent producer must retry without end, which stalls the partition
  // behind one unwritable dead letter. A dead letter may then be written twice, never lost.
  const producer: Producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    // The topics are made at start; a topic deleted since is an operator's to restore.
    allowAutoTopicCreation: false,
    retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 3_000 },
  });
  let connected = false;
  let failedAt: number | null = null;
  producer.on(producer.events.CONNECT, () => (connected = true));
  producer.on(producer.events.DISCONNECT, () => (connected = false));
  const topics = consumedTopics(config).map((topic) => `${topic}${config.dlqSuffix}`);

  async function ensureTopics(): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((t) => !existing.has(t));
      // Partitions and replication as the broker's defaults say; a concurrent creation is fine.
      if (missing.length) await admin.createTopics({ topics: missing.map((topic) => ({ topic })) });
      if (missing.length) log.info({ topics: missing }, 'created dead-letter topics');
    } finally {
      await admin.disconnect();
    }
  }

  return {
    async start() {
      await ensureTopics();
      await producer.connect();
    },
    isReady: () =>
      connected && (failedAt === null || Date.now() - failedAt > DOWN_AFTER_FAILURE_MS),
    async send(message, letter) {
      try {
        await producer.send({
          topic: `${message.topic}${config.dlqSuffix}`,
          acks: -1,
          messages: [
            {
              key: message.key,
              value: message.value,
              headers: {
                'x-dlq-reason': letter.reason,
                'x-dlq-source': sourceOf(message),
                ...(letter.connectorId ? { 'x-dlq-connector-id': letter.connectorId } : {}),
              },
            },
          ],
        });
        failedAt = null;
      } catch (error) {
        failedAt = Date.now();
        log.error({ err: error, source: sourceOf(message) }, 'dead letter not written');
        throw error;
      }
    },
    stop: () => producer.disconnect(),
  };
}
