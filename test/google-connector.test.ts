// The Google connector against the local Google, end to end, for what the generic contract suite
// does not cover: the signed assertion's claims, a refused delegation, Google's 403 throttling,
// passwords on create only, PEM and JSON keys, group adoption, Google's own 4xx, unreachable hosts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeGoogleServer, DIRECTORY_SCOPES } from './fakes/google-server';
import { ADMIN_EMAIL, GOOGLE_DOMAIN, pemSecrets, SERVICE_ACCOUNT } from './contract/targets/google';
import { ProvisionedEntity } from '../src/provisioning/provisioned-entity.entity';
import { ProvisioningOperation } from '../src/provisioning/test-provisioning.types';
import { ok, startTestApi, type TestApi } from './support/api';
import * as doc from './support/documents';
import { makeTestKeys } from './support/keys';

const RUN = `mutation($input: TestProvisioningInput!) { testProvisioning(input: $input) {
  connector { id type } operation status provisionedId remoteId reason attempts error { code message retriable }
  request { method url body } } }`;
const TIMEOUT_MS = 400;

describe('Google connector', () => {
  const keys = makeTestKeys();
  const server = new FakeGoogleServer({
    serviceAccountEmail: SERVICE_ACCOUNT,
    publicKeyPem: keys.publicPem,
    adminEmail: ADMIN_EMAIL,
    domain: GOOGLE_DOMAIN,
  });
  let api: TestApi;
  let seq = 0;

  beforeAll(async () => {
    await server.start();
    api = await startTestApi('mariadb', {
      PROVISIONING_TIMEOUT_MS: String(TIMEOUT_MS),
      PROVISIONING_RETRY_ATTEMPTS: '3',
      PROVISIONING_RETRY_BASE_MS: '20',
    });
  });
  afterAll(async () => {
    await api?.close();
    await server.stop();
  });
  beforeEach(() => server.reset());

  /** A new identity provider with one Google connector; returns both ids. */
  async function connector(input: Record<string, unknown> = {}) {
    seq += 1;
    const idp = { name: `google-${seq}`, tenantDomain: 'acme' };
    const idpId = ok(await api.gql(doc.CREATE_IDP, { input: idp })).createIdentityProvider.id;
    const config = {
      domain: GOOGLE_DOMAIN,
      serviceAccountEmail: SERVICE_ACCOUNT,
      adminEmail: ADMIN_EMAIL,
      privateKey: keys.pem,
      apiRootUrl: server.apiRootUrl,
      tokenUrl: server.tokenUrl,
      ...input,
    };
    const data = ok(await api.gql(doc.CONFIGURE_GOOGLE, { id: idpId, input: config }));
    return {
      identityProviderId: idpId as string,
      connectorId: data.configureGoogleConnector.id as string,
    };
  }

  function newUser(lastName = 'Hopper') {
    seq += 1;
    const username = `grace${seq}`;
    return {
      id: `kc-google-${seq}`,
      username,
      claims: [
        { uri: 'http://wso2.org/claims/givenname', value: 'Grace' },
        { uri: 'http://wso2.org/claims/lastname', value: lastName },
      ],
    };
  }

  async function run(
    ids: { identityProviderId: string; connectorId: string },
    user: object,
    operation = 'CREATE',
    dryRun = false,
  ) {
    const input = {
      identityProviderId: ids.identityProviderId,
      connectorId: ids.connectorId,
      operation,
      dryRun,
      user,
    };
    return ok(await api.gql(RUN, { input })).testProvisioning[0];
  }

  const link = (connectorId: string, localId: string) =>
    api.app.dataSource.getRepository(ProvisionedEntity).findOneBy({ connectorId, localId });

  describe('with a working connector', () => {
    let ids: { identityProviderId: string; connectorId: string };
    beforeAll(async () => {
      ids = await connector();
    });

    it('signs the assertion as the service account, for the admin, the Directory scopes and the token URL', async () => {
      const fresh = await connector();
      expect(await run(fresh, newUser())).toMatchObject({ status: 'SUCCEEDED' });
      expect(server.tokenRequests).toHaveLength(1);
      const [{ claims, status }] = server.tokenRequests;
      expect(status).toBe(200);
      expect(claims).toMatchObject({
        iss: SERVICE_ACCOUNT,
        sub: ADMIN_EMAIL,
        aud: server.tokenUrl,
      });
      expect(String(claims!.scope).split(' ').sort()).toEqual([...DIRECTORY_SCOPES].sort());
      expect(claims!.exp - claims!.iat).toBeLessThanOrEqual(3600);
    });

    it("follows no redirect, so a new user's password never leaves the API root", async () => {
      const received: string[] = [];
      const elsewhere = http.createServer((req, res) => {
        received.push(`${req.method} ${req.url}`);
        req.on('data', (chunk: Buffer) => received.push(String(chunk)));
        req.on('end', () => res.end('{}'));
      });
      await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = elsewhere.address() as AddressInfo;
        server.inject({ redirectTo: `http://127.0.0.1:${port}/admin/directory/v1/users` });
        // The redirected call fails (retriable, as a network error) and the retry goes to the API root.
        const result = await run(ids, newUser());
        expect(result).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
        expect(received).toEqual([]);
      } finally {
        elsewhere.close();
      }
    });

    it('keeps its access token across operations and renews it once after a 401', async () => {
      await run(ids, newUser());
      const before = server.tokenRequests.length;
      await run(ids, newUser());
      expect(server.tokenRequests).toHaveLength(before);
      server.inject('token-expired');
      const result = await run(ids, newUser());
      expect(result).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
      expect(server.tokenRequests).toHaveLength(before + 1);
      expect(server.requests.slice(-2).map((r) => r.method)).toEqual(['POST', 'POST']);
    });

    it.each([
      ['userRateLimitExceeded', 'user-rate-limit'],
      ['quotaExceeded', 'quota-exceeded'],
    ] as const)('retries a 403 %s and succeeds', async (_reason, fault) => {
      server.inject(fault);
      const result = await run(ids, newUser());
      expect(result).toMatchObject({ status: 'SUCCEEDED', attempts: 2, error: null });
      expect(server.findUser(result.provisionedId)).toBeDefined();
    });

    it('sends a strong random password on create and never on update', async () => {
      const user = newUser();
      const { remoteId } = await run(ids, user);
      const inserted = server.requests.find((r) => r.method === 'POST')!.body!;
      expect(inserted.password).toMatch(/^.{32,100}$/);
      const married = { ...user, claims: newUser('Murray').claims };
      const updated = await run(ids, married, 'UPDATE');
      expect(updated).toMatchObject({ status: 'SUCCEEDED', remoteId });
      const update = server.requests.at(-1)!;
      expect(update).toMatchObject({
        method: 'PUT',
        path: `/admin/directory/v1/users/${remoteId}`,
      });
      expect(update.body).toEqual({
        primaryEmail: `${user.username}@${GOOGLE_DOMAIN}`,
        name: { givenName: 'Grace', familyName: 'Murray' },
      });
      const logs = api.logs.join('');
      expect(logs).not.toContain(inserted.password);
    });

    it('falls back to the username for names the user lacks, on create only', async () => {
      const user = { ...newUser(), claims: [] };
      const { remoteId } = await run(ids, user);
      expect(server.users.get(remoteId)!.name).toMatchObject({
        givenName: user.username,
        familyName: user.username,
      });
      // A claim Google does not use makes the update go out (an unchanged one would be skipped).
      const department = [{ uri: 'http://wso2.org/claims/department', value: 'Navy' }];
      await run(ids, { ...user, claims: department }, 'UPDATE');
      expect(server.requests.at(-1)!.body).toEqual({ primaryEmail: expect.any(String), name: {} });
    });

    it("previews against the configured API root and fails Google's own 4xx permanently", async () => {
      const preview = await run(ids, newUser(), 'CREATE', true);
      expect(preview.request).toMatchObject({
        method: 'POST',
        url: `${server.apiRootUrl}admin/directory/v1/users`,
        body: { password: '[REDACTED]' },
      });
      const user = { ...newUser(), username: 'grace@elsewhere.test' };
      const other = await connector({ domain: 'elsewhere.test' });
      const result = await run(other, user);
      expect(result).toMatchObject({
        status: 'FAILED',
        attempts: 1,
        error: { code: 'GOOGLE_invalid', retriable: false },
      });
      expect(result.error.message).toMatch(
        /^POST http:\/\/127\.0\.0\.1:\d+\/admin\/directory\/v1\/users answered HTTP 400: Invalid Input: primaryEmail/,
      );
      expect(await link(other.connectorId, user.id)).toBeNull();
    });

    it('adopts our group found by address, refuses another group with that address, and treats a duplicate member and a missing one as done', async () => {
      const user = newUser();
      const { remoteId: userId } = await run(ids, user);
      const existing = server.seedGroup(`platform-team@${GOOGLE_DOMAIN}`, 'Platform Team');
      const group = { id: `grp-${seq}`, name: 'Platform Team', tenantDomain: 'acme' };
      const runGroup = (operation: ProvisioningOperation, g = group) =>
        api.app.services.engine.runGroup({ ...ids, operation, group: g, source: 'test' });
      const [created] = await runGroup(ProvisioningOperation.CREATE);
      expect(created).toMatchObject({ status: 'SUCCEEDED', remoteId: existing.id });
      // Another group whose name makes the same address is refused, not merged into ours.
      const [clash] = await runGroup(ProvisioningOperation.CREATE, {
        id: `grp-clash-${seq}`,
        name: 'Platform-Team',
        tenantDomain: 'acme',
      });
      expect(clash).toMatchObject({ status: 'FAILED', error: { code: 'GOOGLE_duplicate' } });
      expect(server.groups.get(existing.id)!.name).toBe('Platform Team');
      const member = (change: 'ADD_MEMBER' | 'REMOVE_MEMBER') =>
        api.app.services.engine.runMembership({
          ...ids,
          change,
          group,
          userId: user.id,
          source: 'test',
        });
      server.addMember(existing.id, userId);
      expect((await member('ADD_MEMBER'))[0]).toMatchObject({ status: 'SUCCEEDED' });
      expect([...server.members.get(existing.id)!.keys()]).toEqual([userId]);
      server.members.get(existing.id)!.clear();
      expect((await member('REMOVE_MEMBER'))[0]).toMatchObject({ status: 'SUCCEEDED' });
    });
  });

  it('provisions with a service-account JSON key', async () => {
    const ids = await connector({
      privateKey: keys.serviceAccountJson(SERVICE_ACCOUNT),
      serviceAccountEmail: null,
    });
    const result = await run(ids, newUser());
    expect(result).toMatchObject({ status: 'SUCCEEDED' });
    expect(server.tokenRequests[0].claims).toMatchObject({ iss: SERVICE_ACCOUNT });
  });

  it('fails permanently, with a clear message and no link, when delegation is refused', async () => {
    const ids = await connector({ adminEmail: `someone@${GOOGLE_DOMAIN}` });
    const user = newUser();
    const result = await run(ids, user);
    expect(result).toMatchObject({
      status: 'FAILED',
      attempts: 1,
      error: { code: 'GOOGLE_invalid_grant', retriable: false },
    });
    expect(result.error.message).toContain(
      `the token endpoint ${server.tokenUrl} refused the service account: invalid_grant: Invalid email or User ID (HTTP 400)`,
    );
    expect(result.error.message).toMatch(/Administrator's Email/);
    expect(server.requests).toHaveLength(0);
    expect(await link(ids.connectorId, user.id)).toBeNull();
    const text = JSON.stringify(result) + api.logs.join('');
    for (const secret of pemSecrets(keys.pem)) expect(text).not.toContain(secret);
  });

  it('fails as a retriable network error when the API or the token endpoint cannot be reached', async () => {
    const closed = `http://127.0.0.1:${await closedPort()}/`;
    for (const input of [{ apiRootUrl: closed }, { tokenUrl: `${closed}token` }]) {
      const result = await run(await connector(input), newUser());
      expect(result).toMatchObject({
        status: 'FAILED',
        attempts: 3,
        error: { code: 'NETWORK_ERROR', retriable: true },
      });
      expect(result.error.message).toMatch(
        /^cannot reach http:\/\/127\.0\.0\.1:\d+\/(admin\/directory\/v1\/users|token): ECONNREFUSED$/,
      );
    }
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
