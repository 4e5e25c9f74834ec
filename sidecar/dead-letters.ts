// The dead-letter producer: `<topic><suffix>` topics (made at start, topics.ts), and sends that give up
// after a bounded number of tries. A dead letter that cannot be written fails its event, which is
// not committed and comes again, and the sidecar reports not-ready until a dead letter goes through.
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { logger } from '../src/common/logger';
import type { KafkaConfig } from './config';
import { sourceOf, type DeadLetters } from './event-handler';

const log = logger('dead-letters');
/** After a dead letter failed, not ready until one is written or this long passes with no failure. */
const DOWN_AFTER_FAILURE_MS = 30_000;

export interface DeadLetterProducer extends DeadLetters {
  /** Connects (the topics are made at start: see topics.ts). */
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

  return {
    async start() {
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
