// Benchmark: syncs (issue 9). A realm of 10,000 users in 50 groups in the local Keycloak admin API
// (this process), the SCIM 2.0 server with users and groups in its own process, the sidecar as a
// child process on the real Kafka broker and MariaDB.
//   (a) the initial sync (job start to finish, users/s), against the raw path in the same run at
//       the same concurrency: the same users read page by page from Keycloak and POSTed straight;
//       and the raw path with memberships made user by user (each user's groups read, the user
//       POSTed, the membership PATCHed), the way a sync made them before it converged them group
//       by group, so the ratio against that is there too; then the same initial sync of another
//       such realm to a connector that creates users in SCIM Bulk requests;
//   (b) a second sync with nothing changed: its duration and the writes the target received;
//   (c) a sync of a realm of 100,000 users: the sidecar's RSS (VmRSS every 250 ms), and the
//       latency of live events sent during it (one a second, produce → the target's receipt);
//   (d) 500 users to a connector paced to 25 requests/s, one request per user and with Bulk.
// Uses the broker on KAFKA_BROKERS, else the one scripts/kafka.sh runs (started if none answers).
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel } from 'kafkajs';
import { createHttpClient, type HttpClient } from '../src/common/http';
import { configureLogger } from '../src/common/logger';
import { SCIM_2_0 } from '../src/connector-types/scim/scim-dialect';
import {
  addMemberRequest,
  createGroupRequest,
  scimGroupTarget,
} from '../src/connector-types/scim/scim-group-requests';
import { scimTarget, userResource } from '../src/connector-types/scim/scim-requests';
import { loadConfig } from '../src/config';
import { openCore, type Core } from '../src/core';
import { SyncStatus, type SyncJob } from '../src/sync/sync-job.entity';
import { FakeKeycloak } from '../test/fakes/keycloak-admin';
import { adminEvent } from '../test/fakes/keycloak-events';
import {
  BENCH_SCIM_PASSWORD,
  benchUser,
  freePort,
  freshDatabase,
  pool,
  quantile,
  sleep,
  startScimProcess,
  figure,
  verdict,
} from './bench-support';
import {
  accountedProcesses,
  cpuSnapshot,
  cpuSplit,
  ensureBroker,
  heapMb,
  spawnSidecar,
  type SidecarChild,
} from './sidecar-process';

const USERS = Number(process.env.BENCH_SYNC_USERS ?? 10_000);
const GROUPS = Number(process.env.BENCH_SYNC_GROUPS ?? 50);
const LARGE = Number(process.env.BENCH_SYNC_LARGE_USERS ?? 100_000);
const CONCURRENCY = Number(process.env.BENCH_SYNC_CONCURRENCY ?? 32);
const PAGE = Number(process.env.BENCH_SYNC_PAGE_SIZE ?? 100);
/** (d): a target that takes 25 requests a second, as Entra asks of gallery SCIM targets. */
const PACED_USERS = Number(process.env.BENCH_SYNC_PACED_USERS ?? 500);
const PACED_RATE = 25;
const KEYCLOAK_CLIENT = { id: 'provisioning-sidecar', secret: 'bench-kc-secret' };
const SECRETS_KEY = Buffer.alloc(32, 9).toString('base64');
const AUTH = `Basic ${Buffer.from(`bench:${BENCH_SCIM_PASSWORD}`).toString('base64')}`;
const run = randomBytes(3).toString('hex');

/** A realm of `n` users `<prefix>-<i>`, each in one of `groups` groups (none when 0). */
function fillRealm(
  keycloak: FakeKeycloak,
  realm: string,
  prefix: string,
  n: number,
  groups: number,
) {
  keycloak.addRealm(realm);
  const ids = Array.from(
    { length: groups },
    (_, k) => keycloak.addGroup(realm, `${prefix}g-${k}`).id as string,
  );
  for (let i = 0; i < n; i++) {
    const user = keycloak.addUser(realm, {
      username: `${prefix}-${i}`,
      email: `${prefix}-${i}@bench.test`,
      firstName: 'Bench',
      lastName: `User ${i}`,
    });
    if (groups) keycloak.joinGroup(realm, user.id as string, ids[i % groups]);
  }
}

/** The SCIM server's request counts so far. */
async function targetRequests(statsUrl: string): Promise<{ reads: number; writes: number }> {
  return (await (await fetch(`${statsUrl}/requests`)).json()) as { reads: number; writes: number };
}

/** Keycloak's admin API as a client reads it: a service-account token, then GETs. */
async function keycloakReader(http: HttpClient, url: string) {
  const token = await http.send({
    method: 'POST',
    url: `${url}/realms/master/protocol/openid-connect/token`,
    form: {
      grant_type: 'client_credentials',
      client_id: KEYCLOAK_CLIENT.id,
      client_secret: KEYCLOAK_CLIENT.secret,
    },
  });
  const authorization = `Bearer ${(token.body as { access_token: string }).access_token}`;
  return async <T>(path: string): Promise<T> =>
    (
      await http.send({
        method: 'GET',
        url: `${url}/admin/realms/${path}`,
        headers: { authorization },
      })
    ).body as T;
}

/**
 * The raw path: the realm's users read page by page and POSTed straight to the target,
 * `CONCURRENCY` in flight. With `memberships`, each user's groups are read too and the user is
 * added to its group with one PATCH (groups created first): the writes a sync makes.
 */
async function raw(
  keycloakUrl: string,
  scimUrl: string,
  realm: string,
  prefix: string,
  memberships: boolean,
): Promise<{ perSecond: number; failures: number }> {
  const http = createHttpClient(10_000);
  const read = await keycloakReader(http, keycloakUrl);
  const users = scimTarget(SCIM_2_0, { userEndpoint: `${scimUrl}/Users` });
  const groups = scimGroupTarget(SCIM_2_0, { groupEndpoint: `${scimUrl}/Groups` })!;
  const send = async (request: { method: string; url: string; body?: unknown }) =>
    http.send({ ...request, headers: { authorization: AUTH } });
  const started = performance.now();
  const remoteGroups = new Map<string, string>();
  if (memberships)
    for (const g of await read<{ id: string; name: string }[]>(
      `${realm}/groups?first=0&max=${GROUPS}`,
    )) {
      const created = await send(createGroupRequest(groups, `${prefix}${g.name}`));
      remoteGroups.set(g.id, (created.body as { id: string }).id);
    }
  let failures = 0;
  let total = 0;
  for (let first = 0; ; first += PAGE) {
    const page = await read<{ id: string; username: string }[]>(
      `${realm}/users?first=${first}&max=${PAGE}`,
    );
    if (!page.length) break;
    const result = await pool('raw', page.length, CONCURRENCY, async (i) => {
      const user = page[i];
      const theirs = memberships
        ? await read<{ id: string }[]>(`${realm}/users/${user.id}/groups`)
        : [];
      const resource = userResource(users, benchUser(`${prefix}${user.username}`, i, realm), []);
      const created = await send({
        method: 'POST',
        url: users.userEndpoint,
        body: resource.resource,
      });
      const remoteId = (created.body as { id: string }).id;
      for (const g of theirs)
        await send(addMemberRequest(groups, remoteGroups.get(g.id)!, remoteId));
      return created.status === 201;
    });
    failures += result.failures;
    total += page.length;
  }
  await http.close();
  return { perSecond: total / ((performance.now() - started) / 1000), failures };
}

/**
 * While a sync runs: one live USER CREATE event a second on the event topic, each for a user new
 * to the realm, named to sort before the walk's users (so only its event creates it). `stop` waits
 * for them at the target and gives their latencies, produce → the target's receipt.
 */
function liveEventsDuring(kafka: Kafka, topic: string, keycloak: FakeKeycloak, realmName: string) {
  const producer = kafka.producer();
  const realm = { id: keycloak.realms.get(realmName)!.id, name: realmName };
  const sent: { name: string; at: number }[] = [];
  let running = true;
  const loop = (async () => {
    await producer.connect();
    await sleep(2_000); // the walk is under way
    while (running) {
      const username = `alive${run}-${sent.length}`;
      const user = keycloak.addUser(realmName, { username, email: `${username}@bench.test` });
      const representation = { username, email: `${username}@bench.test`, enabled: true };
      const at = Date.now();
      await producer.send({
        topic,
        messages: [
          {
            key: user.id as string,
            value: adminEvent('USER', 'CREATE', `users/${user.id}`, representation, realm, at),
          },
        ],
      });
      sent.push({ name: username, at });
      await sleep(1_000);
    }
  })();
  return {
    async stop(statsUrl: string): Promise<{ summary: string }> {
      running = false;
      await loop;
      await producer.disconnect();
      // The SCIM server notes each userName's first create, by the part before its first '-'.
      const deadline = Date.now() + 30_000;
      let received: Record<string, number> = {};
      while (Object.keys(received).length < sent.length && Date.now() < deadline) {
        received = (await (
          await fetch(`${statsUrl}/received?prefix=alive${run}`)
        ).json()) as Record<string, number>;
        await sleep(100);
      }
      const latencies = sent.filter((s) => received[s.name]).map((s) => received[s.name] - s.at);
      latencies.sort((a, b) => a - b);
      const summary = latencies.length
        ? `${latencies.length} of ${sent.length} arrived, p50 ${quantile(latencies, 0.5)} ms, max ${latencies.at(-1)} ms`
        : `0 of ${sent.length} arrived`;
      return { summary };
    },
  };
}

/** Starts a sync of the identity provider and waits for it to finish; the job and its seconds. */
async function syncOnce(
  core: Core,
  identityProviderId: string,
): Promise<{ job: SyncJob; seconds: number }> {
  const started = await core.services.syncs.start({ identityProviderId, trigger: 'api' });
  for (;;) {
    const job = await core.services.syncs.get(started.id);
    if (job.status !== SyncStatus.QUEUED && job.status !== SyncStatus.RUNNING) {
      if (job.status !== SyncStatus.SUCCEEDED)
        throw new Error(`sync ${job.id} ended ${job.status}: ${job.reason ?? ''}`);
      const seconds = (job.finishedAt!.getTime() - job.startedAt!.getTime()) / 1000;
      return { job, seconds };
    }
    if (process.env.BENCH_SYNC_TRACE)
      console.log(
        `  ${((Date.now() - (job.startedAt?.getTime() ?? Date.now())) / 1000).toFixed(2)} s ${job.status} ${job.phase} total ${job.total} processed ${job.processed}`,
      );
    // The time is the job's own (startedAt → finishedAt): polling less often only spares the database.
    // BENCH_SYNC_TRACE=<ms> prints the job's progress that often.
    await sleep(Number(process.env.BENCH_SYNC_TRACE || 500));
  }
}

const STATEMENTS = ['Com_select', 'Com_insert', 'Com_update', 'Com_delete'];

/** MariaDB's statement counters (server-wide: nothing else runs here meanwhile). */
async function statementCounts(core: Core): Promise<Map<string, number>> {
  const rows: { Variable_name: string; Value: string }[] = await core.dataSource.query(
    `SHOW GLOBAL STATUS WHERE Variable_name IN (${STATEMENTS.map(() => '?').join(', ')})`,
    STATEMENTS,
  );
  return new Map(rows.map((r) => [r.Variable_name, Number(r.Value)]));
}

/** Statements between two readings, per 100 objects synced. */
function statementsPer100(
  before: Map<string, number>,
  after: Map<string, number>,
  objects: number,
) {
  return STATEMENTS.map((name) => {
    const n = (after.get(name) ?? 0) - (before.get(name) ?? 0);
    return `${name.slice(4)} ${((100 * n) / objects).toFixed(1)}`;
  }).join(', ');
}

async function main() {
  const broker = ensureBroker();
  configureLogger('warn');
  const db = await freshDatabase('op_bench_sync');
  const scim = await startScimProcess(['--stats', '--bulk']);
  const keycloak = await new FakeKeycloak(KEYCLOAK_CLIENT).start();
  keycloak.requests.push = () => 0; // never read here; keeps memory flat
  const kafka = new Kafka({ clientId: 'bench', brokers: broker.brokers, logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  const eventTopic = `bench-sync-events-${run}`;
  const syncTopic = `bench-sync-${run}`;
  const group = `bench-sync-${run}`;
  const baseConfig = {
    DATABASE_URL: db.url,
    SECRETS_KEY,
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'op-bench-sync-')),
    LOG_LEVEL: 'warn',
    SYNC_ON_CONNECTOR_CHANGE: 'false',
  };
  let sidecar: SidecarChild | null = null;
  let core: Core | null = null;
  try {
    await admin.connect();
    await admin.createTopics({
      topics: [eventTopic, syncTopic, `${eventTopic}.dlq`, `${syncTopic}.dlq`].map((topic) => ({
        topic,
        numPartitions: topic.endsWith('.dlq') ? 1 : 6,
        replicationFactor: 1,
      })),
      waitForLeaders: true,
    });
    core = await openCore(loadConfig({ ...baseConfig, PORT: '0' }));
    const identityProvider = async (
      realm: string,
      withGroups: boolean,
      useBulk = false,
      maxRequestsPerSecond: number | null = null,
    ) => {
      const idp = await core!.services.identityProviders.create({
        name: realm,
        tenantDomain: realm,
        enabled: true,
      });
      await core!.services.connectors.configure(
        idp.id,
        'scim-2',
        { enabled: true, maxRequestsPerSecond },
        {
          username: 'bench',
          password: BENCH_SCIM_PASSWORD,
          userEndpoint: `${scim.url}/Users`,
          ...(withGroups ? { groupEndpoint: `${scim.url}/Groups` } : {}),
          enablePasswordProvisioning: false,
          useBulk,
        },
      );
      return idp.id;
    };
    fillRealm(keycloak, 'bench', 's', USERS, GROUPS);
    const benchIdp = await identityProvider('bench', true);
    // The same realm again, to a connector that creates users in SCIM Bulk requests.
    fillRealm(keycloak, 'bulk', 'k', USERS, GROUPS);
    const bulkIdp = await identityProvider('bulk', true, true);
    sidecar = spawnSidecar(
      {
        ...baseConfig,
        KAFKA_BROKERS: broker.brokers.join(','),
        KAFKA_GROUP_ID: group,
        KAFKA_TOPICS: eventTopic,
        SYNC_TOPIC: syncTopic,
        SYNC_INTERVAL: 'off',
        SYNC_PAGE_SIZE: String(PAGE),
        KEYCLOAK_URL: keycloak.url,
        KEYCLOAK_CLIENT_ID: KEYCLOAK_CLIENT.id,
        KEYCLOAK_CLIENT_SECRET: KEYCLOAK_CLIENT.secret,
        SIDECAR_CONCURRENCY: String(CONCURRENCY),
      },
      await freePort(),
    );
    await sidecar.ready;
    const t0 = performance.now();
    const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(0)} s`;

    // ---- (a) initial sync, between raw runs (before and after, so drift hits both)
    await raw(keycloak.url, scim.url, 'bench', 'w', false); // warms the target and the client
    const rawPosts1 = await raw(keycloak.url, scim.url, 'bench', 'r1', false);
    const rawWork1 = await raw(keycloak.url, scim.url, 'bench', 'm1', true);
    console.log(
      `[${elapsed()}] (a) raw ${rawPosts1.perSecond.toFixed(0)} users/s; with memberships ${rawWork1.perSecond.toFixed(0)}`,
    );
    const pids = accountedProcesses(sidecar.child.pid!, scim.pid);
    const before = await targetRequests(scim.statsUrl!);
    const cpu0 = cpuSnapshot(pids);
    const sql0 = await statementCounts(core);
    const initial = await syncOnce(core, benchIdp);
    const cpuInitial = cpuSplit(cpu0, cpuSnapshot(pids));
    const sqlInitial = statementsPer100(sql0, await statementCounts(core), USERS + GROUPS);
    const afterInitial = await targetRequests(scim.statsUrl!);
    const initialRate = USERS / initial.seconds;
    console.log(`[${elapsed()}] (a) sync ${initialRate.toFixed(0)} users/s`);
    const cpu2 = cpuSnapshot(pids);
    const bulk = await syncOnce(core, bulkIdp);
    const cpuBulk = cpuSplit(cpu2, cpuSnapshot(pids));
    const afterBulk = await targetRequests(scim.statsUrl!);
    const bulkRate = USERS / bulk.seconds;
    console.log(`[${elapsed()}] (a) sync with SCIM Bulk ${bulkRate.toFixed(0)} users/s`);
    const rawPosts2 = await raw(keycloak.url, scim.url, 'bench', 'r2', false);
    const rawWork2 = await raw(keycloak.url, scim.url, 'bench', 'm2', true);
    const rawPosts = (rawPosts1.perSecond + rawPosts2.perSecond) / 2;
    const rawWork = (rawWork1.perSecond + rawWork2.perSecond) / 2;

    // ---- (b) nothing changed
    const beforeResync = await targetRequests(scim.statsUrl!);
    const cpu1 = cpuSnapshot(pids);
    const sql1 = await statementCounts(core);
    const resync = await syncOnce(core, benchIdp);
    const cpuResync = cpuSplit(cpu1, cpuSnapshot(pids));
    const sqlResync = statementsPer100(sql1, await statementCounts(core), USERS + GROUPS);
    const afterResync = await targetRequests(scim.statsUrl!);
    console.log(`[${elapsed()}] (b) resync ${resync.seconds.toFixed(1)} s`);
    const rssSmall = sidecar.rss.max;

    // ---- (c) a large realm: RSS; and live events while it syncs (their latency to the target)
    fillRealm(keycloak, 'large', 'big', LARGE, 0);
    const largeIdp = await identityProvider('large', false);
    const rssBefore = sidecar.rss.last;
    sidecar.rss.max = 0;
    const live = liveEventsDuring(kafka, eventTopic, keycloak, 'large');
    // A failed sync stops the live events too (their producer would keep the run alive).
    const large = await syncOnce(core, largeIdp).catch(async (error: unknown) => {
      await live.stop(scim.statsUrl!).catch(() => undefined);
      throw error;
    });
    const liveLatency = await live.stop(scim.statsUrl!);
    const heapAfterLarge = await heapMb(sidecar);
    console.log(
      `[${elapsed()}] (c) ${LARGE} users in ${large.seconds.toFixed(0)} s; live events during it: ${liveLatency.summary}`,
    );

    // ---- (d) a rate-limited target: the same users with and without SCIM Bulk
    fillRealm(keycloak, 'paced', 'p', PACED_USERS, 0);
    fillRealm(keycloak, 'pacedbulk', 'q', PACED_USERS, 0);
    const pacedIdp = await identityProvider('paced', false, false, PACED_RATE);
    const pacedBulkIdp = await identityProvider('pacedbulk', false, true, PACED_RATE);
    const paced = await syncOnce(core, pacedIdp);
    const pacedBulk = await syncOnce(core, pacedBulkIdp);
    console.log(
      `[${elapsed()}] (d) paced ${paced.seconds.toFixed(1)} s, with bulk ${pacedBulk.seconds.toFixed(1)} s`,
    );

    // ---- report
    const n = figure;
    const met = verdict;
    const job = initial.job;
    console.log(
      `\nSync benchmark: the local Keycloak admin API (this process) → sync runner → Kafka (6 partitions) → sidecar (child process, SIDECAR_CONCURRENCY=${CONCURRENCY}, SYNC_PAGE_SIZE=${PAGE}) → engine (MariaDB) → SCIM 2.0 server (own process)`,
    );
    console.log(`\n(a) initial sync of ${n(USERS)} users in ${GROUPS} groups\n`);
    console.log('| path | users/s | failures |\n|---|---|---|');
    console.log(
      `| raw: pages read, users POSTed (before) | ${n(rawPosts1.perSecond)} | ${rawPosts1.failures} |`,
    );
    console.log(
      `| raw with memberships: pages read, each user's groups read, POST + PATCH (before) | ${n(rawWork1.perSecond)} | ${rawWork1.failures} |`,
    );
    console.log(
      `| **sync** (job start to finish: walk, converge, settle) | ${n(initialRate)} | ${job.failed} |`,
    );
    console.log(
      `| **sync with SCIM Bulk** (the same realm again; users created in bulks) | ${n(bulkRate)} | ${bulk.job.failed} |`,
    );
    console.log(
      `| raw: pages read, users POSTed (after) | ${n(rawPosts2.perSecond)} | ${rawPosts2.failures} |`,
    );
    console.log(
      `| raw with memberships (after) | ${n(rawWork2.perSecond)} | ${rawWork2.failures} |`,
    );
    console.log(`CPU during the sync: ${cpuInitial}`);
    console.log(`CPU during the sync with SCIM Bulk: ${cpuBulk}`);
    console.log(`MariaDB statements per 100 objects during the sync: ${sqlInitial}`);
    console.log(
      `\nsync job: created ${job.created}, updated ${job.updated}, unchanged ${job.unchanged}, failed ${job.failed}; target writes ${n(afterInitial.writes - before.writes)}, reads ${n(afterInitial.reads - before.reads)}`,
    );
    console.log(
      `sync job with SCIM Bulk: created ${bulk.job.created}, failed ${bulk.job.failed}; target write requests ${n(afterBulk.writes - afterInitial.writes)}, reads ${n(afterBulk.reads - afterInitial.reads)}`,
    );
    console.log(
      `\n(b) second sync, nothing changed: ${n(resync.seconds, 1)} s, ${resync.job.unchanged} unchanged, target writes ${afterResync.writes - beforeResync.writes}, reads ${n(afterResync.reads - beforeResync.reads)}`,
    );
    console.log(`CPU during the resync: ${cpuResync}`);
    console.log(`MariaDB statements per 100 objects during the resync: ${sqlResync}`);
    console.log(
      `\n(c) sync of ${n(LARGE)} users: ${n(large.seconds)} s (${n(LARGE / large.seconds)} users/s), created ${n(large.job.created)}; sidecar RSS before ${n(rssBefore)} MB, max ${n(sidecar.rss.max)} MB (${sidecar.rss.samples} samples); max during (a)–(b) ${n(rssSmall)} MB; live events during it: ${liveLatency.summary}`,
    );
    console.log(`Sidecar memory after the large sync: ${heapAfterLarge}`);
    console.log(
      `\n(d) ${n(PACED_USERS)} users to a target limited to ${PACED_RATE} requests/s: one request per user ${n(paced.seconds, 1)} s (${n(PACED_USERS / paced.seconds)} users/s); with SCIM Bulk ${n(pacedBulk.seconds, 1)} s (${n(PACED_USERS / pacedBulk.seconds)} users/s), ${n(paced.seconds / pacedBulk.seconds, 1)}× faster`,
    );
    console.log('\n| goal | measured | |\n|---|---|---|');
    console.log(
      `| (a) initial sync ≥ 0.7 × raw (pages + POST) | ${n(initialRate / rawPosts, 2)} | ${met(initialRate / rawPosts >= 0.7)} |`,
    );
    console.log(
      `| (a) initial sync with SCIM Bulk ≥ 0.7 × raw (pages + POST) | ${n(bulkRate / rawPosts, 2)} | ${met(bulkRate / rawPosts >= 0.7)} |`,
    );
    console.log(
      `| (a) sync / raw with memberships made user by user | ${n(initialRate / rawWork, 2)} | ${met(initialRate / rawWork >= 0.7)} |`,
    );
    console.log(
      `| (b) no-change resync of ${n(USERS)} < 5 s, zero writes | ${n(resync.seconds, 1)} s, ${afterResync.writes - beforeResync.writes} writes | ${met(resync.seconds < 5 && afterResync.writes === beforeResync.writes)} |`,
    );
    console.log(
      `| (c) sidecar RSS < 200 MB while it syncs ${n(LARGE)} | ${n(sidecar.rss.max)} MB | ${met(sidecar.rss.max < 200)} |`,
    );
    for (const line of sidecar.lines.slice(0, 5)) console.log(`sidecar: ${line.slice(0, 300)}`);
  } finally {
    await sidecar?.stop();
    await core?.close();
    await admin.deleteGroups([group]).catch(() => undefined);
    await admin
      .deleteTopics({ topics: [eventTopic, syncTopic, `${eventTopic}.dlq`, `${syncTopic}.dlq`] })
      .catch(() => undefined);
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
