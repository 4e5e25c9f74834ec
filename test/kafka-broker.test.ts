// The real Kafka broker of the test suite (scripts/kafka.sh: Apache Kafka 4.1.2, KRaft, one node)
// through kafkajs 2.2.4: topics, keyed produce, consumer groups, committed offsets, and a broker
// restart that loses nothing. It restarts the broker, so no other Kafka test may run beside it.
import type { Message } from 'kafkajs';
import {
  collectMessages,
  connectProducer,
  createTopic,
  kafkaBrokers,
  produce,
  restartBroker,
  uniqueGroup,
  uniqueTopic,
  type ReceivedMessage,
} from './support/kafka';

const PARTITIONS = 3;
const KEYS = 10;

/** Messages `user-<k>` → {key, seq} for seq in [from, to), keys interleaved. */
function keyedMessages(from: number, to: number): Message[] {
  const messages: Message[] = [];
  for (let seq = from; seq < to; seq++) {
    for (let k = 0; k < KEYS; k++) {
      messages.push({ key: `user-${k}`, value: JSON.stringify({ key: `user-${k}`, seq }) });
    }
  }
  return messages;
}

/** One marker on every partition: once a consumer got all of them, it has read past everything
 * that was on the topic before them (kafkajs hands each partition's messages over in order). */
function markers(tag: string): Message[] {
  return Array.from({ length: PARTITIONS }, (_, partition) => ({
    partition,
    key: `marker-${tag}`,
    value: JSON.stringify({ marker: tag, partition }),
  }));
}

function isMarker(m: ReceivedMessage): boolean {
  return m.key?.startsWith('marker-') ?? false;
}

/** key → the seqs received for it, in arrival order; also checks a key stays on one partition. */
function seqsByKey(messages: ReceivedMessage[]): Map<string, number[]> {
  const seqs = new Map<string, number[]>();
  const partitionOf = new Map<string, number>();
  for (const m of messages.filter((x) => !isMarker(x))) {
    const { key, seq } = JSON.parse(m.value ?? '{}') as { key: string; seq: number };
    expect(m.key).toBe(key);
    expect(partitionOf.get(key) ?? m.partition).toBe(m.partition);
    partitionOf.set(key, m.partition);
    seqs.set(key, [...(seqs.get(key) ?? []), seq]);
  }
  return seqs;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

function expectEveryKeyInOrder(messages: ReceivedMessage[], from: number, to: number): void {
  const seqs = seqsByKey(messages);
  expect([...seqs.keys()].sort()).toEqual(
    range(0, KEYS)
      .map((k) => `user-${k}`)
      .sort(),
  );
  for (const [, got] of seqs) expect(got).toEqual(range(from, to));
}

beforeAll(async () => {
  await kafkaBrokers();
});

test('100 keyed messages on 3 partitions come back in per-key order; after a commit the group reads nothing again', async () => {
  const topic = uniqueTopic('smoke');
  const groupId = uniqueGroup('smoke');
  await createTopic(topic, PARTITIONS);

  const sent = await produce(topic, keyedMessages(0, 10));
  expect(sent.every((r) => r.errorCode === 0)).toBe(true);
  expect(new Set(sent.map((r) => r.partition)).size).toBeGreaterThan(1);

  const first = await collectMessages({ topic, groupId, autoCommit: false });
  try {
    const got = await first.waitFor(100);
    expect(got).toHaveLength(100);
    expectEveryKeyInOrder(got, 0, 10);
    expect(new Set(got.map((m) => m.partition)).size).toBeGreaterThan(1);
    await first.commit();
  } finally {
    await first.stop();
  }

  // Same group, fromBeginning: it starts at the committed offsets, so all it gets is the markers.
  const second = await collectMessages({ topic, groupId });
  try {
    await produce(topic, markers('after-commit'));
    const got = await second.waitFor(PARTITIONS);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(got.map((m) => m.key)).toEqual(Array(PARTITIONS).fill('marker-after-commit'));
  } finally {
    await second.stop();
  }
});

test('a broker restart loses no message and keeps committed offsets', async () => {
  const topic = uniqueTopic('restart');
  const groupId = uniqueGroup('restart');
  await createTopic(topic, PARTITIONS);

  // One producer for the whole test: it has to find the broker again after the restart.
  const producer = await connectProducer();
  try {
    await producer.send({ topic, messages: keyedMessages(0, 5), acks: -1 });

    const before = await collectMessages({ topic, groupId, autoCommit: false });
    try {
      expectEveryKeyInOrder(await before.waitFor(50), 0, 5);
      await before.commit();
    } finally {
      await before.stop();
    }

    await restartBroker();

    await producer.send({ topic, messages: keyedMessages(5, 10), acks: -1 });
    await producer.send({ topic, messages: markers('after-restart'), acks: -1 });

    // The group resumes at the offsets committed before the restart: only the new messages.
    const after = await collectMessages({ topic, groupId });
    try {
      const got = await after.waitFor(50 + PARTITIONS);
      expect(got.filter(isMarker)).toHaveLength(PARTITIONS);
      expectEveryKeyInOrder(got, 5, 10);
    } finally {
      await after.stop();
    }

    // A new group reads the whole topic: everything from before and after the restart.
    const everything = await collectMessages({ topic, groupId: uniqueGroup('restart-all') });
    try {
      const got = await everything.waitFor(100 + PARTITIONS);
      expect(got).toHaveLength(100 + PARTITIONS);
      expectEveryKeyInOrder(got, 0, 10);
    } finally {
      await everything.stop();
    }
  } finally {
    await producer.disconnect();
  }
}, 120000);
