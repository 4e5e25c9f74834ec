// Provisioning scope (provisioningRoles) and the provisioning log / links queries, through the API
// on MariaDB and on SQLite (links and records are written in plain SQL per dialect) against the
// local SCIM 2.0 server.
import { ProvisioningOperation } from '../src/provisioning/test-provisioning.types';
import { FakeScimServer } from './fakes/scim-server';
import { FakeWebhookReceiver } from './fakes/webhook-receiver';
import { errorCode, ok, startTestApi, type TestApi } from './support/api';
import * as doc from './support/documents';

const RUN = `mutation($input: TestProvisioningInput!) { testProvisioning(input: $input) {
  operation status remoteId reason error { code } } }`;
const LOG = `query($filter: ProvisioningLogFilter, $first: Int, $after: String) {
  provisioningLog(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id operation entityType localId status attempts remoteId errorMessage source createdAt } }
    pageInfo { endCursor hasNextPage } } }`;
const LINKS = `query($connectorId: ID, $localId: String) {
  provisionedEntities(connectorId: $connectorId, localId: $localId) { connectorId entityType localId remoteId remoteName } }`;
const SCOPE = `query($id: ID!) { identityProvider(id: $id) { provisioningRoles } }`;

describe.each(['mariadb', 'sqlite'] as const)(
  'provisioning scope and the provisioning log on %s',
  (kind) => {
    let api: TestApi;
    let scim: FakeScimServer;
    let idpId: string;
    let connectorId: string;

    beforeAll(async () => {
      scim = await new FakeScimServer('2.0', { bearer: 'scope-token-Zz1' }).start();
      api = await startTestApi(kind);
      const input = { name: 'scoped', tenantDomain: 'acme', provisioningRoles: ['staff'] };
      idpId = ok(await api.gql(doc.CREATE_IDP, { input })).createIdentityProvider.id;
      const scimInput = {
        version: 'SCIM_2_0',
        bearerToken: 'scope-token-Zz1',
        userEndpoint: `${scim.url}/Users`,
      };
      connectorId = ok(await api.gql(doc.CONFIGURE_SCIM, { id: idpId, input: scimInput }))
        .configureScimConnector.id;
    });
    afterAll(async () => {
      await api?.close();
      await scim?.stop();
    });

    const user = (id: string, roles: string[]) => ({ id, username: `${id}@acme.test`, roles });
    const run = async (u: object, operation = 'CREATE') =>
      ok(
        await api.gql(RUN, {
          input: { identityProviderId: idpId, operation, dryRun: false, user: u },
        }),
      ).testProvisioning[0];

    it('stores the scope and rejects an empty role name without changing it', async () => {
      expect(ok(await api.gql(SCOPE, { id: idpId })).identityProvider.provisioningRoles).toEqual([
        'staff',
      ]);
      const bad = await api.gql(doc.UPDATE_IDP, { id: idpId, input: { provisioningRoles: [''] } });
      expect(errorCode(bad)).toBe('BAD_USER_INPUT');
      expect(ok(await api.gql(SCOPE, { id: idpId })).identityProvider.provisioningRoles).toEqual([
        'staff',
      ]);
    });

    it('skips a user outside the scope, sending nothing', async () => {
      const before = scim.requests.length;
      expect(await run(user('outsider', ['visitors']))).toMatchObject({
        status: 'SKIPPED',
        reason: 'outside the provisioning scope (needs one of: staff)',
      });
      expect(scim.requests.length).toBe(before);
    });

    it('provisions a member, and deprovisions them when they leave the scope', async () => {
      const joined = await run(user('member', ['staff', 'visitors']));
      expect(joined).toMatchObject({ status: 'SUCCEEDED', operation: 'CREATE' });
      expect(scim.users.has(joined.remoteId)).toBe(true);

      const left = await run(user('member', ['visitors']), 'UPDATE');
      expect(left).toMatchObject({
        status: 'SUCCEEDED',
        operation: 'DELETE',
        reason: 'outside the provisioning scope (needs one of: staff): deprovisioned',
      });
      expect(scim.users.has(joined.remoteId)).toBe(false);
      expect(ok(await api.gql(LINKS, { localId: 'member' })).provisionedEntities).toEqual([]);
    });

    it('never deprovisions a user whose roles are unknown', async () => {
      const { remoteId } = await run(user('unknown-roles', ['staff']));
      const noRoles = { id: 'unknown-roles', username: 'unknown-roles@acme.test' };
      expect(await run(noRoles, 'UPDATE')).toMatchObject({
        status: 'SKIPPED',
        reason: "the user's roles are unknown, so the provisioning scope (staff) cannot be checked",
      });
      expect(scim.users.has(remoteId)).toBe(true);
    });

    it('provisions only the groups named in the scope', async () => {
      const engine = api.app.services.engine;
      const group = (name: string) => ({ id: `g-${name}`, name, tenantDomain: 'acme' });
      const runGroup = async (name: string) =>
        (
          await engine.runGroup({
            identityProviderId: idpId,
            operation: ProvisioningOperation.CREATE,
            group: group(name),
            source: 'test',
          })
        )[0];
      expect(await runGroup('staff')).toMatchObject({ status: 'SUCCEEDED' });
      expect(await runGroup('visitors')).toMatchObject({
        status: 'SKIPPED',
        reason: 'group outside the provisioning scope (staff)',
      });
      expect([...scim.groups.values()].map((g) => g.displayName)).toEqual(['staff']);
    });

    it('lists the links of a user and refuses a query without a connector or user', async () => {
      const created = await run(user('linked', ['staff']));
      const links = ok(await api.gql(LINKS, { localId: 'linked' })).provisionedEntities;
      expect(links).toEqual([
        {
          connectorId,
          entityType: 'USER',
          localId: 'linked',
          remoteId: created.remoteId,
          remoteName: 'linked@acme.test',
        },
      ]);
      const byConnector = ok(await api.gql(LINKS, { connectorId })).provisionedEntities;
      expect(byConnector.map((l: { localId: string }) => l.localId)).toContain('linked');
      expect(errorCode(await api.gql(LINKS, {}))).toBe('BAD_USER_INPUT');
    });

    it('pages through the log newest first, with filters', async () => {
      for (let i = 0; i < 3; i++) {
        // Each run changes the user, so none is skipped as unchanged.
        const claims = [{ uri: 'http://wso2.org/claims/lastname', value: `Paged ${i}` }];
        await run({ ...user('paged', ['staff']), claims }, 'UPDATE');
      }
      const page = async (first: number, after?: string, filter: object = { localId: 'paged' }) =>
        ok(await api.gql(LOG, { filter, first, after })).provisioningLog;

      const one = await page(2);
      expect(one.edges).toHaveLength(2);
      expect(one.pageInfo.hasNextPage).toBe(true);
      const two = await page(2, one.pageInfo.endCursor);
      expect(two.edges).toHaveLength(1);
      expect(two.pageInfo.hasNextPage).toBe(false);
      const ids = [...one.edges, ...two.edges].map((e: { node: { id: string } }) =>
        Number(e.node.id),
      );
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      expect(two.edges[0].node).toMatchObject({ operation: 'CREATE', status: 'SUCCEEDED' });
      expect(one.edges[0].node).toMatchObject({
        operation: 'UPDATE',
        entityType: 'USER',
        source: 'api',
        attempts: 1,
      });

      const skipped = await page(50, undefined, { identityProviderId: idpId, status: 'SKIPPED' });
      expect(skipped.edges.map((e: { node: { localId: string } }) => e.node.localId)).toContain(
        'outsider',
      );
      expect(
        skipped.edges.every((e: { node: { status: string } }) => e.node.status === 'SKIPPED'),
      ).toBe(true);
      const future = new Date(Date.now() + 3_600_000).toISOString();
      expect((await page(50, undefined, { localId: 'paged', since: future })).edges).toEqual([]);
    });

    it('runs every connector independently: one failing does not stop another', async () => {
      const receiver = await new FakeWebhookReceiver('mixed-secret').start();
      try {
        const input = { name: 'mixed', tenantDomain: 'acme' };
        const mixedId = ok(await api.gql(doc.CREATE_IDP, { input })).createIdentityProvider.id;
        const badScim = {
          version: 'SCIM_2_0',
          bearerToken: 'wrong',
          userEndpoint: `${scim.url}/Users`,
        };
        ok(await api.gql(doc.CONFIGURE_SCIM, { id: mixedId, input: badScim }));
        const hook = {
          type: 'webhook',
          properties: [
            { name: 'url', value: receiver.url },
            { name: 'signingSecret', value: 'mixed-secret' },
          ],
        };
        ok(await api.gql(doc.CONFIGURE_CUSTOM, { id: mixedId, input: hook }));
        const response = await api.gql(
          `mutation($input: TestProvisioningInput!) { testProvisioning(input: $input) { connector { type } status error { code } } }`,
          { input: { identityProviderId: mixedId, dryRun: false, user: user('both', []) } },
        );
        const byType = Object.fromEntries(
          ok(response).testProvisioning.map((o: { connector: { type: string } }) => [
            o.connector.type,
            o,
          ]),
        );
        expect(byType['scim-2']).toMatchObject({ status: 'FAILED', error: { code: 'HTTP_401' } });
        expect(byType.webhook).toMatchObject({ status: 'SUCCEEDED', error: null });
        expect([...receiver.users.values()].map((u) => u.username)).toEqual(['both@acme.test']);
      } finally {
        await receiver.stop();
      }
    });

    it.each([
      ['a cursor it did not make', { after: 'bm9wZQ' }],
      ['a page size of 0', { first: 0 }],
      ['a page size over 500', { first: 501 }],
      ['an identity provider id that is not a UUID', { filter: { identityProviderId: 'x' } }],
    ])('rejects %s with BAD_USER_INPUT', async (_what, variables) => {
      expect(errorCode(await api.gql(LOG, variables))).toBe('BAD_USER_INPUT');
    });
  },
);
