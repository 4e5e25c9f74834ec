// The sidecar under faults, each against the real broker and MariaDB, each checked at the target:
// SIGKILL mid-stream, a target outage, a broker restart, a member leaving the consumer group, and
// SIGTERM. This file restarts the broker, so it must not run alongside other Kafka tests (jest runs
// test files one at a time on this 2-core machine).
import { setTimeout as sleep } from 'node:timers/promises';
import { produce, restartBroker, testKafka } from './support/kafka';
import { FakeScimServer } from './fakes/scim-server';
import { SyncStatus } from '../src/sync/sync-job.entity';
import { adminEvent, REALM, startSidecarEnv, type SidecarEnv } from './support/sidecar-env';
import { identityProviderId, settled } from './support/sync';

jest.setTimeout(240_000);

async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** Users in the local Keycloak, their CREATE events, then (after a change) their UPDATE events. */
function population(env: SidecarEnv, prefix: string, count: number) {
  const realmId = env.keycloak.realms.get(REALM)!.id;
  const users = Array.from({ length: count }, (_, i) =>
    env.keycloak.addUser(REALM, {
      username: `${prefix}${i}`,
      email: `${prefix}${i}@acme.test`,
      firstName: 'First',
      lastName: `Initial-${i}`,
    }),
  );
  const event = (op: 'CREATE' | 'UPDATE', u: Record<string, unknown>) => ({
    key: u.id as string,
    value: adminEvent('USER', op, `users/${u.id as string}`, { username: u.username }, realmId),
  });
  return {
    users,
    creates: users.map((u) => event('CREATE', u)),
    /** Changes every user's last name in Keycloak and returns the UPDATE events. */
    update() {
      users.forEach((u, i) => (u.lastName = `Final-${i}`));
      return users.map((u) => event('UPDATE', u));
    },
    /** Every user exists once at the target, with its last name as `last`. */
    arrived(last: 'Initial' | 'Final') {
      return users.every(
        (u, i) => env.scim.byUserName(u.username as string)?.name?.familyName === `${last}-${i}`,
      );
    },
  };
}

/** Whether the sidecar's group has committed the end of every partition of the admin topic. */
async function allCommitted(env: SidecarEnv): Promise<boolean> {
  const admin = (await testKafka('offsets')).admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(env.adminTopic);
    const [group] = await admin.fetchOffsets({ groupId: env.groupId, topics: [env.adminTopic] });
    const committed = new Map(group.partitions.map((p) => [p.partition, p.offset]));
    return ends.every((end) => committed.get(end.partition) === end.high);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Creates of one user the target received. The sidecar makes one attempt a round, so a second
 * means the user has waited to retry once.
 */
function createsOf(env: SidecarEnv, userName: string): number {
  return env.scim.requests.filter(
    (r) => (r.body as { userName?: string } | null)?.userName === userName,
  ).length;
}

/** How many users have 1, 2, … provisioning records. */
async function recordsPerUser(
  env: SidecarEnv,
  users: Record<string, unknown>[],
): Promise<Map<number, number>> {
  const ids = users.map((u) => u.id as string);
  const rows: { n: string }[] = await env.core.dataSource.query(
    `SELECT COUNT(*) AS n FROM provisioning_record WHERE localId IN (${ids.map(() => '?').join(',')}) GROUP BY localId`,
    ids,
  );
  const histogram = new Map<number, number>();
  for (const { n } of rows) histogram.set(Number(n), (histogram.get(Number(n)) ?? 0) + 1);
  return histogram;
}

describe('sidecar under faults', () => {
  let env: SidecarEnv;
  afterEach(async () => {
    await env?.close();
  });

  it('loses and duplicates nothing when killed with SIGKILL twice mid-stream (1,000 users)', async () => {
    env = await startSidecarEnv({ partitions: 3 });
    const people = population(env, 'k', 1000);
    await produce(env.adminTopic, people.creates);
    await produce(env.adminTopic, people.update());
    for (let kill = 0; kill < 2; kill++) {
      const run = env.spawn();
      // A random moment once work is under way.
      await until('some provisioning', () => env.scim.created > kill * 300 + 50);
      await sleep(Math.floor(Math.random() * 700));
      run.child.kill('SIGKILL');
      await run.exited;
    }
    const last = env.spawn();
    await until('every user with its last attributes', () => people.arrived('Final'), 180_000);
    // The creates already carried the final names (Keycloak had them): wait for the updates too.
    await until('every event handled and committed', () => allCommitted(env), 60_000);
    expect(env.scim.users.size).toBe(1000);
    expect(env.scim.created).toBe(1000);
    const stopping = Date.now();
    last.child.kill('SIGTERM');
    expect(await last.exited).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(10_000);
  });

  it('commits what it finished when stopped with SIGTERM mid-stream, so a restart runs nothing twice', async () => {
    env = await startSidecarEnv({ partitions: 3 });
    env.scim.latencyMs = 100; // calls are in flight when the signal comes
    const people = population(env, 't', 400);
    await produce(env.adminTopic, people.creates);
    const first = env.spawn();
    await until('some provisioning', () => env.scim.created >= 50);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(env.scim.created).toBeLessThan(400);
    env.scim.latencyMs = 0;
    env.spawn();
    await until('every user', () => people.arrived('Initial'));
    await until('every event committed', () => allCommitted(env));
    // One record per user: nothing the first sidecar finished was provisioned again.
    expect(await recordsPerUser(env, people.users)).toEqual(new Map([[1, 400]]));
  });

  it('a target answering 429 with Retry-After: 30 holds no slot: another realm is provisioned within seconds', async () => {
    env = await startSidecarEnv({ partitions: 3, env: { SIDECAR_CONCURRENCY: '2' } });
    const calm = await new FakeScimServer('2.0', { bearer: 'calm-scim-token' }).start();
    try {
      const calmRealm = env.keycloak.addRealm('calm');
      const idp = await env.core.services.identityProviders.create({
        name: 'calm-idp',
        tenantDomain: 'calm',
        enabled: true,
      });
      await env.core.services.connectors.configure(
        idp.id,
        'scim-2',
        { enabled: true },
        {
          bearerToken: 'calm-scim-token',
          userEndpoint: `${calm.url}/Users`,
        },
      );
      const throttle = { kind: 'status' as const, status: 429, headers: { 'retry-after': '30' } };
      env.scim.inject(...Array.from({ length: 1000 }, () => throttle));
      await env.start();
      await produce(env.adminTopic, population(env, 'throttled', 8).creates);
      await sleep(1000); // every throttled event has had its first call
      const calmUsers = Array.from({ length: 10 }, (_, i) =>
        env.keycloak.addUser('calm', { username: `calm${i}`, firstName: 'C', lastName: 'Alm' }),
      );
      const started = Date.now();
      await produce(
        env.adminTopic,
        calmUsers.map((u) => ({
          key: u.id as string,
          value: adminEvent(
            'USER',
            'CREATE',
            `users/${u.id as string}`,
            null,
            calmRealm.id,
            'calm',
          ),
        })),
      );
      await until(
        'every calm user',
        () => calmUsers.every((u) => calm.byUserName(u.username as string)),
        30_000,
      );
      // Within seconds, not minutes: the old in-engine waits (3 × 30 s per event) held both slots.
      // With 2 slots, 3 partitions are read 2 at a time, so a batch hand-back (3 s) may come first.
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(env.scim.created).toBe(0);
    } finally {
      await calm.stop();
    }
  });

  it('delivers everything, in order per user, after the target answers 503 for 30 s', async () => {
    env = await startSidecarEnv({ partitions: 3, env: { SIDECAR_RETRY_FOR_MS: '120000' } });
    await env.start();
    const people = population(env, 'o', 50);
    env.scim.unavailableFor(30_000);
    const started = Date.now();
    await produce(env.adminTopic, people.creates);
    await sleep(200);
    await produce(env.adminTopic, people.update());
    await until('every user with its last attributes', () => people.arrived('Final'), 120_000);
    // Keycloak already had the final names when the creates ran: wait for the updates too.
    await until('every event handled and committed', () => allCommitted(env));
    expect(Date.now() - started).toBeGreaterThanOrEqual(29_000);
    expect(env.scim.created).toBe(50);
    for (const u of people.users) {
      const id = env.scim.byUserName(u.username as string)!.id as string;
      const writes = env.scim.requests.filter(
        (r) =>
          (r.method === 'POST' && r.body?.userName === u.username) ||
          r.path.endsWith(`/Users/${id}`),
      );
      // The create comes first. Keycloak had the final names when it ran, so the update usually
      // finds nothing left to send (skipped as unchanged); any PATCH comes after every POST.
      expect(writes[0]?.method).toBe('POST');
      const lastPost = writes.map((r) => r.method).lastIndexOf('POST');
      writes.forEach((r, i) => r.method === 'PATCH' && expect(i).toBeGreaterThan(lastPost));
    }
  });

  it("does not hold up other users' events while one user's create keeps failing", async () => {
    env = await startSidecarEnv({ partitions: 1, env: { SIDECAR_RETRY_FOR_MS: '120000' } });
    await env.start();
    const stuck = population(env, 'x', 1);
    const early = population(env, 'g', 20);
    const late = population(env, 'h', 20);
    env.scim.failingUserNames.add('x0');
    await produce(env.adminTopic, [...stuck.creates, ...early.creates]);
    await until('the users beside the stuck one', () => early.arrived('Initial'), 20_000);
    // Produced later, so fetched after the stuck user's batch: it must not wait for that batch.
    await produce(env.adminTopic, late.creates);
    await until('the users produced later', () => late.arrived('Initial'), 20_000);
    expect(env.scim.byUserName('x0')).toBeUndefined();
    expect(env.logs.filter((l) => l.includes('batch handed back')).length).toBeGreaterThan(0);
    env.scim.failingUserNames.delete('x0');
    await until('the stuck user once its target recovers', () => stuck.arrived('Initial'), 30_000);
    expect(env.scim.created).toBe(41);
    // Events handled beside the stuck one are not run again when its batch is fetched again.
    await until('every event committed', () => allCommitted(env), 30_000);
    expect(await recordsPerUser(env, [...early.users, ...late.users])).toEqual(new Map([[1, 40]]));
  });

  it('keeps a batch whose one retrying event has succeeded: the rest runs on without a refetch', async () => {
    env = await startSidecarEnv({ partitions: 1, env: { SIDECAR_CONCURRENCY: '1' } });
    const once = population(env, 'once', 1);
    const after = population(env, 'after', 120);
    env.scim.latencyMs = 40; // 120 creates one at a time: about 5 s, all in the first batch
    env.scim.failingUserNames.add('once0');
    await produce(env.adminTopic, [...once.creates, ...after.creates]);
    await env.start();
    await until('a retry of once0', () => createsOf(env, 'once0') >= 2, 20_000);
    env.scim.failingUserNames.delete('once0');
    await until('every user', () => once.arrived('Initial') && after.arrived('Initial'), 60_000);
    // The retrying event ended within its first seconds; the batch ran on for seconds more and
    // was never handed back (each hand-back costs a pause and a fetch).
    expect(env.logs.filter((l) => l.includes('batch handed back'))).toEqual([]);
    expect(env.scim.created).toBe(121);
    await until('every event committed', () => allCommitted(env), 30_000);
  });

  it('counts an object of a sync that retried and then went through as created, not failed', async () => {
    env = await startSidecarEnv({ partitions: 1 });
    population(env, 'paged', 20);
    env.scim.failingUserNames.add('paged0');
    await env.start();
    const job = await env.core.services.syncs.start({
      identityProviderId: await identityProviderId(env),
      trigger: 'api',
    });
    await until('a retry of paged0', () => createsOf(env, 'paged0') >= 2, 20_000);
    env.scim.failingUserNames.delete('paged0');
    expect(await settled(env, job.id)).toMatchObject({
      status: SyncStatus.SUCCEEDED,
      created: 20,
      failed: 0,
    });
  });

  it('resumes after a broker restart mid-stream with nothing lost', async () => {
    env = await startSidecarEnv({ partitions: 3 });
    await env.start();
    const before = population(env, 'b', 300);
    await produce(env.adminTopic, before.creates);
    await until('some provisioning', () => env.scim.created >= 50);
    await restartBroker();
    const after = population(env, 'a', 300);
    await produce(env.adminTopic, after.creates);
    await until(
      'all 600 users',
      () => before.arrived('Initial') && after.arrived('Initial'),
      120_000,
    );
    expect(env.scim.created).toBe(600);
  });

  it('moves partitions to the other instance when one stops; every user provisioned once', async () => {
    env = await startSidecarEnv({ partitions: 6 });
    const first = await env.start();
    await env.start();
    const people = population(env, 's', 600);
    await produce(env.adminTopic, people.creates);
    await until('some provisioning', () => env.scim.created >= 100);
    await first.stop();
    await until('all 600 users', () => people.arrived('Initial'), 120_000);
    expect(env.scim.users.size).toBe(600);
    expect(env.scim.created).toBe(600);
  });
});
