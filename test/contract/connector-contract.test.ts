// One contract, every connector type: the same cases run against each type's local target server,
// end to end — GraphQL testProvisioning with dryRun: false (users) or the engine (groups, as the
// sidecar calls it) → the connector's real client → the server's state, links and the log.
import { ProvisionedEntity } from '../../src/provisioning/provisioned-entity.entity';
import { ProvisioningRecord } from '../../src/provisioning/provisioning-record.entity';
import { ProvisioningOperation } from '../../src/provisioning/test-provisioning.types';
import { ok, startTestApi, type TestApi } from '../support/api';
import * as doc from '../support/documents';
import type { ContractTarget } from './contract-target';
import { googleTarget } from './targets/google';
import { salesforceTarget } from './targets/salesforce';
import { scimTarget } from './targets/scim';
import { webhookTarget } from './targets/webhook';

const RUN = `mutation($input: TestProvisioningInput!) { testProvisioning(input: $input) {
  connector { id type } operation status provisionedId remoteId reason attempts durationMs error { code message retriable } } }`;
const TIMEOUT_MS = 400;
const ATTEMPTS = 3;

const TARGETS: [string, () => ContractTarget][] = [
  ['SCIM 2.0', () => scimTarget('2.0')],
  ['SCIM 1.1', () => scimTarget('1.1')],
  ['Google Workspace', googleTarget],
  ['Salesforce', salesforceTarget],
  ['Webhook (example custom type)', webhookTarget],
];

describe.each(TARGETS)('%s connector contract', (name, makeTarget) => {
  const target = makeTarget();
  let api: TestApi;
  let idpId: string;
  let connectorId: string;
  let seq = 0;
  const slug = name.replace(/\W+/g, '').toLowerCase();

  beforeAll(async () => {
    await target.start();
    api = await startTestApi('mariadb', {
      PROVISIONING_TIMEOUT_MS: String(TIMEOUT_MS),
      PROVISIONING_RETRY_ATTEMPTS: String(ATTEMPTS),
      PROVISIONING_RETRY_BASE_MS: '20',
    });
    const input = { name: `contract-${slug}`, tenantDomain: 'acme' };
    idpId = ok(await api.gql(doc.CREATE_IDP, { input })).createIdentityProvider.id;
    connectorId = await target.configure(api, idpId);
  });
  afterAll(async () => {
    await api?.close();
    await target.stop();
  });
  beforeEach(() => target.reset());

  function newUser(lastName = 'Lovelace') {
    seq += 1;
    const username = `user${seq}.${slug}@acme.test`;
    return {
      id: `kc-${slug}-${seq}`,
      username,
      claims: [
        { uri: 'http://wso2.org/claims/emailaddress', value: username },
        { uri: 'http://wso2.org/claims/givenname', value: 'Ada' },
        { uri: 'http://wso2.org/claims/lastname', value: lastName },
      ],
    };
  }
  type User = ReturnType<typeof newUser>;

  async function run(user: User, operation = 'CREATE') {
    const response = await api.gql(RUN, {
      input: { identityProviderId: idpId, connectorId, operation, dryRun: false, user },
    });
    return ok(response).testProvisioning[0];
  }

  const link = (entityType: 'USER' | 'GROUP', localId: string) =>
    api.app.dataSource
      .getRepository(ProvisionedEntity)
      .findOneBy({ connectorId, entityType, localId });

  const group = (id: string, groupName: string) => ({ id, name: groupName, tenantDomain: 'acme' });
  const runGroup = async (operation: ProvisioningOperation, g: ReturnType<typeof group>) =>
    (
      await api.app.services.engine.runGroup({
        identityProviderId: idpId,
        connectorId,
        operation,
        group: g,
        source: 'test',
      })
    )[0];
  const runMember = async (
    change: 'ADD_MEMBER' | 'REMOVE_MEMBER',
    g: ReturnType<typeof group>,
    userId: string,
  ) =>
    (
      await api.app.services.engine.runMembership({
        identityProviderId: idpId,
        connectorId,
        change,
        group: g,
        userId,
        source: 'test',
      })
    )[0];

  it('creates the user, reads it back, stores the link and records success', async () => {
    const user = newUser();
    const result = await run(user);
    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      operation: 'CREATE',
      provisionedId: target.expectedName(user.username),
      error: null,
      attempts: 1,
    });
    expect(target.readUser(result.remoteId)).toEqual({
      name: target.expectedName(user.username),
      givenName: 'Ada',
      familyName: 'Lovelace',
      active: true,
    });
    expect((await link('USER', user.id))?.remoteId).toBe(result.remoteId);
    const record = await api.app.dataSource
      .getRepository(ProvisioningRecord)
      .findOneOrFail({ where: { connectorId, localId: user.id }, order: { id: 'DESC' } });
    expect(record).toMatchObject({
      status: 'SUCCEEDED',
      operation: 'CREATE',
      remoteId: result.remoteId,
      attempts: 1,
      source: 'api',
    });
  });

  it('updates one attribute of the linked user, without a password', async () => {
    const user = newUser();
    const { remoteId } = await run(user);
    const result = await run(newUserLike(user, 'Byron'), 'UPDATE');
    expect(result).toMatchObject({ status: 'SUCCEEDED', operation: 'UPDATE', remoteId });
    expect(target.readUser(remoteId)).toMatchObject({ givenName: 'Ada', familyName: 'Byron' });
    expect(target.lastUserWriteBody()).not.toHaveProperty('password');
  });

  it('suspends or deactivates a user disabled in Keycloak, and restores one re-enabled', async () => {
    const user = newUser();
    const created = await run(user);
    expect(target.readUser(created.remoteId)!.active).toBe(true);
    const withDisabled = (value: string) => ({
      ...user,
      claims: [...user.claims, { uri: 'http://wso2.org/claims/accountDisabled', value }],
    });
    const disabled = await run(withDisabled('true'), 'UPDATE');
    expect(disabled).toMatchObject({ status: 'SUCCEEDED', remoteId: created.remoteId });
    expect(target.readUser(created.remoteId)).toMatchObject({
      active: false,
      familyName: 'Lovelace',
    });
    const enabled = await run(withDisabled('false'), 'UPDATE');
    expect(enabled).toMatchObject({ status: 'SUCCEEDED', remoteId: created.remoteId });
    expect(target.readUser(created.remoteId)!.active).toBe(true);
    // Created while disabled: the account arrives suspended or inactive, never usable.
    const second = newUser();
    const createdDisabled = await run({
      ...second,
      claims: [...second.claims, { uri: 'http://wso2.org/claims/accountDisabled', value: 'true' }],
    });
    expect(target.readUser(createdDisabled.remoteId)!.active).toBe(false);
  });

  it('creates a linked user again, and relinks it, when the target no longer has it', async () => {
    const user = newUser();
    const created = await run(user);
    target.dropUser(created.remoteId);
    const healed = await run(newUserLike(user, 'Byron'), 'UPDATE');
    expect(healed).toMatchObject({ status: 'SUCCEEDED', operation: 'CREATE' });
    expect(healed.reason).toMatch(/was gone at the target: created again and relinked/);
    expect(healed.remoteId).not.toBe(created.remoteId);
    expect(target.readUser(healed.remoteId)).toMatchObject({ familyName: 'Byron', active: true });
    expect((await link('USER', user.id))!.remoteId).toBe(healed.remoteId);
    // The next update goes to the new object, with no detour.
    const next = await run(newUserLike(user, 'King'), 'UPDATE');
    expect(next).toMatchObject({
      status: 'SUCCEEDED',
      operation: 'UPDATE',
      remoteId: healed.remoteId,
    });
  });

  it('skips an update that would change nothing, with no call, until something it is built from changes', async () => {
    const user = newUser();
    const created = await run(user);
    const writes = target.writes();
    const again = await run(user, 'UPDATE');
    expect(again).toMatchObject({
      status: 'SKIPPED',
      operation: 'UPDATE',
      remoteId: created.remoteId,
    });
    expect(again.reason).toMatch(/^unchanged/);
    const recreate = await run(user, 'CREATE'); // a replayed create of a linked, unchanged user
    expect(recreate).toMatchObject({ status: 'SKIPPED', operation: 'UPDATE' });
    expect(target.writes()).toBe(writes);

    const changed = await run(newUserLike(user, 'Byron'), 'UPDATE');
    expect(changed.status).toBe('SUCCEEDED');
    expect(target.writes()).toBe(writes + 1);
    // Renaming the identity provider changes what payloads are built from: sent again.
    const rename = (name: string) => api.gql(doc.UPDATE_IDP, { id: idpId, input: { name } });
    ok(await rename(`contract-${slug}-renamed`));
    try {
      const resent = await run(newUserLike(user, 'Byron'), 'UPDATE');
      expect(resent.status).toBe('SUCCEEDED');
      expect(target.writes()).toBe(writes + 2);
    } finally {
      ok(await rename(`contract-${slug}`));
    }
  });

  it('renames the user in place when the username changes', async () => {
    const user = newUser();
    const { remoteId } = await run(user);
    const renamed = { ...user, username: `renamed.${user.username}` };
    const result = await run(renamed, 'UPDATE');
    expect(result).toMatchObject({ status: 'SUCCEEDED', remoteId });
    expect(target.readUser(remoteId)?.name).toBe(target.expectedName(renamed.username));
    expect((await link('USER', user.id))?.remoteName).toBe(target.expectedName(renamed.username));
  });

  it('deletes the user, drops the link, and skips a second delete', async () => {
    const user = newUser();
    const { remoteId } = await run(user);
    expect(await run(user, 'DELETE')).toMatchObject({ status: 'SUCCEEDED', operation: 'DELETE' });
    if (target.deleteLeaves === 'nothing') expect(target.readUser(remoteId)).toBeUndefined();
    else expect(target.readUser(remoteId)?.active).toBe(false);
    expect(await link('USER', user.id)).toBeNull();
    expect(await run(user, 'DELETE')).toMatchObject({
      status: 'SKIPPED',
      reason: 'never provisioned through this connector: nothing to delete',
    });
  });

  it('adopts a user that already exists at the target instead of creating a duplicate', async () => {
    const user = newUser();
    const existingId = target.seedUser(target.expectedName(user.username));
    const result = await run(user);
    expect(result).toMatchObject({ status: 'SUCCEEDED', remoteId: existingId });
    expect(target.readUser(existingId)).toMatchObject({ givenName: 'Ada', familyName: 'Lovelace' });
  });

  it('waits out throttling and succeeds', async () => {
    target.inject('rate-limit');
    const started = Date.now();
    const result = await run(newUser());
    expect(result).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
    if (target.throttleRetryAfterMs !== null)
      expect(Date.now() - started).toBeGreaterThanOrEqual(target.throttleRetryAfterMs - 50);
  });

  it('retries a server error and succeeds', async () => {
    target.inject('server-error');
    const user = newUser();
    const result = await run(user);
    expect(result).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
    expect(target.readUser(result.remoteId)?.name).toBe(target.expectedName(user.username));
  });

  it(
    target.renewsToken
      ? 'renews an expired access token and succeeds'
      : 'fails permanently on 401 with static credentials, without retrying or a link',
    async () => {
      const user = newUser();
      await run(newUser()); // a token is in use before it expires
      target.inject('token-expired');
      const result = await run(user);
      if (target.renewsToken) {
        expect(result).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
        expect(target.readUser(result.remoteId)).toBeDefined();
      } else {
        expect(result).toMatchObject({
          status: 'FAILED',
          attempts: 1,
          error: { code: 'HTTP_401', retriable: false },
        });
        expect(await link('USER', user.id)).toBeNull();
      }
    },
  );

  it.each([
    ['an HTML page', 'html', /not JSON/],
    ['truncated JSON', 'truncated', /not JSON/],
    ['a success without an id', 'no-id', /without a resource id/],
  ] as const)('fails clearly on %s and stores no link', async (_what, fault, message) => {
    target.inject(fault);
    const user = newUser();
    const result = await run(user);
    expect(result.status).toBe('FAILED');
    expect(result.error.code).toBe('INVALID_RESPONSE');
    expect(result.error.message).toMatch(message);
    expect(await link('USER', user.id)).toBeNull();
  });

  it('gives up on a target that does not answer within the timeout, as a retriable failure', async () => {
    target.inject('hang', ATTEMPTS);
    const user = newUser();
    const result = await run(user);
    expect(result).toMatchObject({
      status: 'FAILED',
      attempts: ATTEMPTS,
      error: { code: 'TIMEOUT', retriable: true },
    });
    expect(result.error.message).toMatch(new RegExp(`no answer from .* within ${TIMEOUT_MS} ms`));
    expect(await link('USER', user.id)).toBeNull();
  });

  if (target.hasGroups) {
    it('creates a group, adds and removes a member, renames and deletes it', async () => {
      const user = newUser();
      const member = (await run(user)).remoteId;
      const g = group(`grp-${slug}-${seq}`, `Engineers ${seq}`);
      const created = await runGroup(ProvisioningOperation.CREATE, g);
      expect(created).toMatchObject({ status: 'SUCCEEDED', operation: 'CREATE' });
      const groupId = created.remoteId!;
      expect(target.readGroup(groupId)).toEqual({ name: created.provisionedId, memberIds: [] });

      expect(await runMember('ADD_MEMBER', g, user.id)).toMatchObject({ status: 'SUCCEEDED' });
      expect(target.readGroup(groupId)?.memberIds).toEqual([member]);
      expect(await runMember('ADD_MEMBER', g, user.id)).toMatchObject({ status: 'SUCCEEDED' });
      expect(target.readGroup(groupId)?.memberIds).toEqual([member]);
      expect(await runMember('REMOVE_MEMBER', g, user.id)).toMatchObject({ status: 'SUCCEEDED' });
      expect(target.readGroup(groupId)?.memberIds).toEqual([]);
      // Removing a member no longer there (e.g. a retried remove) counts as done.
      expect(await runMember('REMOVE_MEMBER', g, user.id)).toMatchObject({ status: 'SUCCEEDED' });

      const renamed = await runGroup(ProvisioningOperation.UPDATE, { ...g, name: `Staff ${seq}` });
      expect(renamed).toMatchObject({
        status: 'SUCCEEDED',
        operation: 'UPDATE',
        remoteId: groupId,
      });
      expect(target.readGroup(groupId)?.name).toBe(renamed.provisionedId);
      expect(renamed.provisionedId).toContain(`Staff ${seq}`);

      expect(await runGroup(ProvisioningOperation.DELETE, g)).toMatchObject({
        status: 'SUCCEEDED',
      });
      expect(target.readGroup(groupId)).toBeUndefined();
      expect(await link('GROUP', g.id)).toBeNull();
      expect(await runGroup(ProvisioningOperation.DELETE, g)).toMatchObject({ status: 'SKIPPED' });
    });

    it('creates a missing group before adding a member, and skips members never provisioned', async () => {
      const user = newUser();
      const member = (await run(user)).remoteId;
      const g = group(`grp-${slug}-lazy-${seq}`, `Lazy ${seq}`);
      const added = await runMember('ADD_MEMBER', g, user.id);
      expect(added).toMatchObject({ status: 'SUCCEEDED', operation: 'ADD_MEMBER' });
      expect(target.readGroup(added.remoteId!)?.memberIds).toEqual([member]);
      expect((await link('GROUP', g.id))?.remoteId).toBe(added.remoteId);
      expect(await runMember('ADD_MEMBER', g, 'never-provisioned')).toMatchObject({
        status: 'SKIPPED',
        reason: 'member never provisioned through this connector',
      });
    });
  } else {
    it('skips group operations: the target has no groups', async () => {
      const result = await runGroup(ProvisioningOperation.CREATE, group(`grp-${slug}`, 'Any'));
      expect(result).toMatchObject({
        status: 'SKIPPED',
        reason: expect.stringMatching(/no groups/),
      });
    });
  }

  it('keeps secrets out of results, records and logs', async () => {
    target.inject('token-expired');
    const outcomes = [await run(newUser()), await run(newUser())];
    const records = JSON.stringify(
      await api.app.dataSource.query('SELECT * FROM provisioning_record'),
    );
    for (const text of [JSON.stringify(outcomes), records, api.logs.join('')]) {
      expect(text).toContain(connectorId);
      for (const secret of target.secrets) expect(text).not.toContain(secret);
    }
  });
});

function newUserLike<T extends { claims: { uri: string; value: string }[] }>(
  user: T,
  lastName: string,
): T {
  return {
    ...user,
    claims: user.claims.map((c) => (c.uri.endsWith('lastname') ? { ...c, value: lastName } : c)),
  };
}
