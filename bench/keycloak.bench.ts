// Benchmark: the extension inside a real Keycloak (scripts/keycloak.sh, with the extension JAR).
//   (a) end to end at a steady 50 users/s: from the admin API's answer to the user's arrival at the
//       SCIM target (Keycloak → extension → Kafka → sidecar in this process → SCIM server);
//   (b) admin-API user creates per second in a realm whose event listener is the extension against a
//       realm with no listener at all: interleaved rounds in one Keycloak, after a warm-up;
//   (c) a backlog of 2,000 users' events (created while no sidecar runs) drained to the SCIM target
//       by one sidecar process, then the same events by two (six partitions, one consumer group
//       each run, a database and target of its own each run).
// Uses the Kafka broker and the Keycloak that answer (scripts/kafka.sh, scripts/keycloak.sh), and
// starts (then stops) each one that does not.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel } from 'kafkajs';
import { startSidecar, type Sidecar } from '../sidecar/app';
import { loadSidecarConfig } from '../sidecar/config';
import { configureLogger } from '../src/common/logger';
import { openCore, type Core } from '../src/core';
import { FakeScimServer } from '../test/fakes/scim-server';
import { createRealm, createServiceAccount, kc, KEYCLOAK } from '../test/support/real-keycloak';
import { provisionToScim } from '../test/support/scim-identity-provider';
import { figure, freePort, freshDatabase, pool, quantile, sleep, verdict } from './bench-support';
import {
  accountedProcesses,
  cpuSnapshot,
  cpuSplit,
  ensureBroker,
  spawnSidecar,
  type SidecarChild,
} from './sidecar-process';

const RATE = Number(process.env.BENCH_KC_RATE ?? 50);
const STEADY_SECONDS = Number(process.env.BENCH_KC_SECONDS ?? 20);
const ROUNDS = Number(process.env.BENCH_KC_ROUNDS ?? 10);
const PER_ROUND = Number(process.env.BENCH_KC_PER_ROUND ?? 500);
const CONCURRENCY = Number(process.env.BENCH_KC_CONCURRENCY ?? 4);
const WARMUP = Number(process.env.BENCH_KC_WARMUP ?? 3_000);
const DRAIN = Number(process.env.BENCH_KC_DRAIN_USERS ?? 2_000);
const SCRIPT = path.resolve(__dirname, '../../scripts/keycloak.sh');
const run = randomBytes(3).toString('hex');

/** The Keycloak that answers, or one started now (and stopped at the end). */
function ensureKeycloak(): { stop(): void } {
  if (spawnSync('bash', [SCRIPT, 'status'], { stdio: 'ignore' }).status === 0)
    return { stop: () => undefined };
  const build = path.resolve(__dirname, '../../scripts/build-keycloak-extension.sh');
  if (spawnSync('bash', [build], { stdio: 'inherit' }).status !== 0)
    throw new Error('the extension did not build');
  if (spawnSync('bash', [SCRIPT, 'start', '--fresh'], { stdio: 'inherit' }).status !== 0)
    throw new Error('scripts/keycloak.sh start failed');
  return { stop: () => void spawnSync('bash', [SCRIPT, 'stop'], { stdio: 'inherit' }) };
}

const createUser = (realm: string, username: string) =>
  kc('POST', `/${realm}/users`, { username, firstName: 'Bench', enabled: true });

/** `n` creates in the realm, CONCURRENCY at a time: users/s. */
async function creates(realm: string, prefix: string, n: number): Promise<number> {
  const result = await pool(prefix, n, CONCURRENCY, async (i) => {
    const response = await createUser(realm, `${prefix}-${i}`);
    return response.status === 201;
  });
  if (result.failures) throw new Error(`${result.failures} creates failed in ${realm}`);
  return result.perSecond;
}

const drainGroup = (sidecars: number) => `bench-drain-${sidecars}-${run}`;
const EVENT_TOPICS = ['keycloak-events', 'keycloak-admin-events'];

/** Commits each group's offsets at the topics' current end, before any of its members runs. */
async function startGroupsAtEnd(brokers: string[], groups: string[]): Promise<void> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    for (const groupId of groups)
      for (const topic of EVENT_TOPICS)
        await admin.resetOffsets({ groupId, topic, earliest: false });
  } finally {
    await admin.disconnect();
  }
}

interface DrainRun {
  sidecars: number;
  /** Users/s from the moment every sidecar had joined to the last user's arrival. */
  perSecond: number;
  seconds: number;
  /** Users that had arrived before the last sidecar joined (not counted in the rate). */
  early: number;
  /** Where the machine's CPU went while it drained. */
  cpu: string;
}

/** The processes whose CPU the drain is split among (Keycloak's pid from scripts/keycloak.sh). */
function drainProcesses(children: SidecarChild[]): Record<string, number> {
  const pidFile = path.resolve(__dirname, '../../.cache/keycloak/keycloak.pid');
  const {
    sidecar: _one,
    'SCIM server': _scim,
    'bench + Keycloak fake': bench,
    ...rest
  } = accountedProcesses(0, 0);
  return {
    ...Object.fromEntries(children.map((c, i) => [`sidecar ${i + 1}`, c.child.pid!])),
    ...(existsSync(pidFile) ? { Keycloak: Number(readFileSync(pidFile, 'utf8').trim()) } : {}),
    'bench + SCIM server': bench,
    ...rest,
  };
}

/**
 * The drain realm's backlog through `sidecars` sidecar processes with a consumer group, a database
 * and a SCIM server of their own, so each run provisions every user afresh.
 */
async function drainWith(
  sidecars: number,
  realm: string,
  secret: string,
  brokers: string[],
): Promise<DrainRun> {
  const scim = await new FakeScimServer('2.0', { bearer: 'bench-token' }).start();
  const db = await freshDatabase('op_bench_drain');
  const children: SidecarChild[] = [];
  try {
    const env = {
      DATABASE_URL: db.url,
      SECRETS_KEY: Buffer.alloc(32, 5).toString('base64'),
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'op-bench-drain-')),
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_GROUP_ID: drainGroup(sidecars),
      KAFKA_TOPICS: EVENT_TOPICS.join(','),
      SYNC_TOPIC: `bench-drain-sync-${run}`,
      SYNC_INTERVAL: 'off',
      SYNC_ON_CONNECTOR_CHANGE: 'false',
      SYNC_RUNNER: 'off',
      KEYCLOAK_URL: KEYCLOAK,
      KEYCLOAK_REALM: realm,
      KEYCLOAK_CLIENT_ID: 'provisioning-sidecar',
      KEYCLOAK_CLIENT_SECRET: secret,
      LOG_LEVEL: 'warn',
    };
    const core = await openCore(loadSidecarConfig(env).core);
    try {
      await provisionToScim(core, { name: 'drain', realm, scim, bearerToken: 'bench-token' });
    } finally {
      await core.close();
    }
    for (let i = 0; i < sidecars; i++) children.push(spawnSidecar(env, await freePort()));
    const joined = Math.max(...(await Promise.all(children.map((c) => c.ready))));
    const arrived = () => scim.users.size;
    const early = arrived();
    const pids = drainProcesses(children);
    const cpu0 = cpuSnapshot(pids);
    for (const deadline = Date.now() + 600_000; arrived() < DRAIN; await sleep(50))
      if (Date.now() > deadline) throw new Error(`${arrived()} of ${DRAIN} drained in 600 s`);
    const seconds = (Date.now() - joined) / 1000;
    const cpu = cpuSplit(cpu0, cpuSnapshot(pids));
    return { sidecars, perSecond: (DRAIN - early) / seconds, seconds, early, cpu };
  } finally {
    for (const child of children) await child.stop();
    await db.drop();
    await scim.stop();
  }
}

async function main() {
  configureLogger('warn');
  const broker = ensureBroker();
  const keycloak = ensureKeycloak();
  const withListener = `bench-on-${run}`;
  const without = `bench-off-${run}`;
  const realms = [withListener, without];
  const scim = await new FakeScimServer('2.0', { bearer: 'bench-token' }).start();
  const db = await freshDatabase('op_bench_keycloak');
  let core: Core | null = null;
  let sidecar: Sidecar | null = null;
  try {
    await createRealm(withListener, ['outbound-provisioning']);
    await createRealm(without, []);
    const secret = randomBytes(12).toString('hex');
    await createServiceAccount(withListener, 'provisioning-sidecar', secret);
    const config = loadSidecarConfig({
      DATABASE_URL: db.url,
      SECRETS_KEY: Buffer.alloc(32, 5).toString('base64'),
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'op-bench-kc-')),
      KAFKA_BROKERS: broker.brokers.join(','),
      KAFKA_GROUP_ID: `bench-kc-${run}`,
      KAFKA_TOPICS: 'keycloak-events,keycloak-admin-events',
      SYNC_TOPIC: `bench-kc-sync-${run}`,
      SYNC_INTERVAL: 'off',
      SYNC_ON_CONNECTOR_CHANGE: 'false',
      KEYCLOAK_URL: KEYCLOAK,
      KEYCLOAK_REALM: withListener,
      KEYCLOAK_CLIENT_ID: 'provisioning-sidecar',
      KEYCLOAK_CLIENT_SECRET: secret,
      SIDECAR_PORT: '0',
      LOG_LEVEL: 'warn',
    });
    core = await openCore(config.core);
    await provisionToScim(core, {
      name: 'bench',
      realm: withListener,
      scim,
      bearerToken: 'bench-token',
    });
    sidecar = await startSidecar(config);
    // Keycloak's JIT warmed up first (a Keycloak just started manages far fewer creates and reads
    // a second), with the sidecar provisioning along; and whatever earlier runs left on the
    // topics drained before anything is measured.
    await creates(without, 'warmup', WARMUP);
    await creates(withListener, 'warmup', WARMUP);
    await createUser(withListener, 'probe');
    for (const deadline = Date.now() + 300_000; !scim.byUserName('probe'); await sleep(100))
      if (Date.now() > deadline) throw new Error('the probe user never arrived');

    // (b) first, on the Keycloak the warm-up left, with no sidecar reading from it (it would load
    // one realm only); (a) after, on a Keycloak (b) warmed further, as a production one is.
    await sidecar.stop();
    sidecar = null;

    // ---- (b) Keycloak's own write rate, with and without the listener
    const rates = { on: [] as number[], off: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which realm goes first, so drift over time hits both alike.
      const order = round % 2 ? ['off', 'on'] : ['on', 'off'];
      for (const which of order as ('on' | 'off')[])
        rates[which].push(
          await creates(which === 'on' ? withListener : without, `r${round}`, PER_ROUND),
        );
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

    // The sidecar catches up on (b)'s users (every partition: a probe on one would not say so).
    sidecar = await startSidecar(config);
    const caughtUp = () => scim.users.size >= WARMUP + 1 + ROUNDS * PER_ROUND;
    for (const deadline = Date.now() + 300_000; !caughtUp(); await sleep(100))
      if (Date.now() > deadline) throw new Error("the sidecar never caught up on (b)'s users");

    // ---- (a) latency at a steady rate
    const answeredAt = new Map<string, number>();
    const sends: Promise<unknown>[] = [];
    const total = RATE * STEADY_SECONDS;
    const t0 = performance.now();
    for (let i = 0; i < total; i++) {
      await sleep(Math.max(0, (i * 1000) / RATE - (performance.now() - t0)));
      const username = `steady-${i}`;
      sends.push(
        createUser(withListener, username).then(() => answeredAt.set(username, Date.now())),
      );
    }
    await Promise.all(sends);
    const arrived = () => [...answeredAt.keys()].filter((u) => scim.byUserName(u)).length;
    for (const deadline = Date.now() + 60_000; arrived() < total && Date.now() < deadline;)
      await sleep(100);
    const receivedAt = new Map<string, number>();
    for (const r of scim.requests)
      if (
        r.method === 'POST' &&
        typeof r.body?.userName === 'string' &&
        !receivedAt.has(r.body.userName)
      )
        receivedAt.set(r.body.userName, r.at);
    const latencies = [...answeredAt]
      .filter(([u]) => receivedAt.has(u))
      .map(([u, at]) => receivedAt.get(u)! - at)
      .sort((x, y) => x - y);
    console.log(`(a) ${latencies.length} of ${total} users arrived`);
    await sidecar.stop();
    sidecar = null;

    // ---- (c) a backlog drained by one sidecar, then by two
    const drainRealm = `bench-drain-${run}`;
    realms.push(drainRealm);
    await createRealm(drainRealm, ['outbound-provisioning']);
    const drainSecret = randomBytes(12).toString('hex');
    await createServiceAccount(drainRealm, 'provisioning-sidecar', drainSecret);
    // Each run's consumer group starts at the end of the topics as they are now: it drains this
    // realm's backlog, not every earlier event on the shared topics.
    await startGroupsAtEnd(broker.brokers, [1, 2].map(drainGroup));
    await creates(drainRealm, 'drain', DRAIN);
    const drains = [
      await drainWith(1, drainRealm, drainSecret, broker.brokers),
      await drainWith(2, drainRealm, drainSecret, broker.brokers),
    ];

    const n = figure;
    const met = verdict;
    const p99 = quantile(latencies, 0.99);
    console.log(
      `\nKeycloak benchmark: a real Keycloak (${KEYCLOAK}) with the outbound-provisioning extension`,
    );
    console.log(`\n(a) ${n(total)} users at ${RATE}/s, admin API answer → SCIM target receipt\n`);
    console.log(
      '| users | arrived | p50 ms | p95 ms | p99 ms | max ms |\n|---|---|---|---|---|---|',
    );
    console.log(
      `| ${n(total)} | ${n(latencies.length)} | ${n(quantile(latencies, 0.5))} | ${n(quantile(latencies, 0.95))} | ${n(p99)} | ${n(latencies[latencies.length - 1] ?? NaN)} |`,
    );
    console.log(
      `\n(b) admin-API user creates/s, ${ROUNDS} interleaved rounds of ${PER_ROUND}, ${CONCURRENCY} at a time\n`,
    );
    console.log('| realm | per round | mean |\n|---|---|---|');
    console.log(
      `| event listener: outbound-provisioning | ${rates.on.map((r) => n(r)).join(', ')} | ${n(mean(rates.on))} |`,
    );
    console.log(
      `| no event listener | ${rates.off.map((r) => n(r)).join(', ')} | ${n(mean(rates.off))} |`,
    );
    console.log(
      `\n(c) ${n(DRAIN)} users' events waiting in Kafka (6 partitions), drained to the SCIM target by sidecar processes\n`,
    );
    console.log('| sidecars | users/s | s | arrived before all joined |\n|---|---|---|---|');
    for (const d of drains)
      console.log(`| ${d.sidecars} | ${n(d.perSecond)} | ${n(d.seconds, 1)} | ${n(d.early)} |`);
    console.log(`two / one: ${n(drains[1].perSecond / drains[0].perSecond, 2)}`);
    for (const d of drains) console.log(`CPU while ${d.sidecars} drained: ${d.cpu}`);
    const ratio = mean(rates.on) / mean(rates.off);
    console.log('\n| goal | measured | |\n|---|---|---|');
    console.log(
      `| (a) p99 admin answer → target < 250 ms | ${n(p99)} ms | ${met(p99 < 250 && latencies.length === total)} |`,
    );
    console.log(
      `| (b) creates/s with the extension ≥ 0.9 × without | ${n(ratio, 2)} | ${met(ratio >= 0.9)} |`,
    );
  } finally {
    await sidecar?.stop();
    await core?.close();
    await scim.stop();
    await db.drop();
    for (const realm of realms) await kc('DELETE', `/${realm}`).catch(() => undefined);
    keycloak.stop();
    broker.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
