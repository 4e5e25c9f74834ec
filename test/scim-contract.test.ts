// The SCIM connectors against local SCIM servers, end to end: GraphQL testProvisioning with
// dryRun: false → engine → SCIM over HTTP → server state, links and the provisioning log.
import { ProvisionedEntity } from '../src/provisioning/provisioned-entity.entity';
import { ProvisioningRecord } from '../src/provisioning/provisioning-record.entity';
import { errorCode, ok, startTestApi, type TestApi } from './support/api';
import * as doc from './support/documents';
import { FakeScimServer, type ScimVersion } from './fakes/scim-server';

const RUN = `mutation($input: TestProvisioningInput!) { testProvisioning(input: $input) {
  connector { id type } operation status provisionedId remoteId reason attempts durationMs error { code message retriable } } }`;
const PASSWORD = 'scim-secret-Pw7x';
const DEFAULT_PASSWORD = 'scim-default-Dp3k';

describe.each<[ScimVersion, 'SCIM_2_0' | 'SCIM_1_1']>([
  ['2.0', 'SCIM_2_0'],
  ['1.1', 'SCIM_1_1'],
])('SCIM %s connector contract', (version, enumValue) => {
  let api: TestApi;
  let scim: FakeScimServer;
  let idpId: string;
  let connectorId: string;
  let seq = 0;

  beforeAll(async () => {
    scim = await new FakeScimServer(version, { basic: ['provisioner', PASSWORD] }).start();
    api = await startTestApi('mariadb', {
      PROVISIONING_TIMEOUT_MS: '400',
      PROVISIONING_RETRY_ATTEMPTS: '3',
      PROVISIONING_RETRY_BASE_MS: '20',
    });
    idpId = ok(
      await api.gql(doc.CREATE_IDP, { input: { name: `scim-${version}`, tenantDomain: 'acme' } }),
    ).createIdentityProvider.id;
    const input = {
      version: enumValue,
      username: 'provisioner',
      password: PASSWORD,
      defaultPassword: DEFAULT_PASSWORD,
      userEndpoint: `${scim.url}/Users`,
    };
    connectorId = ok(await api.gql(doc.CONFIGURE_SCIM, { id: idpId, input })).configureScimConnector
      .id;
  });
  afterAll(async () => {
    await api?.close();
    await scim?.stop();
  });
  beforeEach(() => scim.reset());

  function newUser() {
    seq += 1;
    const username = `user${seq}-${version}@acme.test`;
    return {
      id: `kc-${version}-${seq}`,
      username,
      claims: [
        { uri: 'http://wso2.org/claims/emailaddress', value: username },
        { uri: 'http://wso2.org/claims/givenname', value: 'Ada' },
        { uri: 'http://wso2.org/claims/lastname', value: 'Lovelace' },
      ],
    };
  }

  async function run(user: object, operation = 'CREATE') {
    const response = await api.gql(RUN, {
      input: { identityProviderId: idpId, connectorId, operation, dryRun: false, user },
    });
    return ok(response).testProvisioning[0];
  }

  const link = (localId: string) =>
    api.app.dataSource.getRepository(ProvisionedEntity).findOneBy({ connectorId, localId });

  it('creates the user, stores the link and records success', async () => {
    const user = newUser();
    const result = await run(user);
    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      operation: 'CREATE',
      provisionedId: user.username,
      error: null,
      attempts: 1,
    });
    const remote = scim.users.get(result.remoteId)!;
    expect(remote).toMatchObject({
      userName: user.username,
      name: { givenName: 'Ada', familyName: 'Lovelace' },
    });
    expect(scim.requests[0].body!.password).toBe(DEFAULT_PASSWORD);
    expect((await link(user.id))?.remoteId).toBe(result.remoteId);
    await api.app.services.provisioningLog.drain();
    const record = await api.app.dataSource
      .getRepository(ProvisioningRecord)
      .findOneOrFail({ where: { connectorId, localId: user.id }, order: { id: 'DESC' } });
    expect(record).toMatchObject({
      status: 'SUCCEEDED',
      remoteId: result.remoteId,
      attempts: 1,
      source: 'api',
    });
  });

  it('updates one attribute of the linked user', async () => {
    const user = newUser();
    const { remoteId } = await run(user);
    const changed = {
      ...user,
      claims: user.claims.map((c) => (c.uri.endsWith('lastname') ? { ...c, value: 'Byron' } : c)),
    };
    const result = await run(changed, 'UPDATE');
    expect(result).toMatchObject({ status: 'SUCCEEDED', operation: 'UPDATE', remoteId });
    expect(scim.users.get(remoteId)!.name.familyName).toBe('Byron');
    const methods = scim.requests.map((r) => r.method);
    expect(methods).toEqual(version === '2.0' ? ['POST', 'PATCH'] : ['POST', 'GET', 'PUT']);
    expect(scim.requests.at(-1)!.body!.password).toBeUndefined();
  });

  it('deletes the user, drops the link, and skips a second delete', async () => {
    const user = newUser();
    const { remoteId } = await run(user);
    expect(await run(user, 'DELETE')).toMatchObject({ status: 'SUCCEEDED', operation: 'DELETE' });
    expect(scim.users.has(remoteId)).toBe(false);
    expect(await link(user.id)).toBeNull();
    expect(await run(user, 'DELETE')).toMatchObject({
      status: 'SKIPPED',
      reason: 'never provisioned through this connector: nothing to delete',
    });
  });

  it('counts a delete of a user already gone at the target as done', async () => {
    const user = newUser();
    const { remoteId } = await run(user);
    scim.users.delete(remoteId);
    expect(await run(user, 'DELETE')).toMatchObject({ status: 'SUCCEEDED' });
    expect(await link(user.id)).toBeNull();
  });

  it('adopts a user that already exists (409) found by a quoted userName filter', async () => {
    const user = newUser();
    scim.users.set('existing-1', {
      schemas: ['x'],
      id: 'existing-1',
      userName: user.username,
      name: { givenName: 'Old' },
    });
    const result = await run(user);
    expect(result).toMatchObject({ status: 'SUCCEEDED', remoteId: 'existing-1' });
    const search = scim.requests.find((r) => r.method === 'GET' && r.query.includes('filter'))!;
    expect(new URLSearchParams(search.query).get('filter')).toBe(`userName eq "${user.username}"`);
    expect(scim.users.get('existing-1')!.name.givenName).toBe('Ada');
    expect(scim.users.size).toBe(1);
  });

  it('waits out a 429 with Retry-After and succeeds', async () => {
    scim.inject({ kind: 'status', status: 429, headers: { 'retry-after': '1' } });
    const started = Date.now();
    const result = await run(newUser());
    expect(result).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('retries a 500 and succeeds', async () => {
    scim.inject({ kind: 'status', status: 500 });
    expect(await run(newUser())).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
    expect(scim.users.size).toBe(1);
  });

  it('fails permanently on 401 without retrying, and stores no link', async () => {
    scim.inject({ kind: 'status', status: 401, body: { detail: 'token expired' } });
    const user = newUser();
    const result = await run(user);
    expect(result).toMatchObject({
      status: 'FAILED',
      attempts: 1,
      error: { code: 'HTTP_401', retriable: false },
    });
    expect(await link(user.id)).toBeNull();
  });

  it.each([
    ['an HTML page', { kind: 'html' } as const, /not JSON \(text\/html/],
    ['truncated JSON', { kind: 'truncated' } as const, /not JSON/],
    ['a 201 without an id', { kind: 'no-id' } as const, /without a resource id/],
  ])('fails clearly on %s and stores no link', async (_name, fault, message) => {
    scim.inject(fault);
    const user = newUser();
    const result = await run(user);
    expect(result.status).toBe('FAILED');
    expect(result.error.message).toMatch(message);
    expect(await link(user.id)).toBeNull();
  });

  it('gives up on a target that does not answer within the timeout, as a retriable failure', async () => {
    scim.inject({ kind: 'hang' }, { kind: 'hang' }, { kind: 'hang' });
    const user = newUser();
    const result = await run(user);
    expect(result).toMatchObject({
      status: 'FAILED',
      attempts: 3,
      error: { code: 'TIMEOUT', retriable: true },
    });
    expect(result.error.message).toMatch(/no answer from .* within 400 ms/);
    expect(await link(user.id)).toBeNull();
  });

  it('keeps secrets out of results, records and logs', async () => {
    scim.inject({ kind: 'status', status: 401 });
    await run(newUser());
    await run(newUser());
    await api.app.services.provisioningLog.drain();
    const records = JSON.stringify(
      await api.app.dataSource.query('SELECT * FROM provisioning_record'),
    );
    for (const text of [records, api.logs.join('')]) {
      expect(text).toContain(connectorId);
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(DEFAULT_PASSWORD);
      expect(text).not.toContain(Buffer.from(`provisioner:${PASSWORD}`).toString('base64'));
    }
  });

  it('rejects dryRun: false for an unknown identity provider with NOT_FOUND', async () => {
    const response = await api.gql(RUN, {
      input: {
        identityProviderId: '00000000-0000-4000-8000-000000000001',
        dryRun: false,
        user: newUser(),
      },
    });
    expect(errorCode(response)).toBe('NOT_FOUND');
  });
});
