// The sidecar end to end: Keycloak events on a real Kafka broker → sidecar → engine → the local
// SCIM 2.0 server, links and records in MariaDB; users read from a local Keycloak admin API.
import http from 'node:http';
import { produce, collectMessages, testKafka, uniqueGroup } from './support/kafka';
import { freePort } from './support/ports';
import { adminEvent, REALM, startSidecarEnv, type SidecarEnv } from './support/sidecar-env';
import type { Sidecar } from '../sidecar/app';
import { startApp } from '../src/app';
import { loadConfig } from '../src/config';
import {
  ProvisioningOperation,
  ProvisioningStatus,
} from '../src/provisioning/test-provisioning.types';

jest.setTimeout(120_000);

async function until<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('sidecar', () => {
  let env: SidecarEnv;
  /** A SCIM 2.0 connector to the test target, configured as the API would. */
  const configureScim = (identityProviderId: string) =>
    env.core.services.connectors.configure(
      identityProviderId,
      'scim-2',
      { enabled: true },
      { bearerToken: env.secrets[0], userEndpoint: `${env.scim.url}/Users` },
    );
  let sidecar: Sidecar;
  let realmId: string;

  beforeAll(async () => {
    env = await startSidecarEnv();
    realmId = env.keycloak.realms.get(REALM)!.id;
    sidecar = await env.start();
    await until('the consumer to join', () => sidecar.isReady());
  });
  afterAll(async () => {
    await env?.close();
  });

  function newUser(username: string) {
    return env.keycloak.addUser(REALM, {
      username,
      email: `${username}@acme.test`,
      firstName: 'Ada',
      lastName: 'Lovelace',
    });
  }
  const userEvent = (
    op: 'CREATE' | 'UPDATE' | 'DELETE',
    id: string,
    rep: object | null = null,
  ) => ({
    key: id,
    value: adminEvent('USER', op, `users/${id}`, rep, realmId),
  });

  const membershipEvent = (userId: string, groupId: string, name: string) => ({
    value: adminEvent(
      'GROUP_MEMBERSHIP',
      'CREATE',
      `users/${userId}/groups/${groupId}`,
      { id: groupId, name, path: `/${name}` },
      realmId,
    ),
  });

  it('provisions a user created in Keycloak, and reports ready and metrics', async () => {
    const user = newUser('first');
    await produce(env.adminTopic, [userEvent('CREATE', user.id as string, { username: 'first' })]);
    const remote = await until('the user at the target', () => env.scim.byUserName('first'));
    expect(remote).toMatchObject({ name: { givenName: 'Ada', familyName: 'Lovelace' } });
    const ready = await fetch(`${sidecar.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ kafka: 'up', database: 'up' });
    const metrics = await (await fetch(`${sidecar.url}/metrics`)).text();
    expect(metrics).toMatch(/sidecar_events_total\{type="USER:CREATE",outcome="provisioned"\} 1/);
    expect(metrics).toMatch(/sidecar_event_to_provisioned_seconds_count 1/);
    // Bound to loopback, it does not answer a page that rebinds its own name to 127.0.0.1.
    const rebound = await new Promise<number>((resolve, reject) =>
      http
        .get(`${sidecar.url}/metrics`, { headers: { host: 'attacker.example' } }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        })
        .on('error', reject),
    );
    expect(rebound).toBe(403);
  });

  it('provisions an unkeyed REGISTER from the user-event topic and a REST-shaped admin event', async () => {
    const registered = newUser('registered');
    const restShaped = newUser('restshaped');
    await produce(env.userTopic, [
      {
        value: JSON.stringify({
          id: 'reg-1',
          time: Date.now(),
          type: 'REGISTER',
          realmId,
          realmName: REALM,
          clientId: 'account-console',
          userId: registered.id,
          sessionId: null,
          ipAddress: '10.0.0.5',
          error: null,
          details: { register_method: 'form', username: 'registered' },
        }),
      },
    ]);
    // GET /admin/realms/{realm}/admin-events shape: no realmName, so the sidecar asks Keycloak.
    await produce(env.adminTopic, [
      {
        key: restShaped.id as string,
        value: JSON.stringify({
          time: Date.now(),
          realmId,
          authDetails: {
            realmId: 'master-id',
            clientId: 'admin-cli',
            userId: 'admin',
            ipAddress: '10.0.0.9',
          },
          operationType: 'CREATE',
          resourceType: 'USER',
          resourcePath: `users/${restShaped.id as string}`,
          representation: JSON.stringify({ username: 'restshaped' }),
        }),
      },
    ]);
    await until(
      'both users at the target',
      () => env.scim.byUserName('registered') && env.scim.byUserName('restshaped'),
    );
  });

  it('provisions a group and a membership from group events', async () => {
    const user = newUser('member');
    const group = env.keycloak.addGroup(REALM, 'engineering');
    const groupId = group.id as string;
    env.keycloak.joinGroup(REALM, user.id as string, groupId);
    await produce(env.adminTopic, [
      userEvent('CREATE', user.id as string, { username: 'member' }),
      {
        value: adminEvent('GROUP', 'CREATE', `groups/${groupId}`, { name: 'engineering' }, realmId),
      },
    ]);
    const remoteUser = (await until('the user', () => env.scim.byUserName('member')))!;
    // Added to the group after the user exists (unkeyed events on other partitions have no order).
    await produce(env.adminTopic, [membershipEvent(user.id as string, groupId, 'engineering')]);
    await until('the group with its member', () =>
      [...env.scim.groups.values()].some(
        (g) =>
          g.displayName === 'engineering' &&
          (g.members as { value: string }[]).some((m) => m.value === remoteUser.id),
      ),
    );
    expect(
      [...env.scim.groups.values()].filter((g) => g.displayName === 'engineering'),
    ).toHaveLength(1);
  });

  it('provisions the member first when a membership is handled before the user’s CREATE', async () => {
    const user = newUser('early-member');
    const userId = user.id as string;
    const group = env.keycloak.addGroup(REALM, 'early-group');
    const groupId = group.id as string;
    env.keycloak.joinGroup(REALM, userId, groupId);
    const membership = membershipEvent(userId, groupId, 'early-group');
    await produce(env.adminTopic, [membership]);
    const remoteUser = (await until('the member', () => env.scim.byUserName('early-member')))!;
    await until('the group with its member', () =>
      [...env.scim.groups.values()].some(
        (g) =>
          g.displayName === 'early-group' &&
          (g.members as { value: string }[]).some((m) => m.value === remoteUser.id),
      ),
    );
    // The user's own CREATE, arriving late, updates the user created above instead of adding one.
    const created = env.scim.created;
    await produce(env.adminTopic, [userEvent('CREATE', userId, { username: 'early-member' })]);
    const records = await until('the late CREATE handled', async () => {
      const page = await env.core.services.history.page({ localId: userId }, 10, null);
      return page.edges.length === 2 ? page.edges.map((e) => e.node) : null;
    });
    // Keycloak's user has not changed since it was provisioned: the late CREATE sends nothing.
    expect(records!.map((r) => [r.operation, r.status])).toEqual([
      [ProvisioningOperation.UPDATE, ProvisioningStatus.SKIPPED],
      [ProvisioningOperation.CREATE, ProvisioningStatus.SUCCEEDED],
    ]);
    expect(records![0].errorMessage).toMatch(/^unchanged/);
    expect(env.scim.created).toBe(created);
  });

  it('sees an identity provider registered through the API at once, even right after "none"', async () => {
    const late = env.keycloak.addRealm('late');
    const event = (u: Record<string, unknown>) => ({
      key: u.id as string,
      value: adminEvent('USER', 'CREATE', `users/${u.id as string}`, null, late.id, 'late'),
    });
    const noTarget = /sidecar_events_total\{type="USER:CREATE",outcome="no_identity_provider"\} 1/;
    await produce(env.adminTopic, [event(env.keycloak.addUser('late', { username: 'late-a' }))]);
    await until('the event counted without an identity provider', async () =>
      noTarget.test(await (await fetch(`${sidecar.url}/metrics`)).text()),
    );
    // Registered by another process (the API), so this sidecar's cache hears nothing of it.
    const idp = await env.core.services.identityProviders.create({
      name: 'late-idp',
      tenantDomain: 'late',
      enabled: true,
    });
    await configureScim(idp.id);
    await produce(env.adminTopic, [event(env.keycloak.addUser('late', { username: 'late-b' }))]);
    await until('the next user at the target', () => env.scim.byUserName('late-b'));
  });

  it("reads a user's groups where the identity provider has a provisioning scope", async () => {
    const scoped = env.keycloak.addRealm('scoped');
    const idp = await env.core.services.identityProviders.create({
      name: 'scoped-idp',
      tenantDomain: 'scoped',
      enabled: true,
      provisioningRoles: ['staff'],
    });
    await configureScim(idp.id);
    const staff = env.keycloak.addGroup('scoped', 'staff');
    const inside = env.keycloak.addUser('scoped', { username: 'scoped-in' });
    const outside = env.keycloak.addUser('scoped', { username: 'scoped-out' });
    env.keycloak.joinGroup('scoped', inside.id as string, staff.id as string);
    await produce(
      env.adminTopic,
      [inside, outside].map((u) => ({
        key: u.id as string,
        value: adminEvent('USER', 'CREATE', `users/${u.id as string}`, null, scoped.id, 'scoped'),
      })),
    );
    await until('the staff member at the target', () => env.scim.byUserName('scoped-in'));
    const skipped = await until('the other user skipped', () =>
      env.core.services.history
        .page({ identityProviderId: idp.id, localId: outside.id as string }, 5, null)
        .then((page) => page.edges.find((e) => e.node.status === ProvisioningStatus.SKIPPED)?.node),
    );
    expect(skipped!.errorMessage).toBe('outside the provisioning scope (needs one of: staff)');
    expect(env.scim.byUserName('scoped-out')).toBeFalsy();

    // Leaving the scoping group deprovisions the user: the membership event re-decides the scope.
    env.keycloak.leaveGroup('scoped', inside.id as string, staff.id as string);
    const left = adminEvent(
      'GROUP_MEMBERSHIP',
      'DELETE',
      `users/${inside.id as string}/groups/${staff.id as string}`,
      { id: staff.id, name: 'staff', path: '/staff' },
      scoped.id,
      'scoped',
    );
    await produce(env.adminTopic, [{ key: inside.id as string, value: left }]);
    await until('the leaver gone from the target', () => !env.scim.byUserName('scoped-in'));
    const page = await env.core.services.history.page(
      { identityProviderId: idp.id, localId: inside.id as string },
      1,
      null,
    );
    expect(page.edges[0].node).toMatchObject({ operation: 'DELETE', status: 'SUCCEEDED' });
    expect(page.edges[0].node.errorMessage).toMatch(
      /outside the provisioning scope.*: deprovisioned/,
    );
  });

  it('deprovisions the former members of a deleted scoping group, except those another scope keeps', async () => {
    const realm = env.keycloak.addRealm('regrouped');
    const idp = await env.core.services.identityProviders.create({
      name: 'regrouped-idp',
      tenantDomain: 'regrouped',
      enabled: true,
      provisioningRoles: ['staff', 'contractors'],
    });
    await configureScim(idp.id);
    const staff = env.keycloak.addGroup('regrouped', 'staff');
    const contractors = env.keycloak.addGroup('regrouped', 'contractors');
    const staffOnly = env.keycloak.addUser('regrouped', { username: 'staff-only' });
    const both = env.keycloak.addUser('regrouped', { username: 'staff-and-contractor' });
    env.keycloak.joinGroup('regrouped', staffOnly.id as string, staff.id as string);
    env.keycloak.joinGroup('regrouped', both.id as string, staff.id as string);
    env.keycloak.joinGroup('regrouped', both.id as string, contractors.id as string);
    await produce(
      env.adminTopic,
      [staffOnly, both].map((u) => ({
        key: u.id as string,
        value: adminEvent('USER', 'CREATE', `users/${u.id as string}`, null, realm.id, 'regrouped'),
      })),
    );
    await until('both members at the target', () =>
      ['staff-only', 'staff-and-contractor'].every((name) => env.scim.byUserName(name)),
    );

    // Keycloak deletes the group with its memberships and announces only the group's deletion.
    env.keycloak.removeGroup('regrouped', staff.id as string);
    await produce(env.adminTopic, [
      {
        key: staff.id as string,
        value: adminEvent(
          'GROUP',
          'DELETE',
          `groups/${staff.id as string}`,
          null,
          realm.id,
          'regrouped',
        ),
      },
    ]);
    await until('the former member gone from the target', () => !env.scim.byUserName('staff-only'));
    const [job] = await env.core.services.syncs.list(idp.id, 1, null);
    expect(job.triggeredBy).toBe('group-deleted');
    await until('the sync to finish', async () =>
      ['SUCCEEDED', 'FAILED'].includes((await env.core.services.syncs.get(job.id)).status),
    );
    expect((await env.core.services.syncs.get(job.id)).status).toBe('SUCCEEDED');
    expect(env.scim.byUserName('staff-and-contractor')).toBeTruthy();
  });

  it('starts on a broker without its topics: it creates them, sized for scale-out, and provisions', async () => {
    const fresh = `fresh-${Date.now()}`;
    const topics = [`${fresh}-user`, `${fresh}-admin`];
    const child = env.spawn({
      KAFKA_TOPICS: topics.join(','),
      SYNC_TOPIC: `${fresh}-sync`,
      KAFKA_GROUP_ID: uniqueGroup('fresh'),
      LOG_LEVEL: 'info',
    });
    try {
      await until('the sidecar consuming', () =>
        child.output.join('').includes('sidecar consuming'),
      );
      const admin = (await testKafka('fresh-topics')).admin();
      await admin.connect();
      const metadata = await admin.fetchTopicMetadata({ topics: [...topics, `${fresh}-sync`] });
      await admin.disconnect();
      expect(metadata.topics.map((t) => t.partitions.length)).toEqual([6, 6, 6]);
      const user = newUser('on-a-fresh-broker');
      await produce(topics[1], [userEvent('CREATE', user.id as string)]);
      await until('the user at the target', () => env.scim.byUserName('on-a-fresh-broker'));
      const output = child.output.join('');
      expect(output).toMatch(/created missing topics/);
      expect(output).not.toMatch(/This server does not host this topic-partition/);
    } finally {
      child.child.kill('SIGTERM');
      await child.exited;
    }
  });

  it('waits for a broker it cannot reach with one log line per attempt, and no stack trace', async () => {
    const closed = await freePort();
    const child = env.spawn({ KAFKA_BROKERS: `127.0.0.1:${closed}`, LOG_LEVEL: 'info' });
    try {
      const waits = () =>
        child.output
          .join('')
          .split('\n')
          .filter((line) => line.includes('cannot make sure of the Kafka topics yet'));
      await until('three attempts', () => waits().length >= 3, 30_000);
      expect(child.child.exitCode).toBeNull();
      const lines = child.output.join('').split('\n').filter(Boolean);
      // Nothing but the start-up lines and one warning per attempt: no kafkajs error lines.
      expect(lines.filter((line) => /"level":(50|60)/.test(line))).toEqual([]);
      expect(lines.filter((line) => /^\s+at /.test(line))).toEqual([]);
      expect(waits()[0]).toContain(`trying again in`);
    } finally {
      child.child.kill('SIGTERM');
      await child.exited;
    }
  });

  it('applies a membership whose event arrives before Keycloak commits it', async () => {
    const user = newUser('early-event');
    await produce(env.adminTopic, [
      userEvent('CREATE', user.id as string, { username: 'early-event' }),
    ]);
    const remote = (await until('the user', () => env.scim.byUserName('early-event')))!;
    const group = env.keycloak.addGroup(REALM, 'committed-later');
    await produce(env.adminTopic, [
      membershipEvent(user.id as string, group.id as string, 'committed-later'),
    ]);
    // Keycloak commits the membership a moment after its event went out.
    await new Promise((resolve) => setTimeout(resolve, 150));
    env.keycloak.joinGroup(REALM, user.id as string, group.id as string);
    await until('the member in the group', () =>
      [...env.scim.groups.values()].some(
        (g) =>
          g.displayName === 'committed-later' &&
          (g.members as { value: string }[]).some((m) => m.value === remote.id),
      ),
    );
  });

  it('applies a membership only while Keycloak still has it: an old add after the group went is dropped', async () => {
    const user = newUser('late-add');
    await produce(env.adminTopic, [
      userEvent('CREATE', user.id as string, { username: 'late-add' }),
    ]);
    await until('the user', () => env.scim.byUserName('late-add'));
    const group = env.keycloak.addGroup(REALM, 'short-lived');
    // The group is created and deleted in Keycloak before the add reaches the sidecar.
    env.keycloak.removeGroup(REALM, group.id as string);
    await produce(env.adminTopic, [
      membershipEvent(user.id as string, group.id as string, 'short-lived'),
    ]);
    const notFound = /sidecar_events_total\{type="GROUP_MEMBERSHIP:CREATE",outcome="not_found"\} 1/;
    await until('the stale add counted as not found', async () =>
      notFound.test(await (await fetch(`${sidecar.url}/metrics`)).text()),
    );
    expect([...env.scim.groups.values()].map((g) => g.displayName)).not.toContain('short-lived');
  });

  it('ends with the user deleted after create, update and delete in quick succession', async () => {
    const user = newUser('brief');
    const id = user.id as string;
    await produce(env.adminTopic, [
      userEvent('CREATE', id, { username: 'brief' }),
      userEvent('UPDATE', id, { lastName: 'Byron' }),
      userEvent('DELETE', id),
    ]);
    await until('the delete to be recorded', async () => {
      const rows: { operation: string; status: string }[] = await env.core.dataSource.query(
        'SELECT operation, status FROM provisioning_record WHERE localId = ? ORDER BY id',
        [id],
      );
      // Keycloak holds one state for the user, so the update has nothing new to send.
      const done = rows.map((r) => `${r.operation}:${r.status}`).join(',');
      return done === 'CREATE:SUCCEEDED,UPDATE:SKIPPED,DELETE:SUCCEEDED';
    });
    expect(env.scim.byUserName('brief')).toBeUndefined();
  });

  it('dead-letters a permanent failure with its connector, and replays it once fixed', async () => {
    const dlq = await collectMessages({
      topic: `${env.adminTopic}.dlq`,
      groupId: uniqueGroup('dlq'),
    });
    const user = newUser('rejected');
    env.scim.inject({ kind: 'status', status: 400, body: { detail: 'userName rejected' } });
    await produce(env.adminTopic, [
      userEvent('CREATE', user.id as string, { username: 'rejected' }),
    ]);
    const [letter] = await dlq.waitFor(1);
    await dlq.stop();
    const connectorId = (
      await env.core.services.connectors.listFor(
        (await env.core.services.identityProviders.list(REALM))[0].id,
      )
    )[0].id;
    expect(letter.headers).toMatchObject({ 'x-dlq-connector-id': connectorId });
    expect(letter.headers['x-dlq-reason']).toMatch(/HTTP_400.*userName rejected/);
    expect(env.scim.byUserName('rejected')).toBeUndefined();
    const [failed]: { id: number }[] = await env.core.dataSource.query(
      "SELECT id FROM provisioning_record WHERE localId = ? AND status = 'FAILED'",
      [user.id],
    );

    // Keycloak changed the user since: the replay sends what it holds now, not the failed payload.
    user.lastName = 'Changed-Since';
    const api = await startApp(loadConfig({ ...env.env, PORT: '0' }));
    try {
      const replay = (ids: string[]) =>
        fetch(api.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            query:
              'mutation($ids: [ID!]!) { replayFailed(ids: $ids) { recordId status error { code } } }',
            variables: { ids },
          }),
        }).then((r) => r.json() as Promise<{ data?: any; errors?: any[] }>);
      const replayed = await replay([String(failed.id)]);
      expect(replayed.data.replayFailed).toEqual([
        { recordId: String(failed.id), status: 'SUCCEEDED', error: null },
      ]);
      expect(env.scim.byUserName('rejected')).toMatchObject({
        name: { familyName: 'Changed-Since' },
      });
      const again = await replay([String(failed.id), '999999999']);
      expect(again.errors?.[0].extensions.code).toBe('NOT_FOUND');
    } finally {
      await api.close();
    }
  });

  it('keeps the target token and the Keycloak client secret out of logs and records', async () => {
    const records = JSON.stringify(
      await env.core.dataSource.query('SELECT * FROM provisioning_record'),
    );
    const logs = env.logs.join('');
    expect(logs).toContain('provisioned');
    for (const secret of env.secrets) {
      expect(logs).not.toContain(secret);
      expect(records).not.toContain(secret);
    }
  });

  it('reports not ready while dead letters cannot be written, and writes them once they can', async () => {
    const dlqTopic = `${env.adminTopic}.dlq`;
    const admin = (await testKafka('test-admin')).admin();
    await admin.connect();
    const readiness = async () => {
      const response = await fetch(`${sidecar.url}/readyz`);
      return { ...((await response.json()) as object), http: response.status };
    };
    try {
      // The dead-letter topic is gone (and the sidecar never auto-creates it): every write fails
      // with a retriable error, which used to be retried for ever, holding the partition.
      await admin.deleteTopics({ topics: [dlqTopic] });
      await produce(env.adminTopic, [{ key: 'stuck-junk', value: 'not json: stuck' }]);
      await until('not ready', async () => (await readiness()).http === 503, 60_000);
      expect(await readiness()).toMatchObject({ deadLetters: 'down', database: 'up' });
    } finally {
      await admin.createTopics({ topics: [{ topic: dlqTopic }], waitForLeaders: true });
      await admin.disconnect();
    }
    const dlq = await collectMessages({ topic: dlqTopic, groupId: uniqueGroup('dlq') });
    await until('the dead letter', () => dlq.messages.some((m) => m.key === 'stuck-junk'), 60_000);
    await dlq.stop();
    await until('ready again', async () => (await readiness()).http === 200, 30_000);
  });

  it('dead-letters malformed messages with a reason and provisions the valid ones around them', async () => {
    const dlq = await collectMessages({
      topic: `${env.adminTopic}.dlq`,
      groupId: uniqueGroup('dlq'),
    });
    const users = Array.from({ length: 20 }, (_, i) => newUser(`valid${i}`));
    const messages = users.flatMap((u, i) => [
      ...Array.from({ length: 10 }, (_, j) => ({
        key: `junk-${i}-${j}`,
        value: j % 2 ? '{"not":"an event"}' : `not json ${i}/${j}`,
      })),
      userEvent('CREATE', u.id as string, { username: u.username as string }),
    ]);
    await produce(env.adminTopic, messages);
    const junk = () => dlq.messages.filter((m) => m.key?.startsWith('junk'));
    await until('200 dead letters', () => junk().length >= 200, 60_000);
    const dead = junk();
    await dlq.stop();
    expect(dead).toHaveLength(200);
    expect(dead.every((m) => /^malformed: /.test(m.headers['x-dlq-reason']))).toBe(true);
    expect(new Set(dead.map((m) => m.value))).toEqual(
      new Set(messages.filter((m) => m.key.startsWith('junk')).map((m) => m.value)),
    );
    for (const u of users)
      await until(`${u.username as string}`, () => env.scim.byUserName(u.username as string));
    // Once all is committed, the lag gauge says so for every partition that had messages.
    await until('lag 0 on every partition', async () => {
      const text = await (await fetch(`${sidecar.url}/metrics`)).text();
      const lags = [
        ...text.matchAll(/^sidecar_consumer_lag\{topic="([^"]+)",partition="\d+"\} (\d+)$/gm),
      ]
        .filter((m) => m[1] === env.adminTopic)
        .map((m) => Number(m[2]));
      return lags.length === 3 && lags.every((lag) => lag === 0);
    });
  });

  it('replays a failed membership only while the user is still in the group', async () => {
    const user = newUser('joiner');
    const userId = user.id as string;
    const groupId = env.keycloak.addGroup(REALM, 'replay-group').id as string;
    await produce(env.adminTopic, [userEvent('CREATE', userId, { username: 'joiner' })]);
    const remoteUser = (await until('the user', () => env.scim.byUserName('joiner')))!;
    // Joined after the user's CREATE was converged (which would have added it there and then).
    env.keycloak.joinGroup(REALM, userId, groupId);
    env.scim.inject({ kind: 'status', status: 400, body: { detail: 'group rejected' } });
    await produce(env.adminTopic, [membershipEvent(userId, groupId, 'replay-group')]);
    const failed = await until('the failed membership', () =>
      env.core.services.history
        .page({ localId: groupId, status: ProvisioningStatus.FAILED }, 1, null)
        .then((page) => page.edges[0]?.node),
    );
    const hasMember = () =>
      [...env.scim.groups.values()].some(
        (g) =>
          g.displayName === 'replay-group' &&
          (g.members as { value: string }[]).some((m) => m.value === remoteUser.id),
      );

    env.keycloak.leaveGroup(REALM, userId, groupId);
    const [stale] = await env.core.services.replayer.replay([String(failed.id)]);
    expect(stale).toMatchObject({
      status: ProvisioningStatus.SKIPPED,
      reason: 'the user has left the group since, so the addition no longer applies',
    });
    expect(hasMember()).toBe(false);

    env.keycloak.joinGroup(REALM, userId, groupId);
    const [applied] = await env.core.services.replayer.replay([String(failed.id)]);
    expect(applied.status).toBe(ProvisioningStatus.SUCCEEDED);
    expect(hasMember()).toBe(true);
  });
});
