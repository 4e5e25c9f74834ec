// Helpers for tests against the real Kafka broker that scripts/kafka.sh runs (KRaft, one node on
// 127.0.0.1:19092 by default; npm test starts it and exports KAFKA_BROKERS). A missing or
// unreachable broker fails loudly with the command that fixes it.
//
// stopBroker/startBroker/restartBroker drive scripts/kafka.sh for fault tests. They keep the data
// dir, so topics and committed offsets survive. They disturb every other test that uses the broker
// at that moment, so such tests belong in a file whose tests don't run alongside other Kafka tests.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import {
  Kafka,
  logLevel,
  Partitioners,
  type Consumer,
  type Message,
  type Producer,
  type RecordMetadata,
} from 'kafkajs';

const START_HINT = 'run scripts/kafka.sh start (npm test does it for you)';
const KAFKA_SCRIPT = path.resolve(__dirname, '../../scripts/kafka.sh');

/** KAFKA_BROKERS split into host:port entries; throws when it is unset. No network. */
export function brokerList(): string[] {
  const brokers = (process.env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (brokers.length === 0) {
    throw new Error(`KAFKA_BROKERS is not set: no Kafka broker for this test; ${START_HINT}`);
  }
  return brokers;
}

function hostAndPort(broker: string): { host: string; port: number } {
  const at = broker.lastIndexOf(':');
  const port = Number(broker.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port)) {
    throw new Error(`KAFKA_BROKERS entry "${broker}" is not host:port`);
  }
  return { host: broker.slice(0, at).replace(/^\[|\]$/g, ''), port };
}

function tcpReachable(host: string, port: number, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (error: string | null) => {
      socket.destroy();
      resolve(error);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs} ms`));
    socket.once('connect', () => done(null));
    socket.once('error', (error) => done(error.message));
  });
}

/** The brokers from KAFKA_BROKERS, after checking that the first one accepts connections. */
export async function kafkaBrokers(): Promise<string[]> {
  const brokers = brokerList();
  const { host, port } = hostAndPort(brokers[0]);
  const error = await tcpReachable(host, port, 3000);
  if (error) {
    throw new Error(`Kafka is not reachable at ${brokers[0]} (${error}); ${START_HINT}`);
  }
  return brokers;
}

function clientLogLevel(): logLevel {
  // kafkajs logs every refused connection at ERROR, which is noise in broker-restart tests.
  // KAFKA_TEST_LOG_LEVEL=warn|info|debug shows its logs when a test needs looking into.
  const levels: Record<string, logLevel> = {
    error: logLevel.ERROR,
    warn: logLevel.WARN,
    info: logLevel.INFO,
    debug: logLevel.DEBUG,
  };
  return levels[(process.env.KAFKA_TEST_LOG_LEVEL ?? '').toLowerCase()] ?? logLevel.NOTHING;
}

/** A kafkajs client for the test broker. */
export async function testKafka(clientId = 'test'): Promise<Kafka> {
  return new Kafka({
    clientId,
    brokers: await kafkaBrokers(),
    logLevel: clientLogLevel(),
    connectionTimeout: 3000,
    retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5000 },
  });
}

let counter = 0;
function uniqueName(kind: string, prefix: string): string {
  const clean = prefix.replace(/[^a-zA-Z0-9._-]/g, '-').slice(0, 80) || kind;
  counter += 1;
  return `${clean}-${process.pid}-${counter}-${randomBytes(3).toString('hex')}`;
}

/** A topic name no other test (nor an earlier run against a kept data dir) uses. */
export function uniqueTopic(prefix = 'topic'): string {
  return uniqueName('topic', prefix);
}

/** A consumer group id no other test uses. */
export function uniqueGroup(prefix = 'group'): string {
  return uniqueName('group', prefix);
}

/** Creates a topic (replication factor 1) and waits until every partition has a leader. */
export async function createTopic(topic: string, partitions = 1): Promise<void> {
  const admin = (await testKafka('test-admin')).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}

/** A connected producer (Java-compatible murmur2 partitioner, acks from all in-sync replicas). */
export async function connectProducer(clientId = 'test-producer'): Promise<Producer> {
  // Idempotent, as the sidecar's own producer: a send retried after a broker restart (its first
  // attempt written but unanswered) must not write the batch twice.
  const producer = (await testKafka(clientId)).producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  return producer;
}

/** Sends the messages with a producer of its own and disconnects it. */
export async function produce(topic: string, messages: Message[]): Promise<RecordMetadata[]> {
  const producer = await connectProducer();
  try {
    return await producer.send({ topic, messages, acks: -1 });
  } finally {
    await producer.disconnect();
  }
}

export interface ReceivedMessage {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

export interface Collector {
  consumer: Consumer;
  /** Everything received so far, in arrival order (per partition: offset order). */
  messages: ReceivedMessage[];
  /** Resolves once at least `count` messages arrived; rejects after `timeoutMs` or a consumer crash. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMessage[]>;
  /** Commits, per partition, the offset after the last message received. */
  commit(): Promise<void>;
  /** Disconnects the consumer (it leaves the group). */
  stop(): Promise<void>;
}

/** Starts a consumer in `groupId` on `topic` that collects every message it gets. */
export async function collectMessages(options: {
  topic: string;
  groupId: string;
  fromBeginning?: boolean;
  autoCommit?: boolean;
}): Promise<Collector> {
  const { topic, groupId, fromBeginning = true, autoCommit = true } = options;
  const consumer = (await testKafka('test-consumer')).consumer({
    groupId,
    maxWaitTimeInMs: 500,
  });
  const messages: ReceivedMessage[] = [];
  const lastOffset = new Map<number, bigint>();
  let crash: Error | undefined;
  consumer.on(consumer.events.CRASH, (event) => {
    if (!event.payload.restart) crash = event.payload.error;
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning });
  await consumer.run({
    autoCommit,
    eachMessage: async ({ partition, message }) => {
      messages.push({
        partition,
        offset: message.offset,
        key: message.key?.toString() ?? null,
        value: message.value?.toString() ?? null,
        headers: Object.fromEntries(
          Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
        ),
      });
      lastOffset.set(partition, BigInt(message.offset));
    },
  });
  let stopped = false;
  return {
    consumer,
    messages,
    async waitFor(count, timeoutMs = 30000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        if (crash) throw new Error(`consumer of ${topic} crashed: ${crash.message}`);
        if (Date.now() > deadline) {
          throw new Error(
            `consumer of ${topic} (group ${groupId}) got ${messages.length} of ${count} messages in ${timeoutMs} ms`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return messages;
    },
    async commit() {
      await consumer.commitOffsets(
        [...lastOffset].map(([partition, offset]) => ({
          topic,
          partition,
          offset: (offset + 1n).toString(),
        })),
      );
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await consumer.disconnect();
    },
  };
}

/** Runs scripts/kafka.sh for the port in KAFKA_BROKERS; rejects with the script's output. */
function kafkaScript(command: 'start' | 'stop' | 'restart'): Promise<string> {
  const broker = brokerList()[0];
  const { host, port } = hostAndPort(broker);
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) {
    throw new Error(
      `KAFKA_BROKERS=${broker} is not a loopback broker; tests can only ${command} the broker that scripts/kafka.sh runs`,
    );
  }
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [KAFKA_SCRIPT, command],
      { env: { ...process.env, KAFKA_PORT: String(port) }, timeout: 180000 },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new Error(`scripts/kafka.sh ${command} failed (${error.message}):\n${stdout}${stderr}`),
          );
        } else {
          resolve(stdout);
        }
      },
    );
  });
}

/** Stops the test broker gracefully (SIGTERM, then SIGKILL after 30 s). */
export async function stopBroker(): Promise<void> {
  await kafkaScript('stop');
}

/** Starts the test broker on its kept data dir and waits until it answers. */
export async function startBroker(): Promise<void> {
  await kafkaScript('start');
}

/** Stops and starts the test broker; topics, messages and committed offsets survive. */
export async function restartBroker(): Promise<void> {
  await kafkaScript('restart');
}
