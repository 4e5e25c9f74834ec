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
import { loadSidecarConfig } from '../sidecar/config';
import { openCore, type Core } from '../src/core';
import { FakeScimServer } from './fakes/scim-server';
import { createTestDatabase, type TestDatabase } from './support/database';
import { brokerList, startBroker, stopBroker, uniqueGroup, uniqueTopic } from './support/kafka';
import { TEST_SECRETS_KEY } from './support/api';
import { createRealm, createServiceAccount, idOf, kc, KEYCLOAK } from './support/real-keycloak';
import { until } from './support/sync';

jest.setTimeout(120_000);

const SCIM_TOKEN = 'e2e-scim-token';
const SIDECAR_SECRET = `sidecar-${randomBytes(6).toString('hex')}`;

describe('a real Keycloak with the extension, through Kafka, to a SCIM 2.0 target', () => {
  const realm = `e2e-${randomBytes(3).toString('hex')}`;
  let scim: FakeScimServer;
  let db: TestDatabase;
  let core: Core;
  let sidecar: Sidecar;

  beforeAll(async () => {
    // Admin events go to listeners whether or not Keycloak also stores them.
    await createRealm(realm, ['jboss-logging', 'outbound-provisioning']);
    await createServiceAccount(realm, 'provisioning-sidecar', SIDECAR_SECRET);

    scim = await new FakeScimServer('2.0', { bearer: SCIM_TOKEN }).start();
    db = await createTestDatabase('mariadb');
    const env = {
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
    const idp = await core.services.identityProviders.create({
      name: 'e2e',
      tenantDomain: realm,
      enabled: true,
    });
    await core.services.connectors.configure(
      idp.id,
      'scim-2',
      { enabled: true },
      {
        bearerToken: SCIM_TOKEN,
        userEndpoint: `${scim.url}/Users`,
        groupEndpoint: `${scim.url}/Groups`,
      },
    );
    sidecar = await startSidecar(config);
    await until('the sidecar to join its group', () => sidecar.isReady(), 60_000);
  });

  afterAll(async () => {
    await sidecar?.stop();
    await core?.close();
    await scim?.stop();
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
});
