// Syncs end to end: a real Kafka broker and MariaDB, the local Keycloak admin server (paged lists,
// sub-groups) and the local SCIM 2.0 server. What a user of the product would check: the target
// ends as Keycloak has it, a second sync writes nothing, and nothing is wiped by mistake.
import type { Sidecar } from '../sidecar/app';
import { SyncStatus } from '../src/sync/sync-job.entity';
import { adminEvent, REALM, startSidecarEnv, type SidecarEnv } from './support/sidecar-env';
import { produce } from './support/kafka';
import {
  groupsOf,
  identityProviderId,
  settled,
  sync,
  until,
  walkPosition,
  writes,
} from './support/sync';

jest.setTimeout(180_000);

function addUsers(env: SidecarEnv, prefix: string, n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) =>
    env.keycloak.addUser(REALM, {
      username: `${prefix}-${String(i).padStart(3, '0')}`,
      email: `${prefix}-${i}@acme.test`,
      firstName: 'Grace',
      lastName: 'Hopper',
    }),
  );
}

describe('a sync', () => {
  let env: SidecarEnv;
  let sidecar: Sidecar;
  const realm = () => env.keycloak.realms.get(REALM)!;

  beforeAll(async () => {
    // Small pages, so that the walk really pages.
    env = await startSidecarEnv({ env: { SYNC_PAGE_SIZE: '3' } });
    sidecar = await env.start();
    await until('the consumer to join', () => sidecar.isReady());
  });
  afterAll(() => {
    if (process.env.DUMP) console.log(env.logs.filter((l) => /"(sync|kafka)"/.test(l)).join(''));
    return env?.close();
  });

  it('provisions a realm that was there before: users, groups, sub-groups and memberships', async () => {
    const eng = env.keycloak.addGroup(REALM, 'eng');
    const platform = env.keycloak.addGroup(REALM, 'platform', eng.id as string);
    const sales = env.keycloak.addGroup(REALM, 'sales');
    const users = addUsers(env, 'old', 7);
    env.keycloak.joinGroup(REALM, users[0].id as string, eng.id as string);
    env.keycloak.joinGroup(REALM, users[1].id as string, platform.id as string);
    env.keycloak.joinGroup(REALM, users[2].id as string, sales.id as string);
    env.keycloak.joinGroup(REALM, users[2].id as string, eng.id as string);

    const from = env.scim.requests.length;
    const job = await sync(env);

    expect(job).toMatchObject({
      status: SyncStatus.SUCCEEDED,
      total: 10,
      processed: 10,
      created: 10,
      failed: 0,
      deleted: 0,
    });
    expect(env.scim.users.size).toBe(7);
    expect([...env.scim.groups.values()].map((g) => g.displayName).sort()).toEqual([
      'eng',
      'platform',
      'sales',
    ]);
    expect(groupsOf(env.scim, 'old-000')).toEqual(['eng']);
    expect(groupsOf(env.scim, 'old-001')).toEqual(['platform']);
    expect(groupsOf(env.scim, 'old-002')).toEqual(['eng', 'sales']);
    expect(groupsOf(env.scim, 'old-003')).toEqual([]);
    // Memberships go out group by group: eng's two members in one PATCH.
    const patches = env.scim.requests
      .slice(from)
      .filter((r) => r.method === 'PATCH' && r.path.includes('/Groups/'));
    expect(patches).toHaveLength(3);
    const engId = [...env.scim.groups.values()].find((g) => g.displayName === 'eng')!.id as string;
    const toEng = patches.find((p) => p.path.endsWith(`/Groups/${engId}`))!;
    expect(toEng.body).toMatchObject({
      Operations: [{ op: 'add', path: 'members', value: [{}, {}] }],
    });
    // Every decision is in the provisioning log under the job.
    const log = await env.core.services.history.page({ syncJobId: job.id }, 100, null);
    expect(log.edges.length).toBeGreaterThanOrEqual(10);
    expect(log.edges.every((e) => e.node.source === `sync:${job.id}`)).toBe(true);
  });

  it('makes no write at the target when nothing changed', async () => {
    const before = writes(env.scim);
    const job = await sync(env);
    expect(job).toMatchObject({ status: SyncStatus.SUCCEEDED, total: 10, unchanged: 10 });
    expect(writes(env.scim)).toBe(before);
  });

  it('reads the users of the realm a page at a time, and memberships a group at a time', async () => {
    const from = env.keycloak.requests.length;
    const users = [...realm().users.values()];
    // Changed in Keycloak after the last sync: the page read at convergence carries the change.
    const renamed = users[4];
    renamed.lastName = 'Paged';
    const job = await sync(env);
    expect(job).toMatchObject({ status: SyncStatus.SUCCEEDED, total: 10, updated: 1 });
    const reads = env.keycloak.requests.slice(from).filter((r) => r.method === 'GET');
    const singleUser = reads.filter((r) => /\/users\/[^/]+$/.test(r.path));
    const fullPages = reads.filter(
      (r) => r.path.endsWith('/users') && r.query.get('briefRepresentation') === 'false',
    );
    expect(singleUser).toEqual([]);
    // Memberships are read group by group (one read for each of the 3 groups), not per user.
    expect(reads.filter((r) => /\/users\/[^/]+\/groups$/.test(r.path))).toEqual([]);
    expect(reads.filter((r) => r.path.endsWith('/members'))).toHaveLength(3);
    // 7 users in pages of 3: each page read in full once by the sidecar that converges it.
    expect(fullPages).toHaveLength(3);
    const target = [...env.scim.users.values()].find((u) => u.userName === renamed.username);
    expect(target?.name).toMatchObject({ familyName: 'Paged' });
  });

  it('repairs what Keycloak changed without a word: deleted, edited, left a group', async () => {
    const byName = (name: string) => [...realm().users.values()].find((u) => u.username === name)!;
    // Keycloak changed while no event reached us (no sidecar, a lost event, LDAP).
    realm().users.delete(byName('old-006').id as string);
    byName('old-005').lastName = 'Hopper-Murray';
    const eng = [...realm().groups.values()].find((g) => g.name === 'eng')!;
    env.keycloak.leaveGroup(REALM, byName('old-000').id as string, eng.id as string);

    const job = await sync(env);

    expect(job).toMatchObject({ status: SyncStatus.SUCCEEDED, deleted: 1, updated: 2, failed: 0 });
    expect(env.scim.byUserName('old-006')).toBeUndefined();
    expect(env.scim.byUserName('old-005')).toMatchObject({ name: { familyName: 'Hopper-Murray' } });
    expect(groupsOf(env.scim, 'old-000')).toEqual([]);
    expect(groupsOf(env.scim, 'old-002')).toEqual(['eng', 'sales']);
  });

  it('repairs drift at the target: a user deleted there is recreated with its groups, one edited there is put back', async () => {
    const remote = (name: string) => env.scim.byUserName(name)!;
    env.scim.users.delete(remote('old-002').id as string);
    remote('old-003').name = { givenName: 'Someone', familyName: 'Else' };
    const before = writes(env.scim);

    const job = await sync(env);

    // Updated: old-003, and the two groups old-002 was added back to (memberships converge with
    // their groups).
    expect(job).toMatchObject({ status: SyncStatus.SUCCEEDED, created: 1, updated: 3, failed: 0 });
    expect(remote('old-002')).toBeDefined();
    expect(groupsOf(env.scim, 'old-002')).toEqual(['eng', 'sales']);
    expect(remote('old-003')).toMatchObject({ name: { givenName: 'Grace', familyName: 'Hopper' } });
    // One create, one update and two memberships: nothing else was written.
    expect(writes(env.scim) - before).toBe(4);
    const [relinked] = await env.core.services.history.links(null, realmUserId('old-002'));
    expect(relinked.remoteId).toBe(remote('old-002').id);
  });

  it('repairs groups at the target: one deleted there comes back with its members, one renamed there is put back', async () => {
    const group = (name: string) =>
      [...env.scim.groups.values()].find((g) => g.displayName === name);
    env.scim.groups.delete(group('sales')!.id as string);
    group('platform')!.displayName = 'renamed-at-the-target';

    const job = await sync(env);

    expect(job).toMatchObject({ status: SyncStatus.SUCCEEDED, failed: 0 });
    expect(group('renamed-at-the-target')).toBeUndefined();
    expect(group('platform')).toBeDefined();
    expect(groupsOf(env.scim, 'old-001')).toEqual(['platform']);
    expect(groupsOf(env.scim, 'old-002')).toEqual(['eng', 'sales']);
    const again = await sync(env);
    expect(again).toMatchObject({
      status: SyncStatus.SUCCEEDED,
      created: 0,
      updated: 0,
      failed: 0,
    });
  });

  it('takes back a member who left the group while it was being listed', async () => {
    const late = env.keycloak.addGroup(REALM, 'late');
    const [stays, leaves] = addUsers(env, 'late', 2);
    env.keycloak.joinGroup(REALM, stays.id as string, late.id as string);
    env.keycloak.joinGroup(REALM, leaves.id as string, late.id as string);
    let listed = false;
    // Right after the sync first lists the group, one member leaves it in Keycloak.
    env.keycloak.afterRequest = (request) => {
      if (listed || !request.path.endsWith(`/groups/${late.id as string}/members`)) return;
      listed = true;
      env.keycloak.leaveGroup(REALM, leaves.id as string, late.id as string);
    };
    try {
      const job = await sync(env);
      expect(job).toMatchObject({ status: SyncStatus.SUCCEEDED, failed: 0 });
    } finally {
      env.keycloak.afterRequest = null;
    }
    expect(listed).toBe(true);
    expect(groupsOf(env.scim, 'late-000')).toEqual(['late']);
    expect(groupsOf(env.scim, 'late-001')).toEqual([]);
  });

  it('computes everything and changes nothing in a dry run', async () => {
    addUsers(env, 'dry', 2);
    const before = writes(env.scim);
    const job = await sync(env, { dryRun: true });
    expect(job).toMatchObject({ status: SyncStatus.SUCCEEDED, dryRun: true, created: 2 });
    expect(writes(env.scim)).toBe(before);
    expect(env.scim.byUserName('dry-000')).toBeUndefined();
    const links = await env.core.services.history.links(null, realmUserId('dry-000'));
    expect(links).toEqual([]);
  });

  it('gives a user created with groups those memberships on the live path', async () => {
    const group = env.keycloak.addGroup(REALM, 'on-create');
    const [user] = addUsers(env, 'live', 1);
    env.keycloak.joinGroup(REALM, user.id as string, group.id as string);
    // Keycloak's CREATE event carries the groups in its body but sends no membership event.
    await produce(env.adminTopic, [
      {
        key: user.id as string,
        value: adminEvent(
          'USER',
          'CREATE',
          `users/${user.id as string}`,
          { username: user.username, groups: ['/on-create'] },
          realm().id,
        ),
      },
    ]);
    await until('the member', () => groupsOf(env.scim, 'live-000').includes('on-create'));
  });

  it('ends as Keycloak has it when users change and go while it runs', async () => {
    const users = addUsers(env, 'busy', 30);
    env.scim.latencyMs = 5;
    const job = await env.core.services.syncs.start({
      identityProviderId: await identityProviderId(env),
      trigger: 'api',
    });
    await until('the sync to be under way', async () => {
      const now = await env.core.services.syncs.get(job.id);
      return now.processed > 5 || now.status !== SyncStatus.QUEUED;
    });
    // Renamed, deleted with their events, and deleted without one, while the sync runs.
    const events = [];
    for (const u of users.slice(0, 5)) {
      u.lastName = 'Changed';
      events.push({
        key: u.id as string,
        value: adminEvent('USER', 'UPDATE', `users/${u.id as string}`, null, realm().id),
      });
    }
    for (const u of users.slice(5, 10)) {
      realm().users.delete(u.id as string);
      events.push({
        key: u.id as string,
        value: adminEvent('USER', 'DELETE', `users/${u.id as string}`, null, realm().id),
      });
    }
    for (const u of users.slice(10, 12)) realm().users.delete(u.id as string);
    await produce(env.adminTopic, events);
    const done = await settled(env, job.id);
    env.scim.latencyMs = 0;
    expect(done.status).toBe(SyncStatus.SUCCEEDED);
    // Whatever the interleaving, one more sync leaves the target exactly as Keycloak has it.
    await sync(env);
    const expected = [...realm().users.values()].map((u) => u.username as string).sort();
    const actual = [...env.scim.users.values()].map((u) => u.userName as string).sort();
    expect(actual).toEqual(expected);
    for (const u of users.slice(0, 5))
      expect(env.scim.byUserName(u.username as string)).toMatchObject({
        name: { familyName: 'Changed' },
      });
  });

  it('counts each user it created once, though users added during the walk make it read some twice', async () => {
    const atTarget = env.scim.users.size;
    const known = realm().users.size;
    const users = addUsers(env, 'zz-walk', 30);
    env.keycloak.latencyMs = 50; // pages of three users that take a while to read
    const job = await env.core.services.syncs.start({
      identityProviderId: await identityProviderId(env),
      trigger: 'api',
    });
    await until('the walk among the new users', async () => {
      const position = await walkPosition(env, job.id);
      return position >= known + 6 && position < known + 24;
    });
    // Six users that sort before the walk's position: the pages after it move back by six, so
    // the walk reads again what it had just read, as it does on a real Keycloak.
    addUsers(env, 'aa-late', 6);
    env.keycloak.latencyMs = 0;
    const done = await settled(env, job.id);
    expect(done.status).toBe(SyncStatus.SUCCEEDED);
    expect(env.scim.users.size - atTarget).toBe(30);
    expect(done.created).toBe(30);
    expect(done.processed).toBe(done.total);
    // The walk did read some twice: each read is a record.
    const [{ n }]: { n: number | string }[] = await env.core.dataSource.query(
      `SELECT COUNT(*) AS n FROM provisioning_record WHERE source = ? AND localId IN (${users.map(() => '?').join(', ')})`,
      [`sync:${job.id}`, ...users.map((u) => u.id as string)],
    );
    expect(Number(n)).toBeGreaterThan(30);
  });

  function realmUserId(username: string): string {
    return [...realm().users.values()].find((u) => u.username === username)!.id as string;
  }
});

const realmId = (env: SidecarEnv) => env.keycloak.realms.get(REALM)!.id;

describe("a connector's pace", () => {
  let env: SidecarEnv;
  const PER_SECOND = 10;

  beforeAll(async () => {
    env = await startSidecarEnv();
    const idpId = await identityProviderId(env);
    const [connector] = await env.core.services.connectors.listFor(idpId);
    await env.core.services.connectors.configure(
      idpId,
      connector.type,
      { maxRequestsPerSecond: PER_SECOND },
      {},
    );
    const sidecar = await env.start();
    await until('the consumer to join', () => sidecar.isReady());
  });
  afterAll(() => env?.close());

  it('holds a sync and live events together to maxRequestsPerSecond at the target', async () => {
    addUsers(env, 'paced', 30);
    const live = addUsers(env, 'live-paced', 10);
    const from = env.scim.requests.length;
    const job = env.core.services.syncs.start({
      identityProviderId: await identityProviderId(env),
      trigger: 'api',
    });
    // Live events for other users while the sync runs: the same connector, the same pace.
    await produce(
      env.adminTopic,
      live.map((u) => ({
        key: u.id as string,
        value: adminEvent('USER', 'CREATE', `users/${u.id as string}`, null, realmId(env)),
      })),
    );
    expect(await settled(env, (await job).id)).toMatchObject({ status: SyncStatus.SUCCEEDED });
    await until('every live user', () =>
      live.every((u) => env.scim.byUserName(u.username as string)),
    );

    const times = env.scim.requests.slice(from).map((r) => r.at);
    expect(times.length).toBeGreaterThanOrEqual(40);
    const perSecond = ((times.length - 1) * 1000) / (times[times.length - 1] - times[0]);
    expect(perSecond).toBeGreaterThan(PER_SECOND * 0.9);
    expect(perSecond).toBeLessThan(PER_SECOND * 1.1);
  });

  it('pauses the whole connector for as long as a 429 says, not only the call that got it', async () => {
    const users = addUsers(env, 'after-429', 5);
    const throttled = env.scim.requests.length;
    env.scim.inject({ kind: 'status', status: 429, headers: { 'retry-after': '2' } });
    await produce(
      env.adminTopic,
      users.map((u) => ({
        key: u.id as string,
        value: adminEvent('USER', 'CREATE', `users/${u.id as string}`, null, realmId(env)),
      })),
    );
    await until(
      'every user despite the 429',
      () => users.every((u) => env.scim.byUserName(u.username as string)),
      60_000,
    );
    const [refused, next] = env.scim.requests.slice(throttled, throttled + 2);
    // The other users' creates waited too: nothing reached the target for the 2 s it asked.
    expect(next.at - refused.at).toBeGreaterThanOrEqual(2000);
  });
});

describe('the deletion safeguard', () => {
  let env: SidecarEnv;

  beforeAll(async () => {
    env = await startSidecarEnv();
    const sidecar = await env.start();
    await until('the consumer to join', () => sidecar.isReady());
  });
  afterAll(() => {
    if (process.env.DUMP) console.log(env.logs.filter((l) => /"(sync|kafka)"/.test(l)).join(''));
    return env?.close();
  });

  it('deletes a few without asking, stops before many, and goes on only when confirmed', async () => {
    const realm = env.keycloak.realms.get(REALM)!;
    const users = addUsers(env, 'safe', 20);
    expect(await sync(env)).toMatchObject({ status: SyncStatus.SUCCEEDED, created: 20 });

    // Two of twenty (10 %) is below the threshold (20 %).
    for (const u of users.slice(0, 2)) realm.users.delete(u.id as string);
    expect(await sync(env)).toMatchObject({ status: SyncStatus.SUCCEEDED, deleted: 2 });
    expect(env.scim.users.size).toBe(18);

    // Keycloak answers an empty realm (a wrong realm, a broken federation): nothing is deleted.
    const kept = new Map(realm.users);
    realm.users.clear();
    const held = await sync(env);
    expect(held).toMatchObject({ status: SyncStatus.NEEDS_CONFIRMATION, pendingDeletions: 18 });
    expect(held.reason).toMatch(/would delete 18 of 18 linked users/);
    expect(env.scim.users.size).toBe(18);
    const cancelled = await env.core.services.syncs.cancel(held.id);
    expect(cancelled.status).toBe(SyncStatus.CANCELLED);
    expect(env.scim.users.size).toBe(18);

    // Confirmed, it deletes; and a user Keycloak still has is never deleted, even then.
    const stillThere = users[19];
    realm.users.set(stillThere.id as string, kept.get(stillThere.id as string)!);
    const again = await sync(env);
    expect(again.status).toBe(SyncStatus.NEEDS_CONFIRMATION);
    await env.core.services.syncs.confirmDeletions(again.id);
    const confirmed = await settled(env, again.id);
    expect(confirmed).toMatchObject({ status: SyncStatus.SUCCEEDED, deleted: 17 });
    expect([...env.scim.users.values()].map((u) => u.userName)).toEqual([stillThere.username]);
  });

  it('fails with the missing role when Keycloak refuses to list, and deletes nothing', async () => {
    const before = env.scim.users.size;
    env.keycloak.inject({ status: 403, body: { error: 'HTTP 403 Forbidden' } });
    const job = await sync(env);
    expect(job.status).toBe(SyncStatus.FAILED);
    expect(job.reason).toMatch(/view-users/);
    expect(job.reason).toMatch(/query-groups/);
    expect(env.scim.users.size).toBe(before);
  });
});

describe('a sync to a SCIM service that takes bulks', () => {
  let env: SidecarEnv;

  beforeAll(async () => {
    env = await startSidecarEnv();
    env.scim.bulk = { maxOperations: 50, maxPayloadSize: 1 << 20 };
    const idpId = await identityProviderId(env);
    const [connector] = await env.core.services.connectors.listFor(idpId);
    await env.core.services.connectors.configure(idpId, connector.type, {}, { useBulk: true });
    const sidecar = await env.start();
    await until('the consumer to join', () => sidecar.isReady());
  });
  afterAll(() => env?.close());

  it('creates the realm in a few bulk requests, each user recorded on its own, and a second sync writes nothing', async () => {
    const users = addUsers(env, 'bulk', 40);
    const team = env.keycloak.addGroup(REALM, 'team');
    for (const u of users.slice(0, 5))
      env.keycloak.joinGroup(REALM, u.id as string, team.id as string);
    const job = await sync(env);
    expect(job).toMatchObject({ status: SyncStatus.SUCCEEDED, created: 41, failed: 0 });
    expect(env.scim.users.size).toBe(40);
    expect(groupsOf(env.scim, 'bulk-000')).toEqual(['team']);
    const creates = env.scim.requests.filter(
      (r) => r.method === 'POST' && (r.path.endsWith('/Bulk') || r.path.endsWith('/Users')),
    );
    expect(creates.filter((r) => r.path.endsWith('/Bulk')).length).toBeGreaterThanOrEqual(1);
    expect(creates.length).toBeLessThanOrEqual(10);
    const rows: { n: number | string }[] = await env.core.dataSource.query(
      `SELECT COUNT(*) AS n FROM provisioning_record WHERE source = ? AND entityType = 'USER' AND operation = 'CREATE' AND status = 'SUCCEEDED' AND remoteId IS NOT NULL`,
      [`sync:${job.id}`],
    );
    expect(Number(rows[0].n)).toBe(40);
    const before = writes(env.scim);
    expect(await sync(env)).toMatchObject({ status: SyncStatus.SUCCEEDED, unchanged: 41 });
    expect(writes(env.scim)).toBe(before);
  });
});

describe('a sync across sidecars', () => {
  let env: SidecarEnv | undefined;
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });

  /** How many provisioning records each user has: 1 everywhere means each was converged once. */
  async function recordsPerUser(e: SidecarEnv, jobId: string): Promise<Map<number, number>> {
    const rows: { n: number | string }[] = await e.core.dataSource.query(
      `SELECT COUNT(*) AS n FROM provisioning_record WHERE source = ? AND entityType = 'USER' GROUP BY localId`,
      [`sync:${jobId}`],
    );
    const histogram = new Map<number, number>();
    for (const { n } of rows) histogram.set(Number(n), (histogram.get(Number(n)) ?? 0) + 1);
    return histogram;
  }

  it('is shared by two sidecars, and each object is converged once', async () => {
    env = await startSidecarEnv({ partitions: 4, env: { SYNC_PAGE_SIZE: '20' } });
    addUsers(env, 'shared', 200);
    const [a, b] = [await env.start(), await env.start()];
    await until('both consumers to join', () => a.isReady() && b.isReady());
    const job = await sync(env);
    expect(job).toMatchObject({ status: SyncStatus.SUCCEEDED, created: 200, failed: 0 });
    expect(env.scim.created).toBe(200);
    expect(await recordsPerUser(env, job.id)).toEqual(new Map([[1, 200]]));
    // Both took part: each handled converge messages of the sync topic.
    for (const s of [a, b]) {
      const metrics = await (await fetch(`${s.url}/metrics`)).text();
      expect(metrics).toMatch(/sidecar_sync_objects_total\{outcome="created"\} [1-9]/);
    }
  });

  it('survives its sidecar killed with SIGKILL mid-walk: another carries it on and it completes', async () => {
    env = await startSidecarEnv({
      partitions: 3,
      env: { SYNC_PAGE_SIZE: '1', SYNC_LEASE_MS: '2000' },
    });
    addUsers(env, 'killed', 150);
    env.keycloak.latencyMs = 10; // a walk of 150 pages that takes seconds
    const first = env.spawn();
    const job = await env.core.services.syncs.start({
      identityProviderId: await identityProviderId(env),
      trigger: 'api',
    });
    const walked = () => walkPosition(env!, job.id);
    await until('the walk among the users', async () => (await walked()) >= 30, 60_000);
    first.child.kill('SIGKILL');
    await first.exited;
    // Killed mid-walk: the position is kept, and the job still belongs to nobody alive.
    const position = await walked();
    expect(position).toBeGreaterThanOrEqual(30);
    expect(position).toBeLessThan(150);
    expect((await env.core.services.syncs.get(job.id)).status).toBe(SyncStatus.RUNNING);
    env.keycloak.latencyMs = 0;
    const second = await env.start();
    const done = await settled(env, job.id, 120_000);
    expect(done).toMatchObject({ status: SyncStatus.SUCCEEDED, total: 150, processed: 150 });
    expect(done.failed).toBe(0);
    expect(second.isReady()).toBe(true);
    // Every user once at the target, however many times the kill made a page go out.
    const names = [...env.scim.users.values()].map((u) => u.userName as string);
    expect(names).toHaveLength(150);
    expect(new Set(names).size).toBe(150);
  });
});

describe('a sync larger than what a sidecar takes in at once', () => {
  let env: SidecarEnv;
  afterAll(() => env?.close());

  it('takes its pages in over several fetches and converges each user once', async () => {
    // One slot: at most 16 objects in hand; at 30 ms a create, a batch of pages lasts longer
    // than the 2 s it may take pages in for, so it returns and the rest are fetched again.
    env = await startSidecarEnv({
      partitions: 1,
      env: { SIDECAR_CONCURRENCY: '1', SYNC_PAGE_SIZE: '4' },
    });
    const users = addUsers(env, 'fetched', 160);
    await env.start();
    env.scim.latencyMs = 30;
    const job = await sync(env);
    expect(job).toMatchObject({ status: SyncStatus.SUCCEEDED, total: 160, created: 160 });
    expect(
      env.logs.filter((l) => l.includes('the rest comes in the next fetch')).length,
    ).toBeGreaterThan(0);
    expect(env.scim.created).toBe(160);
    const rows: { localId: string; n: number | string }[] = await env.core.dataSource.query(
      `SELECT localId, COUNT(*) AS n FROM provisioning_record WHERE source = ? GROUP BY localId`,
      [`sync:${job.id}`],
    );
    expect(rows.map((r) => r.localId).sort()).toEqual(users.map((u) => u.id as string).sort());
    expect(rows.filter((r) => Number(r.n) !== 1)).toEqual([]);
  });
});

describe('the sync command', () => {
  let env: SidecarEnv;
  beforeAll(async () => {
    env = await startSidecarEnv();
  });
  afterAll(() => env?.close());

  const lines = (output: string[]) =>
    output
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('runs a sync to its end, prints JSON lines off a terminal, and exits 0', async () => {
    addUsers(env, 'cli', 12);
    const run = env.spawn({}, ['sync', await identityProviderId(env)]);
    expect(await run.exited).toBe(0);
    const progress = lines(run.output);
    expect(progress.at(-1)).toMatchObject({ status: 'SUCCEEDED', total: 12, created: 12 });
    expect(env.scim.users.size).toBe(12);
  });

  it('exits 3 when the deletion safeguard stops the sync, and 1 for an unknown identity provider', async () => {
    env.keycloak.realms.get(REALM)!.users.clear();
    const held = env.spawn({}, ['sync', await identityProviderId(env)]);
    expect(await held.exited).toBe(3);
    expect(lines(held.output).at(-1)).toMatchObject({
      status: 'NEEDS_CONFIRMATION',
      pendingDeletions: 12,
    });
    expect(env.scim.users.size).toBe(12);
    const unknown = env.spawn({}, ['sync', '00000000-0000-4000-8000-000000000000']);
    expect(await unknown.exited).toBe(1);
    expect(unknown.output.join('')).toMatch(/IdentityProvider .* was not found/);
  });
});
