// End to end on a real Keycloak (scripts/keycloak.sh, started by the test command) running this
// project's extension: every change is made through Keycloak's own admin REST API, its events go
// to the real Kafka broker after commit, the sidecar provisions them, and the local SCIM 2.0
// server's final state is what is checked. The sidecar's service account is set up as
// docs/keycloak-to-kafka.md says (a confidential client in the realm, realm-management roles).
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSidecar, type Sidecar } from '../sidecar/app';
import { Kafka, logLevel } from 'kafkajs';
import { loadSidecarConfig } from '../sidecar/config';
import { configureLogger } from '../src/common/logger';
import { openCore, type Core } from '../src/core';
import { FakeScimServer } from './fakes/scim-server';
import { createTestDatabase, type TestDatabase } from './support/database';
import {
  brokerList,
  collectMessages,
  startBroker,
  stopBroker,
  uniqueGroup,
  uniqueTopic,
} from './support/kafka';
import { TEST_SECRETS_KEY } from './support/api';
import {
  adminToken,
  createBrowserClient,
  createPasswordClient,
  createRealm,
  createServiceAccount,
  idOf,
  kc,
  KEYCLOAK,
  registerThroughForm,
  userToken,
} from './support/real-keycloak';
import { provisionToScim } from './support/scim-identity-provider';
import { spawnSidecarProcess, type SidecarProcess } from './support/sidecar-env';
import { settled, until } from './support/sync';
import { SyncStatus } from '../src/sync/sync-job.entity';

jest.setTimeout(120_000);

const SCIM_TOKEN = 'e2e-scim-token';
const SIDECAR_SECRET = `sidecar-${randomBytes(6).toString('hex')}`;

describe('a real Keycloak with the extension, through Kafka, to a SCIM 2.0 target', () => {
  const realm = `e2e-${randomBytes(3).toString('hex')}`;
  let scim: FakeScimServer;
  /** The target of a second identity provider of the realm, scoped to the realm role vip. */
  let vipScim: FakeScimServer;
  let db: TestDatabase;
  let core: Core;
  let sidecar: Sidecar;
  let env: Record<string, string>;
  const extraSidecars: Sidecar[] = [];
  const children: SidecarProcess[] = [];

  beforeAll(async () => {
    // The in-process sidecar logs warnings only, as the spawned one does (LOG_LEVEL below).
    configureLogger('warn');
    // Admin events go to listeners whether or not Keycloak also stores them.
    await createRealm(realm, ['jboss-logging', 'outbound-provisioning']);
    await createServiceAccount(realm, 'provisioning-sidecar', SIDECAR_SECRET);
    await createPasswordClient(realm, 'e2e-app');
    await kc('POST', `/${realm}/roles`, { name: 'vip' });

    scim = await new FakeScimServer('2.0', { bearer: SCIM_TOKEN }).start();
    vipScim = await new FakeScimServer('2.0', { bearer: SCIM_TOKEN }).start();
    db = await createTestDatabase('mariadb');
    env = {
      DATABASE_URL: db.url,
      SECRETS_KEY: TEST_SECRETS_KEY,
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'op-e2e-')),
      KAFKA_BROKERS: brokerList().join(','),
      KAFKA_GROUP_ID: uniqueGroup('e2e'),
      // The extension's default topics.
      KAFKA_TOPICS: 'keycloak-events,keycloak-admin-events',
      SYNC_TOPIC: uniqueTopic('e2e-sync'),
      SYNC_INTERVAL: 'off',
      SYNC_ON_CONNECTOR_CHANGE: 'false',
      KEYCLOAK_URL: KEYCLOAK,
      KEYCLOAK_REALM: realm,
      KEYCLOAK_CLIENT_ID: 'provisioning-sidecar',
      KEYCLOAK_CLIENT_SECRET: SIDECAR_SECRET,
      SIDECAR_PORT: '0',
      LOG_LEVEL: 'warn',
    };
    const config = loadSidecarConfig(env);
    core = await openCore(config.core);
    await provisionToScim(core, {
      name: 'e2e',
      realm,
      scim,
      bearerToken: SCIM_TOKEN,
      withGroups: true,
    });
    await provisionToScim(core, {
      name: 'e2e-vip',
      realm,
      scim: vipScim,
      bearerToken: SCIM_TOKEN,
      provisioningRoles: ['vip'],
    });
    sidecar = await startSidecar(config);
    await until('the sidecar to join its group', () => sidecar.isReady(), 60_000);
  });

  afterAll(async () => {
    for (const child of children) if (child.child.exitCode === null) child.child.kill('SIGKILL');
    for (const extra of extraSidecars) await extra.stop().catch(() => undefined);
    await sidecar?.stop();
    await core?.close();
    await scim?.stop();
    await vipScim?.stop();
    await db?.drop();
    await kc('DELETE', `/${realm}`).catch(() => undefined);
  });

  const remoteGroup = (name: string) =>
    [...scim.groups.values()].find((g) => g.displayName === name);
  const membersOf = (name: string) =>
    ((remoteGroup(name)?.members ?? []) as { value: string }[]).map((m) => m.value);

  it('provisions a user created, updated and deleted through the admin API', async () => {
    const created = await kc('POST', `/${realm}/users`, {
      username: 'grace',
      email: 'grace@e2e.test',
      firstName: 'Grace',
      lastName: 'Hopper',
      enabled: true,
    });
    const userId = idOf(created);
    await until('grace at the target', () => scim.byUserName('grace'), 30_000);

    await kc('PUT', `/${realm}/users/${userId}`, { lastName: 'Murray' });
    await until(
      'her new name at the target',
      () => scim.byUserName('grace')?.name?.familyName === 'Murray',
      30_000,
    );

    await kc('DELETE', `/${realm}/users/${userId}`);
    await until('grace gone from the target', () => !scim.byUserName('grace'), 30_000);
  });

  it('provisions groups and memberships: create, add, rename, remove, delete', async () => {
    const user = idOf(
      await kc('POST', `/${realm}/users`, { username: 'ada', firstName: 'Ada', enabled: true }),
    );
    await until('ada at the target', () => scim.byUserName('ada'), 30_000);
    const group = idOf(await kc('POST', `/${realm}/groups`, { name: 'engineers' }));
    await kc('PUT', `/${realm}/users/${user}/groups/${group}`);
    const adaRemote = () => scim.byUserName('ada')!.id as string;
    await until('ada in engineers', () => membersOf('engineers').includes(adaRemote()), 30_000);

    await kc('PUT', `/${realm}/groups/${group}`, { name: 'engineering' });
    await until('the group renamed', () => remoteGroup('engineering'), 30_000);

    await kc('DELETE', `/${realm}/users/${user}/groups/${group}`);
    await until(
      'ada out of the group',
      () => !membersOf('engineering').includes(adaRemote()),
      30_000,
    );

    await kc('DELETE', `/${realm}/groups/${group}`);
    await until('the group gone', () => !remoteGroup('engineering'), 30_000);
  });

  it('syncs what the realm already has to a connector added later: users, sub-groups, members', async () => {
    const pioneers = idOf(await kc('POST', `/${realm}/groups`, { name: 'pioneers' }));
    const navy = idOf(await kc('POST', `/${realm}/groups/${pioneers}/children`, { name: 'navy' }));
    const ids: string[] = [];
    for (const username of ['mary', 'katherine', 'dorothy'])
      ids.push(idOf(await kc('POST', `/${realm}/users`, { username, enabled: true })));
    await kc('PUT', `/${realm}/users/${ids[0]}/groups/${pioneers}`);
    await kc('PUT', `/${realm}/users/${ids[1]}/groups/${pioneers}`);
    await kc('PUT', `/${realm}/users/${ids[0]}/groups/${navy}`);
    // The live path has handled those events (at the connector already there) before the new
    // connector exists: what reaches the new one is the sync's doing.
    const remoteOf = (name: string) => scim.byUserName(name)?.id as string;
    await until(
      'the live path to have the memberships',
      () =>
        membersOf('pioneers').includes(remoteOf('katherine')) &&
        membersOf('pioneers').includes(remoteOf('mary')) &&
        membersOf('navy').includes(remoteOf('mary')),
      30_000,
    );
    const later = await new FakeScimServer('2.0', { bearer: SCIM_TOKEN }).start();
    const options = { name: 'e2e-later', realm, scim: later, bearerToken: SCIM_TOKEN };
    const idp = await provisionToScim(core, { ...options, withGroups: true });
    try {
      const started = await core.services.syncs.start({ identityProviderId: idp, trigger: 'api' });
      const job = await settled({ core }, started.id);
      expect(job).toMatchObject({ status: SyncStatus.SUCCEEDED, failed: 0 });
      const remoteId = (name: string) => later.byUserName(name)!.id as string;
      const members = (name: string) =>
        (
          ([...later.groups.values()].find((g) => g.displayName === name)?.members ?? []) as {
            value: string;
          }[]
        )
          .map((m) => m.value)
          .sort();
      expect(members('pioneers')).toEqual([remoteId('mary'), remoteId('katherine')].sort());
      expect(members('navy')).toEqual([remoteId('mary')]);
      expect(later.byUserName('dorothy')).toBeDefined();
      // The sync made them (not a late live event): its records name the job.
      const log = await core.services.history.page({ syncJobId: job.id }, 100, null);
      const added = log.edges.filter(
        (e) => e.node.operation === 'ADD_MEMBER' && [pioneers, navy].includes(e.node.localId),
      );
      expect(added).toHaveLength(3);
    } finally {
      await core.services.identityProviders.delete(idp);
      await later.stop();
      for (const id of ids) await kc('DELETE', `/${realm}/users/${id}`);
      await kc('DELETE', `/${realm}/groups/${pioneers}`);
    }
  });

  it('sends nothing for a create Keycloak refuses, and provisions the next one', async () => {
    await kc('POST', `/${realm}/users`, { username: 'once', enabled: true });
    const refused = await kc('POST', `/${realm}/users`, { username: 'once', enabled: true });
    expect(refused.status).toBe(409);
    await kc('POST', `/${realm}/users`, { username: 'after', enabled: true });
    await until('the next user at the target', () => scim.byUserName('after'), 30_000);
    expect(scim.created).toBeGreaterThan(0);
    const creates = scim.requests.filter(
      (r) => r.method === 'POST' && r.path.endsWith('/Users') && r.body?.userName === 'once',
    );
    expect(creates).toHaveLength(1);
  });

  it('publishes nothing for a change Keycloak rolls back after its event fired', async () => {
    // Every admin event of the realm, as the extension wrote it.
    const events = await collectMessages({
      topic: 'keycloak-admin-events',
      groupId: uniqueGroup('e2e-rollback'),
    });
    try {
      const group = idOf(await kc('POST', `/${realm}/groups`, { name: 'rollback-probe' }));
      await until('the group at the target', () => remoteGroup('rollback-probe'), 30_000);
      // A name longer than Keycloak's column (255) passes its checks: the rename's admin event
      // fires, then the database refuses the row at commit and Keycloak rolls the request back.
      // A listener that published on the event, not after commit, would send that UPDATE.
      const refused = await fetch(`${KEYCLOAK}/admin/realms/${realm}/groups/${group}`, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${await adminToken()}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ name: 'r'.repeat(300) }),
      });
      expect(refused.status).toBe(500);
      const renamed = await kc('PUT', `/${realm}/groups/${group}`, { name: 'rollback-probe-2' });
      expect(renamed.status).toBe(204);
      const updatesOfGroup = () =>
        events.messages
          .map((m) => JSON.parse(m.value ?? '{}') as Record<string, unknown>)
          .filter((e) => e.operationType === 'UPDATE' && e.resourcePath === `groups/${group}`);
      // Both would be keyed by the group, so on one partition in order: once the committed
      // rename is read, a rolled-back one published before it would have been read too.
      await until('the committed rename on Kafka', () => updatesOfGroup().length > 0, 30_000);
      expect(updatesOfGroup().map((e) => JSON.parse(String(e.representation)).name)).toEqual([
        'rollback-probe-2',
      ]);
      await until('the rename at the target', () => remoteGroup('rollback-probe-2'), 30_000);
      expect([...scim.groups.values()].some((g) => String(g.displayName).length > 255)).toBe(false);
    } finally {
      await events.stop();
    }
  });

  it("provisions a user who signs up through Keycloak's registration page", async () => {
    const callback = 'http://127.0.0.1:9/callback';
    await kc('PUT', `/${realm}`, { registrationAllowed: true });
    await createBrowserClient(realm, 'e2e-web', callback);
    const password = `Grace-${randomBytes(4).toString('hex')}-7x`;
    const next = await registerThroughForm(realm, 'e2e-web', callback, {
      username: 'grace',
      email: 'grace@e2e.test',
      firstName: 'Grace',
      lastName: 'Hopper',
      password,
      'password-confirm': password,
    }).catch((error: Error) => error.message);
    expect(next).toMatch(/^http:\/\/127\.0\.0\.1:9\/callback\?.*code=/);
    // Only a REGISTER user event announces this user (no admin event).
    const grace = await until('the new user at the target', () => scim.byUserName('grace'), 30_000);
    expect(grace?.emails).toEqual([expect.objectContaining({ value: 'grace@e2e.test' })]);
  });

  it("provisions a user's own profile change made through the account API", async () => {
    const password = `Linus-${randomBytes(4).toString('hex')}-7x`;
    await kc('POST', `/${realm}/users`, {
      username: 'linus',
      email: 'linus@e2e.test',
      emailVerified: true,
      firstName: 'Linus',
      lastName: 'Pauling',
      enabled: true,
      credentials: [{ type: 'password', value: password, temporary: false }],
    });
    await until('linus at the target', () => scim.byUserName('linus'), 30_000);
    // Linus signs in and edits his own profile: an UPDATE_PROFILE user event, no admin event.
    const token = await userToken(realm, 'e2e-app', 'linus', password);
    const response = await fetch(`${KEYCLOAK}/realms/${realm}/account/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        username: 'linus',
        email: 'linus@e2e.test',
        firstName: 'Linus',
        lastName: 'Carl Pauling',
      }),
    });
    expect(response.status).toBe(204);
    await until(
      'his own change at the target',
      () => scim.byUserName('linus')?.name?.familyName === 'Carl Pauling',
      30_000,
    );
  });

  it('provisions a user given the scope role and deprovisions them when it is taken away', async () => {
    const userId = idOf(
      await kc('POST', `/${realm}/users`, { username: 'rosalind', enabled: true }),
    );
    await until('rosalind at the unscoped target', () => scim.byUserName('rosalind'), 30_000);
    expect(vipScim.byUserName('rosalind')).toBeUndefined();
    const vip = await (await kc('GET', `/${realm}/roles/vip`)).json();
    await kc('POST', `/${realm}/users/${userId}/role-mappings/realm`, [vip]);
    await until(
      'rosalind in scope at the vip target',
      () => vipScim.byUserName('rosalind'),
      30_000,
    );
    await kc('DELETE', `/${realm}/users/${userId}/role-mappings/realm`, [vip]);
    await until('rosalind out of scope', () => !vipScim.byUserName('rosalind'), 30_000);
    // The identity provider without a scope keeps her.
    expect(scim.byUserName('rosalind')).toBeDefined();
  });

  it('runs two sidecars on six partitions: create, update and delete of the same users end right', async () => {
    const provisioned = async (s: Sidecar) => {
      const text = await (await fetch(`${s.url}/metrics`)).text();
      const counts = [
        ...text.matchAll(/sidecar_events_total\{type="[^"]+",outcome="provisioned"\} (\d+)/g),
      ];
      return counts.reduce((sum, m) => sum + Number(m[1]), 0);
    };
    const firstBefore = await provisioned(sidecar);
    const second = await startSidecar(loadSidecarConfig(env));
    extraSidecars.push(second);
    await until('both sidecars in the group', () => second.isReady() && sidecar.isReady(), 60_000);
    const names = Array.from({ length: 40 }, (_, i) => `pair-${i}`);
    const ids: string[] = [];
    // Each user's update right behind its create, and half deleted right behind that.
    for (const [i, username] of names.entries()) {
      const id = idOf(await kc('POST', `/${realm}/users`, { username, enabled: true }));
      ids.push(id);
      await kc('PUT', `/${realm}/users/${id}`, { lastName: `Second ${i}` });
      if (i % 2) await kc('DELETE', `/${realm}/users/${id}`);
    }
    const kept = names.filter((_, i) => i % 2 === 0);
    const gone = names.filter((_, i) => i % 2 === 1);
    await until(
      'the kept users updated and the deleted ones gone',
      () =>
        kept.every((u, k) => scim.byUserName(u)?.name?.familyName === `Second ${k * 2}`) &&
        gone.every((u) => !scim.byUserName(u)),
      60_000,
    );
    // Keyed by user on six partitions, both sidecars took a share of the events.
    const admin = new Kafka({ brokers: brokerList(), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const metadata = await admin.fetchTopicMetadata({
      topics: ['keycloak-events', 'keycloak-admin-events'],
    });
    await admin.disconnect();
    // Six partitions although Keycloak sent admin events (the service account's set-up) before
    // any sidecar ran: the extension made the topics, the broker would have made them with one.
    expect(metadata.topics.map((t) => t.partitions.length)).toEqual([6, 6]);
    expect((await provisioned(sidecar)) - firstBefore).toBeGreaterThan(0);
    expect(await provisioned(second)).toBeGreaterThan(0);
    await second.stop();
  });

  it('keeps what Keycloak sends while Kafka is down for 60 s and delivers all of it when Kafka returns', async () => {
    await stopBroker();
    const stopped = Date.now();
    const slowest: number[] = [];
    try {
      for (let i = 0; i < 200; i++) {
        const started = Date.now();
        await kc('POST', `/${realm}/users`, { username: `outage-${i}`, enabled: true });
        slowest.push(Date.now() - started);
      }
      // No request waited on Kafka: the producer would block one for its max.block.ms (5 s).
      expect(Math.max(...slowest)).toBeLessThan(3000);
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, 60_000 - (Date.now() - stopped))),
      );
    } finally {
      await startBroker();
    }
    await until(
      'all 200 users at the target',
      () => Array.from({ length: 200 }, (_, i) => `outage-${i}`).every((u) => scim.byUserName(u)),
      120_000,
    );
  }, 300_000);

  it('provisions all of 500 users created while its sidecar is killed with SIGKILL and restarted', async () => {
    // The sidecar runs as a process of its own here, so that it can be killed for real.
    await sidecar.stop();
    const spawn = () => {
      const child = spawnSidecarProcess({ ...env, SIDECAR_PORT: '0' });
      children.push(child);
      return child;
    };
    const first = spawn();
    const names = Array.from({ length: 500 }, (_, i) => `killed-${i}`);
    const arrived = () => names.filter((u) => scim.byUserName(u)).length;
    let killed = false;
    const killAndRestart = async () => {
      first.child.kill('SIGKILL');
      await first.exited;
      killed = true;
      spawn();
    };
    for (const username of names) {
      await kc('POST', `/${realm}/users`, { username, enabled: true });
      // Killed once it is well into them: the users created meanwhile wait in Kafka.
      if (!killed && arrived() >= 50) await killAndRestart();
    }
    if (!killed) {
      await until('the first 50 users at the target', () => arrived() >= 50, 60_000);
      await killAndRestart();
    }
    await until('all 500 users at the target', () => arrived() === 500, 180_000);
    // None lost: what the kill left uncommitted came again (a second create is adopted, not doubled).
    const all = [...scim.users.values()].map((u) => u.userName as string);
    expect(all.filter((u) => u.startsWith('killed-'))).toHaveLength(500);
  }, 300_000);
});
