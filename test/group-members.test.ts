// A group's members converged group by group (what a sync does), on MariaDB and SQLite against
// the local SCIM 2.0 server: members go out in one PATCH per batch, memberships that match cost
// nothing, a batch the target refuses is tried member by member, and a member is removed only
// once Keycloak confirms it left.
import {
  ProvisioningOperation,
  ProvisioningStatus,
} from '../src/provisioning/test-provisioning.types';
import { FakeScimServer } from './fakes/scim-server';
import { ok, startTestApi, type TestApi } from './support/api';
import * as doc from './support/documents';

const RUN = `mutation($input: TestProvisioningInput!) { testProvisioning(input: $input) {
  status remoteId } }`;

describe.each(['mariadb', 'sqlite'] as const)('group members converged on %s', (kind) => {
  let api: TestApi;
  let scim: FakeScimServer;
  let identityProviderId: string;
  const group = { id: 'g-eng', name: 'eng', tenantDomain: 'acme' };
  const remote = new Map<string, string>();

  beforeAll(async () => {
    scim = await new FakeScimServer('2.0', { bearer: 'members-token-Zz1' }).start();
    api = await startTestApi(kind);
    identityProviderId = ok(
      await api.gql(doc.CREATE_IDP, { input: { name: 'members', tenantDomain: 'acme' } }),
    ).createIdentityProvider.id;
    const input = {
      version: 'SCIM_2_0',
      bearerToken: 'members-token-Zz1',
      userEndpoint: `${scim.url}/Users`,
    };
    ok(await api.gql(doc.CONFIGURE_SCIM, { id: identityProviderId, input }));
    for (const id of ['u1', 'u2', 'u3', 'u4', 'u5']) await provision(id);
    await api.app.services.engine.runGroup({
      identityProviderId,
      operation: ProvisioningOperation.CREATE,
      group,
      source: 'test',
    });
  });
  afterAll(async () => {
    await api?.close();
    await scim?.stop();
  });

  const converge = (
    memberIds: string[],
    confirmRemoval: (userId: string) => Promise<boolean> = async () => true,
    options: { group?: typeof group; dryRun?: boolean } = {},
  ) =>
    api.app.services.engine.memberships.ofGroup({
      identityProviderId,
      source: 'test',
      group: options.group ?? group,
      memberIds,
      confirmRemoval,
      dryRun: options.dryRun ?? false,
    });
  const provision = async (id: string) => {
    const user = { id, username: `${id}@acme.test` };
    const [result] = ok(
      await api.gql(RUN, {
        input: { identityProviderId, operation: 'CREATE', dryRun: false, user },
      }),
    ).testProvisioning;
    remote.set(id, result.remoteId);
  };
  const patches = () => scim.requests.filter((r) => r.method === 'PATCH');
  const members = () =>
    ([...scim.groups.values()][0].members as { value: string }[]).map((m) => m.value).sort();
  const ids = (...local: string[]) => local.map((id) => remote.get(id)!).sort();

  it('adds the members in one PATCH, each recorded, and does nothing the second time', async () => {
    scim.requests.length = 0;
    const outcomes = await converge(['u1', 'u2', 'u3']);
    expect(outcomes.map((o) => [o.operation, o.status])).toEqual([
      ['ADD_MEMBER', 'SUCCEEDED'],
      ['ADD_MEMBER', 'SUCCEEDED'],
      ['ADD_MEMBER', 'SUCCEEDED'],
    ]);
    expect(patches()).toHaveLength(1);
    expect(members()).toEqual(ids('u1', 'u2', 'u3'));
    const log = await api.app.services.history.page({ localId: group.id }, 10, null);
    const added = log.edges.filter((e) => e.node.operation === 'ADD_MEMBER');
    expect(added.map((e) => (e.node.request as { member: string }).member).sort()).toEqual([
      'u1',
      'u2',
      'u3',
    ]);

    expect(await converge(['u1', 'u2', 'u3'])).toEqual([]);
    expect(patches()).toHaveLength(1);
  });

  it('tries a refused batch member by member: only the member the target lacks fails', async () => {
    // u4 was deleted at the target behind our back: a PATCH naming it is refused whole.
    scim.users.delete(remote.get('u4')!);
    scim.requests.length = 0;
    const outcomes = await converge(['u1', 'u2', 'u3', 'u4', 'u5']);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['FAILED', 'SUCCEEDED']);
    expect(outcomes.find((o) => o.status === ProvisioningStatus.FAILED)!.error).toMatchObject({
      retriable: false,
    });
    // The batch of two, then each alone.
    expect(patches()).toHaveLength(3);
    expect(members()).toEqual(ids('u1', 'u2', 'u3', 'u5'));
  });

  it('keeps a member the listing lacks until Keycloak confirms they left', async () => {
    scim.requests.length = 0;
    const asked: string[] = [];
    // Keycloak answers that u2 is still a member (they slipped between the listing's pages).
    const stillMember = async (userId: string) => {
      asked.push(userId);
      return false;
    };
    expect(await converge(['u1', 'u3', 'u5'], stillMember)).toEqual([]);
    expect(asked).toEqual(['u2']);
    expect(patches()).toHaveLength(0);

    const outcomes = await converge(['u1', 'u3', 'u5']);
    expect(outcomes.map((o) => [o.operation, o.status])).toEqual([['REMOVE_MEMBER', 'SUCCEEDED']]);
    expect(members()).toEqual(ids('u1', 'u3', 'u5'));
  });

  it('sends a hundred members a PATCH', async () => {
    const big = { id: 'g-big', name: 'big', tenantDomain: 'acme' };
    await api.app.services.engine.runGroup({
      identityProviderId,
      operation: ProvisioningOperation.CREATE,
      group: big,
      source: 'test',
    });
    const ids = Array.from({ length: 120 }, (_, i) => `b${i}`);
    for (const id of ids) await provision(id);
    scim.requests.length = 0;
    const outcomes = await converge(ids, undefined, { group: big });
    expect(outcomes.filter((o) => o.status === ProvisioningStatus.SUCCEEDED)).toHaveLength(120);
    expect(
      patches().map((p) => (p.body as { Operations: { value: [] }[] }).Operations[0].value.length),
    ).toEqual([100, 20]);
  });

  it('previews in a dry run the members a group not yet at the target would get', async () => {
    const fresh = { id: 'g-fresh', name: 'fresh', tenantDomain: 'acme' };
    scim.requests.length = 0;
    const outcomes = await converge(['u1'], undefined, { group: fresh, dryRun: true });
    expect(outcomes.map((o) => [o.operation, o.status])).toEqual([['ADD_MEMBER', 'PREVIEWED']]);
    expect(scim.requests).toEqual([]);
  });

  it('forgets the membership of a user no longer provisioned, once', async () => {
    await api.app.dataSource.query(
      "DELETE FROM provisioned_entity WHERE entityType = 'USER' AND localId = 'u3'",
    );
    const first = await converge(['u1', 'u5']);
    expect(first.map((o) => [o.operation, o.status, o.reason])).toEqual([
      ['REMOVE_MEMBER', 'SKIPPED', 'member never provisioned through this connector'],
    ]);
    expect(await converge(['u1', 'u5'])).toEqual([]);
  });

  it('empties a group that left the provisioning scope, without asking Keycloak', async () => {
    await api.app.services.identityProviders.update(identityProviderId, {
      provisioningRoles: ['staff'],
    });
    const asked: string[] = [];
    const outcomes = await converge(['u1', 'u5'], async (userId) => {
      asked.push(userId);
      return false;
    });
    expect(outcomes.map((o) => [o.operation, o.status])).toEqual([
      ['REMOVE_MEMBER', 'SUCCEEDED'],
      ['REMOVE_MEMBER', 'SUCCEEDED'],
    ]);
    expect(asked).toEqual([]);
    // u3 stays: its membership was forgotten with its user's link (above).
    expect(members()).toEqual(ids('u3'));
  });
});
