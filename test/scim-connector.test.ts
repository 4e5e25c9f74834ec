// SCIM-specific behaviour beyond the shared connector contract (test/contract): the password rule,
// PATCH vs GET + PUT, 404 on delete, the quoted userName filter, unknown identity providers.
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
])('SCIM %s connector', (version, enumValue) => {
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

  it('sends the Default Password on create and records the attempt', async () => {
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

  it('updates with a PatchOp (2.0) or GET then PUT (1.1), never a password', async () => {
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
