// Benchmark: the sidecar end to end. Keycloak admin USER CREATE events on the real Kafka broker →
// the sidecar (node dist/sidecar/main.js, a child process) → engine (links and records in MariaDB)
// → the local SCIM 2.0 server in its own process; the users are read from the local Keycloak admin
// API (test/fakes/keycloak-admin.ts, in this process).
//   (a) 4,000 warm-up events then 20,000 events produced in advance, then the sidecar starts: users/s
//       of the 20,000 (first to last receipt at the target), against the same 20,000 creates sent
//       straight to the target at the same concurrency with the connectors' HTTP client (before and
//       after, so drift hits both; that path is warmed up with 4,000 creates too).
//   (b) a steady 200 events/s: latency from produce (the event's `time`) to the target's receipt.
//   (c) a backlog of 100,000 events drained by a fresh sidecar: its RSS (VmRSS every 250 ms).
// Uses the broker on KAFKA_BROKERS, else the one scripts/kafka.sh runs on 127.0.0.1:$KAFKA_PORT
// (19092); if none answers it starts one and stops it at the end.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel, Partitioners, type Message, type Producer } from 'kafkajs';
import { createConnection } from 'mysql2/promise';
import { createHttpClient } from '../src/common/http';
import { configureLogger } from '../src/common/logger';
import { loadConfig } from '../src/config';
import { openCore } from '../src/core';
import type { ProvisioningUser } from '../src/provisioning/claims';
import { adminEvent } from '../test/fakes/keycloak-events';
import { FakeKeycloak } from '../test/fakes/keycloak-admin';
import {
  accountedProcesses,
  cpuSnapshot,
  cpuSplit,
  ensureBroker,
  heapMb,
  spawnSidecar,
  type SidecarChild,
} from './sidecar-process';
import {
  BENCH_SCIM_PASSWORD,
  benchUser,
  freePort,
  freshDatabase,
  quantile,
  rssMb,
  sleep,
  pool,
  startScimProcess,
  straightCreate,
  figure,
  verdict,
} from './bench-support';

const EVENTS = Number(process.env.BENCH_SIDECAR_EVENTS ?? 20_000);
const CONCURRENCY = Number(process.env.BENCH_SIDECAR_CONCURRENCY ?? 32);
const RATE = Number(process.env.BENCH_STEADY_RATE ?? 200);
const STEADY_SECONDS = Number(process.env.BENCH_STEADY_SECONDS ?? 25);
const STEADY_WARM_SECONDS = Number(process.env.BENCH_STEADY_WARM_SECONDS ?? 5);
const BACKLOG = Number(process.env.BENCH_BACKLOG_EVENTS ?? 100_000);
/** How long (c) may drain before it is cut off and reported as partial. */
const BACKLOG_LIMIT_MS = Number(process.env.BENCH_BACKLOG_LIMIT_S ?? 240) * 1000;
const PARTITIONS = 6;
const REALM = 'bench';
const KEYCLOAK_CLIENT = { id: 'provisioning-sidecar', secret: 'bench-kc-secret' };
const SECRETS_KEY = Buffer.alloc(32, 7).toString('base64');
const run = randomBytes(3).toString('hex');

interface PrefixStats {
  posts: number;
  created: number;
  firstAt: number;
  lastAt: number;
}

// ---------------------------------------------------------------- events

interface BenchUser {
  id: string;
  username: string;
}

/** Users `<prefix>-<i>` in the local Keycloak (usernames are the target's userNames). */
function addUsers(keycloak: FakeKeycloak, prefix: string, n: number): BenchUser[] {
  return Array.from({ length: n }, (_, i) => {
    const username = `${prefix}-${i}`;
    const stored = keycloak.addUser(REALM, {
      username,
      email: `${username}@bench.test`,
      firstName: 'Bench',
      lastName: `User ${i}`,
    });
    return { id: stored.id as string, username };
  });
}

function forgetUsers(keycloak: FakeKeycloak): void {
  const realm = keycloak.realms.get(REALM)!;
  realm.users.clear();
  realm.userRoles.clear();
  realm.memberships.clear();
}

/** An admin USER CREATE event in the SPI (Kafka listener) shape, keyed by the user id. */
function createEvent(user: BenchUser, realmId: string, time = Date.now()): Message {
  const representation = {
    username: user.username,
    email: `${user.username}@bench.test`,
    firstName: 'Bench',
    enabled: true,
  };
  const realm = { id: realmId, name: REALM };
  return {
    key: user.id,
    value: adminEvent('USER', 'CREATE', `users/${user.id}`, representation, realm, time),
  };
}

/** Produces the users' events in chunks (built chunk by chunk, so 100,000 never sit in memory). */
async function produceAll(
  producer: Producer,
  topic: string,
  users: BenchUser[],
  realmId: string,
): Promise<number> {
  const started = performance.now();
  const CHUNK = 2000;
  for (let i = 0; i < users.length; i += CHUNK)
    await producer.send({
      topic,
      acks: -1,
      messages: users.slice(i, i + CHUNK).map((u) => createEvent(u, realmId)),
    });
  return (performance.now() - started) / 1000;
}

// ---------------------------------------------------------------- target

async function json<T>(url: string, method = 'GET'): Promise<T> {
  return (await (await fetch(url, { method })).json()) as T;
}

/** Polls the target until `n` users with this prefix exist, or `limitMs` passes; the last stats. */
async function waitCreated(
  statsUrl: string,
  prefix: string,
  n: number,
  limitMs: number,
): Promise<PrefixStats> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const stats = await json<PrefixStats>(`${statsUrl}/created?prefix=${prefix}`);
    if (stats.created >= n || Date.now() > deadline) return stats;
    await sleep(100);
  }
}

/** Provisioning records in the database so far, by status. */
async function records(dbUrl: string): Promise<Record<string, number>> {
  const c = await createConnection(dbUrl);
  try {
    const [rows] = await c.query(
      'SELECT status, COUNT(*) AS n FROM provisioning_record GROUP BY status ORDER BY status',
    );
    return Object.fromEntries(
      (rows as { status: string; n: number }[]).map((r) => [r.status, Number(r.n)]),
    );
  } finally {
    await c.end();
  }
}

/** The records a phase added: "SUCCEEDED 20000, FAILED 0". */
function recordsSince(before: Record<string, number>, after: Record<string, number>): string {
  const statuses = new Set(['SUCCEEDED', 'FAILED', ...Object.keys(after)]);
  return [...statuses].map((s) => `${s} ${(after[s] ?? 0) - (before[s] ?? 0)}`).join(', ');
}

// ---------------------------------------------------------------- raw path

function rawUser(prefix: string, i: number): ProvisioningUser {
  return benchUser(`${prefix}-${i}`, i, REALM);
}

/** `n` creates straight to the target, `CONCURRENCY` in flight; users/s and failures. */
async function raw(
  scimUrl: string,
  timeoutMs: number,
  prefix: string,
  n: number,
): Promise<{ perSecond: number; failures: number }> {
  const http = createHttpClient(timeoutMs);
  const create = straightCreate(http, scimUrl);
  const { perSecond, failures } = await pool(prefix, n, CONCURRENCY, (i) =>
    create(rawUser(prefix, i)),
  );
  await http.close();
  return { perSecond, failures };
}

// ---------------------------------------------------------------- main

async function main() {
  const broker = ensureBroker();
  const stopOnSignal = () => {
    broker.stop();
    process.exit(130);
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  configureLogger('warn');
  const db = await freshDatabase('op_bench_sidecar');
  const scim = await startScimProcess(['--stats']);
  const statsUrl = scim.statsUrl!;
  const keycloak = await new FakeKeycloak(KEYCLOAK_CLIENT).start();
  keycloak.requests.push = () => 0; // the benchmark never reads Keycloak's request log
  const realmId = keycloak.addRealm(REALM).id;
  const kafka = new Kafka({ clientId: 'bench', brokers: broker.brokers, logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  const topics: string[] = [];
  const groups: string[] = [];
  const sidecars: SidecarChild[] = [];
  const baseConfig = {
    DATABASE_URL: db.url,
    SECRETS_KEY,
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'op-bench-sidecar-')),
    LOG_LEVEL: 'warn',
  };
  try {
    await admin.connect();
    await producer.connect();
    // The identity provider for the realm, with the SCIM 2.0 connector, as an operator sets it up.
    const config = loadConfig({ ...baseConfig, PORT: '0' });
    const core = await openCore(config);
    const idp = await core.services.identityProviders.create({
      name: 'bench',
      tenantDomain: REALM,
      enabled: true,
    });
    await core.services.connectors.configure(
      idp.id,
      'scim-2',
      { enabled: true },
      {
        username: 'bench',
        password: BENCH_SCIM_PASSWORD,
        userEndpoint: `${scim.url}/Users`,
        enablePasswordProvisioning: false,
      },
    );
    const timeoutMs = config.provisioningTimeoutMs;
    await core.close();

    const newTopic = async (name: string) => {
      const topic = `bench-sidecar-${name}-${run}`;
      await admin.createTopics({
        topics: [
          { topic, numPartitions: PARTITIONS, replicationFactor: 1 },
          { topic: `${topic}.dlq`, numPartitions: 1, replicationFactor: 1 },
        ],
        waitForLeaders: true,
      });
      topics.push(topic, `${topic}.dlq`);
      return topic;
    };
    const sidecarEnv = (topic: string) => {
      const group = `bench-sidecar-${topic}`;
      groups.push(group);
      return {
        ...baseConfig,
        KAFKA_BROKERS: broker.brokers.join(','),
        KAFKA_GROUP_ID: group,
        KAFKA_TOPICS: topic,
        KEYCLOAK_URL: keycloak.url,
        KEYCLOAK_CLIENT_ID: KEYCLOAK_CLIENT.id,
        KEYCLOAK_CLIENT_SECRET: KEYCLOAK_CLIENT.secret,
        SIDECAR_CONCURRENCY: String(CONCURRENCY),
        // The event path alone: the connector's automatic sync would walk a realm this benchmark
        // empties between parts (and delete what it no longer finds). sync.bench.ts measures syncs.
        SYNC_RUNNER: 'off',
      };
    };
    const started = performance.now();
    const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;

    // ---- (a) throughput: raw, sidecar on a pre-produced backlog, raw again
    await raw(scim.url, timeoutMs, 'w', Math.min(EVENTS, 4000)); // warms the target's JIT
    const raw1 = await raw(scim.url, timeoutMs, 'r1', EVENTS);
    console.log(`[${elapsed()}] (a) raw: ${raw1.perSecond.toFixed(0)} users/s`);
    const topicA = await newTopic('a');
    // The sidecar is a long-running process: like the raw path, it is measured warm. The warm-up
    // events come first in every partition, so the 20,000 run after them.
    const warmA = Math.min(EVENTS, 4000);
    await produceAll(producer, topicA, addUsers(keycloak, 'aw', warmA), realmId);
    const usersA = addUsers(keycloak, 'a', EVENTS);
    const producedA = await produceAll(producer, topicA, usersA, realmId);
    console.log(`[${elapsed()}] (a) ${EVENTS} events produced in ${producedA.toFixed(1)} s`);
    const sidecarA = spawnSidecar(sidecarEnv(topicA), await freePort());
    sidecars.push(sidecarA);
    const readyA = await sidecarA.ready;
    const pidsA = accountedProcesses(sidecarA.child.pid!, scim.pid);
    await waitCreated(statsUrl, 'aw', warmA, 300_000);
    const cpuA0 = cpuSnapshot(pidsA);
    const a = await waitCreated(statsUrl, 'a', EVENTS, 300_000);
    const cpuA = cpuSplit(cpuA0, cpuSnapshot(pidsA));
    await sidecarA.stop();
    const afterA = await records(db.url);
    const recordsA = recordsSince({}, afterA);
    const raw2 = await raw(scim.url, timeoutMs, 'r2', EVENTS);
    const rawMean = (raw1.perSecond + raw2.perSecond) / 2;
    // Warm: from the first to the last of the 20,000 at the target (conservative: the last warm-up
    // events of slower partitions still run in that window). Cold: everything from process start.
    const warm = a.created / ((a.lastAt - a.firstAt) / 1000);
    const fromSpawn = (warmA + a.created) / ((a.lastAt - sidecarA.spawnedAt) / 1000);
    console.log(
      `[${elapsed()}] (a) sidecar: ${warm.toFixed(0)} users/s warm; raw again ${raw2.perSecond.toFixed(0)}`,
    );
    await json(`${statsUrl}/reset`, 'POST');
    forgetUsers(keycloak);

    // ---- (b) latency at a steady rate
    const topicB = await newTopic('b');
    const warmB = addUsers(keycloak, 'bw', Math.round(RATE * STEADY_WARM_SECONDS));
    const usersB = addUsers(keycloak, 'b', Math.round(RATE * STEADY_SECONDS));
    const sidecarB = spawnSidecar(sidecarEnv(topicB), await freePort());
    sidecars.push(sidecarB);
    const readyB = await sidecarB.ready;
    const all = [...warmB, ...usersB];
    const sends: Promise<unknown>[] = [];
    const producedAt = new Map<string, number>();
    await sleep(Math.max(0, readyB + 1000 - Date.now())); // let the first fetches settle
    const pidsB = accountedProcesses(sidecarB.child.pid!, scim.pid);
    const cpuB0 = cpuSnapshot(pidsB);
    const t0 = performance.now();
    let sent = 0;
    while (sent < all.length) {
      const due = Math.min(all.length, Math.floor(((performance.now() - t0) * RATE) / 1000) + 1);
      if (due > sent) {
        const now = Date.now();
        const messages = all.slice(sent, due).map((u) => {
          producedAt.set(u.username, now);
          return createEvent(u, realmId, now);
        });
        sends.push(producer.send({ topic: topicB, acks: -1, messages }));
        sent = due;
      }
      await sleep(Math.max(1, (sent * 1000) / RATE - (performance.now() - t0)));
    }
    const producedRate = all.length / ((performance.now() - t0) / 1000);
    await Promise.all(sends);
    const b = await waitCreated(statsUrl, 'b', usersB.length, 60_000);
    const cpuB = cpuSplit(cpuB0, cpuSnapshot(pidsB));
    const receivedB = await json<Record<string, number>>(`${statsUrl}/received?prefix=b`);
    await sidecarB.stop();
    const afterB = await records(db.url);
    const recordsB = recordsSince(afterA, afterB);
    const latencies = usersB
      .filter((u) => receivedB[u.username] !== undefined)
      .map((u) => receivedB[u.username] - producedAt.get(u.username)!)
      .sort((x, y) => x - y);
    console.log(
      `[${elapsed()}] (b) ${usersB.length} events at ${producedRate.toFixed(0)}/s, ${b.created} arrived`,
    );
    await json(`${statsUrl}/reset`, 'POST');
    forgetUsers(keycloak);

    // ---- (c) RSS while a backlog drains
    const topicC = await newTopic('c');
    const usersC = addUsers(keycloak, 'c', BACKLOG);
    const producedC = await produceAll(producer, topicC, usersC, realmId);
    usersC.length = 0;
    console.log(`[${elapsed()}] (c) ${BACKLOG} events produced in ${producedC.toFixed(1)} s`);
    const sidecarC = spawnSidecar(sidecarEnv(topicC), await freePort());
    sidecars.push(sidecarC);
    const readyC = await sidecarC.ready;
    const rssAtReady = rssMb(sidecarC.child.pid!);
    const heapAtReady = await heapMb(sidecarC);
    const pidsC = accountedProcesses(sidecarC.child.pid!, scim.pid);
    const cpuC0 = cpuSnapshot(pidsC);
    const c = await waitCreated(statsUrl, 'c', BACKLOG, BACKLOG_LIMIT_MS);
    const cpuC = cpuSplit(cpuC0, cpuSnapshot(pidsC));
    const rssAtEnd = sidecarC.rss.last;
    const heapAtEnd = await heapMb(sidecarC);
    await sidecarC.stop();
    const recordsC = recordsSince(afterB, await records(db.url));
    const drainRate = c.created / ((c.lastAt - readyC) / 1000);
    const drained = c.created >= BACKLOG;
    console.log(`[${elapsed()}] (c) ${c.created} of ${BACKLOG} drained`);

    // ---- report
    const n = figure;
    const met = verdict;
    const ratio = warm / rawMean;
    const p99 = quantile(latencies, 0.99);
    console.log(
      `\nSidecar benchmark: Kafka (${PARTITIONS} partitions) → sidecar (child process, SIDECAR_CONCURRENCY=${CONCURRENCY}) → engine (MariaDB) → SCIM 2.0 server in its own process; users read from the local Keycloak admin API`,
    );
    console.log('\n(a) throughput, user creates\n');
    console.log('| path | users | users/s | failures / records |\n|---|---|---|---|');
    console.log(
      `| straight to the SCIM server, ${CONCURRENCY} in flight (before) | ${n(EVENTS)} | ${n(raw1.perSecond)} | ${raw1.failures} |`,
    );
    console.log(
      `| Kafka → sidecar → SCIM, warm (first to last of the ${n(EVENTS)} at the target) | ${n(a.created)} | ${n(warm)} | ${recordsA} |`,
    );
    console.log(
      `| Kafka → sidecar → SCIM, cold (the ${n(warmA)} warm-up events too, from process start, incl. ${n((readyA - sidecarA.spawnedAt) / 1000, 1)} s start-up) | ${n(warmA + a.created)} | ${n(fromSpawn)} | |`,
    );
    console.log(
      `| straight to the SCIM server, ${CONCURRENCY} in flight (after) | ${n(EVENTS)} | ${n(raw2.perSecond)} | ${raw2.failures} |`,
    );
    console.log(
      `\nPOSTs received for ${n(a.created)} users created: ${n(a.posts)}; sidecar RSS max ${n(sidecarA.rss.max)} MB; sidecar log lines (warn+): ${sidecarA.lines.length}`,
    );
    console.log(`CPU from the end of the warm-up to the last user: ${cpuA}`);
    console.log(
      `\n(b) steady ${RATE} events/s for ${STEADY_SECONDS} s (after ${STEADY_WARM_SECONDS} s unmeasured), produce → target receipt\n`,
    );
    console.log(
      '| events | arrived | produced/s | p50 ms | p95 ms | p99 ms | max ms |\n|---|---|---|---|---|---|---|',
    );
    console.log(
      `| ${n(usersB.length)} | ${n(latencies.length)} | ${n(producedRate)} | ${n(quantile(latencies, 0.5))} | ${n(quantile(latencies, 0.95))} | ${n(p99)} | ${n(latencies[latencies.length - 1] ?? NaN)} |`,
    );
    console.log(`\nrecords: ${recordsB}; sidecar log lines (warn+): ${sidecarB.lines.length}`);
    console.log(`CPU while producing and provisioning: ${cpuB}`);
    console.log(`\n(c) backlog of ${n(BACKLOG)} events, fresh sidecar, VmRSS every 250 ms\n`);
    console.log(
      '| events drained | drain users/s | RSS when ready MB | RSS max MB | RSS at end MB | samples |\n|---|---|---|---|---|---|',
    );
    console.log(
      `| ${n(c.created)}${drained ? '' : ` (cut off after ${BACKLOG_LIMIT_MS / 1000} s)`} | ${n(drainRate)} | ${n(rssAtReady)} | ${n(sidecarC.rss.max)} | ${n(rssAtEnd)} | ${sidecarC.rss.samples} |`,
    );
    console.log(`\nrecords: ${recordsC}; sidecar log lines (warn+): ${sidecarC.lines.length}`);
    console.log(`CPU from ready to the last user: ${cpuC}`);
    console.log(`Sidecar memory when ready: ${heapAtReady}; after the drain: ${heapAtEnd}`);
    console.log('\n| goal | measured | |\n|---|---|---|');
    console.log(
      `| (a) sidecar / raw throughput ≥ 0.7 | ${n(ratio, 2)} (cold, from process start ${n(fromSpawn / rawMean, 2)}) | ${met(ratio >= 0.7)} |`,
    );
    console.log(
      `| (b) p99 produce → target < 250 ms | ${n(p99)} ms | ${met(p99 < 250 && latencies.length === usersB.length)} |`,
    );
    console.log(
      `| (c) sidecar RSS < 200 MB while ${n(BACKLOG)} drain | ${n(sidecarC.rss.max)} MB | ${met(sidecarC.rss.max < 200)}${drained ? '' : ' (partial drain)'} |`,
    );
    for (const s of sidecars)
      for (const line of s.lines.slice(0, 3)) console.log(`sidecar: ${line.slice(0, 300)}`);
  } finally {
    for (const s of sidecars) await s.stop();
    await admin.deleteGroups(groups).catch(() => undefined);
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await keycloak.stop();
    scim.stop();
    await db.drop();
    broker.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
