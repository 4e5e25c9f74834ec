// Syncs through the GraphQL API, on MariaDB and SQLite: queued when a connector is created or
// changed, started, listed, cancelled and confirmed, with the typed errors of bad requests.
// (What a sync does at the targets is test/sync.test.ts, with a sidecar running it.)
import { errorCode, ok, startTestApi, type TestApi } from './support/api';
import * as doc from './support/documents';

const JOB = `id status dryRun triggeredBy reason pendingDeletions total processed created updated
  unchanged deleted skipped failed createdAt startedAt finishedAt
  identityProvider { id name } connector { id type }`;
const START = `mutation($idp: ID!, $connector: ID, $dryRun: Boolean) {
  startSync(identityProviderId: $idp, connectorId: $connector, dryRun: $dryRun) { ${JOB} } }`;
const JOBS = `query($idp: ID!, $first: Int, $after: ID) {
  syncJobs(identityProviderId: $idp, first: $first, after: $after) { ${JOB} } }`;
const GET = `query($id: ID!) { syncJob(id: $id) { ${JOB} } }`;
const CANCEL = `mutation($id: ID!) { cancelSync(id: $id) { ${JOB} } }`;
const CONFIRM = `mutation($id: ID!) { confirmSyncDeletions(id: $id) { ${JOB} } }`;
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe.each(['mariadb', 'sqlite'] as const)('syncs through the API on %s', (kind) => {
  let api: TestApi;
  let idpId: string;
  let connectorId: string;
  const scim = (enabled = true, endpoint = 'https://scim.example.test/Users') => ({
    version: 'SCIM_2_0',
    bearerToken: 'sync-api-token',
    userEndpoint: endpoint,
    enabled,
  });

  beforeAll(async () => {
    api = await startTestApi(kind);
    const input = { name: 'sync-api', tenantDomain: 'acme' };
    idpId = ok(await api.gql(doc.CREATE_IDP, { input })).createIdentityProvider.id;
  });
  afterAll(() => api?.close());

  const jobs = async () => ok(await api.gql(JOBS, { idp: idpId })).syncJobs;

  it('queues a sync of a new connector, once, and refuses a second sync meanwhile', async () => {
    expect(await jobs()).toEqual([]);
    connectorId = ok(await api.gql(doc.CONFIGURE_SCIM, { id: idpId, input: scim() }))
      .configureScimConnector.id;
    const [queued] = await jobs();
    expect(queued).toMatchObject({
      status: 'QUEUED',
      triggeredBy: 'connector',
      dryRun: false,
      identityProvider: { id: idpId, name: 'sync-api' },
      connector: { id: connectorId, type: 'scim-2' },
      total: 0,
      startedAt: null,
    });
    // Saved again unchanged, or changed while one is queued: still one queued sync.
    ok(await api.gql(doc.CONFIGURE_SCIM, { id: idpId, input: scim() }));
    ok(
      await api.gql(doc.CONFIGURE_SCIM, {
        id: idpId,
        input: { ...scim(true, 'https://scim2.example.test/Users') },
      }),
    );
    expect(await jobs()).toHaveLength(1);

    const second = await api.gql(START, { idp: idpId });
    expect(errorCode(second)).toBe('CONFLICT');
    expect(second.errors![0].message).toContain(queued.id);
  });

  it('cancels a queued sync, once, and confirms only one that waits for confirmation', async () => {
    const [queued] = await jobs();
    const cancelled = ok(await api.gql(CANCEL, { id: queued.id })).cancelSync;
    expect(cancelled).toMatchObject({ status: 'CANCELLED', reason: 'cancelled' });
    expect(cancelled.finishedAt).not.toBeNull();
    expect(errorCode(await api.gql(CANCEL, { id: queued.id }))).toBe('CONFLICT');
    expect(errorCode(await api.gql(CONFIRM, { id: queued.id }))).toBe('CONFLICT');
    expect(ok(await api.gql(GET, { id: queued.id })).syncJob.status).toBe('CANCELLED');
  });

  it('starts a dry run of one connector and lists syncs newest first, page by page', async () => {
    const started = ok(
      await api.gql(START, { idp: idpId, connector: connectorId, dryRun: true }),
    ).startSync;
    expect(started).toMatchObject({ status: 'QUEUED', dryRun: true, triggeredBy: 'api' });
    const all = await jobs();
    expect(all.map((j: { id: string }) => j.id)[0]).toBe(started.id);
    const [first] = ok(await api.gql(JOBS, { idp: idpId, first: 1 })).syncJobs;
    const rest = ok(await api.gql(JOBS, { idp: idpId, first: 10, after: first.id })).syncJobs;
    expect([first, ...rest].map((j: { id: string }) => j.id)).toEqual(
      all.map((j: { id: string }) => j.id),
    );
    ok(await api.gql(CANCEL, { id: started.id }));
  });

  it('answers bad requests with typed errors and queues nothing', async () => {
    const before = (await jobs()).length;
    expect(errorCode(await api.gql(START, { idp: UNKNOWN }))).toBe('NOT_FOUND');
    expect(errorCode(await api.gql(START, { idp: 'not-a-uuid' }))).toBe('NOT_FOUND');
    expect(errorCode(await api.gql(START, { idp: idpId, connector: UNKNOWN }))).toBe('NOT_FOUND');
    expect(errorCode(await api.gql(GET, { id: UNKNOWN }))).toBe('NOT_FOUND');
    expect(errorCode(await api.gql(CANCEL, { id: UNKNOWN }))).toBe('NOT_FOUND');
    expect(errorCode(await api.gql(JOBS, { idp: idpId, first: 0 }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await api.gql(JOBS, { idp: idpId, after: UNKNOWN }))).toBe('BAD_USER_INPUT');

    // Another identity provider's connector is not this one's.
    const other = ok(
      await api.gql(doc.CREATE_IDP, { input: { name: 'other', tenantDomain: 'acme' } }),
    ).createIdentityProvider.id;
    const otherConnector = ok(await api.gql(doc.CONFIGURE_SCIM, { id: other, input: scim() }))
      .configureScimConnector.id;
    expect(errorCode(await api.gql(START, { idp: idpId, connector: otherConnector }))).toBe(
      'NOT_FOUND',
    );

    // Disabled connector, disabled identity provider: refused with the reason.
    ok(await api.gql(doc.CONFIGURE_SCIM, { id: idpId, input: scim(false) }));
    const disabled = await api.gql(START, { idp: idpId, connector: connectorId });
    expect(errorCode(disabled)).toBe('BAD_USER_INPUT');
    expect(disabled.errors![0].message).toMatch(/connector .* is disabled/);
    ok(await api.gql(doc.UPDATE_IDP, { id: idpId, input: { enabled: false } }));
    const off = await api.gql(START, { idp: idpId });
    expect(errorCode(off)).toBe('BAD_USER_INPUT');
    expect(off.errors![0].message).toMatch(/identity provider .* is disabled/);
    expect(await jobs()).toHaveLength(before);

    // Re-enabled connector of an enabled identity provider: a sync is queued for it.
    ok(await api.gql(doc.UPDATE_IDP, { id: idpId, input: { enabled: true } }));
    ok(await api.gql(doc.CONFIGURE_SCIM, { id: idpId, input: scim(true) }));
    const [requeued] = await jobs();
    expect(requeued).toMatchObject({ status: 'QUEUED', triggeredBy: 'connector' });
  });
  it('queues no sync when only how requests travel changes (SCIM Bulk), and one when what they carry does', async () => {
    const input = { name: 'sync-api-bulk', tenantDomain: 'acme' };
    const idp = ok(await api.gql(doc.CREATE_IDP, { input })).createIdentityProvider.id;
    ok(await api.gql(doc.CONFIGURE_SCIM, { id: idp, input: scim() }));
    const jobsOf = async () => ok(await api.gql(JOBS, { idp })).syncJobs as { id: string }[];
    const [first] = await jobsOf();
    ok(await api.gql(CANCEL, { id: first.id }));
    const bulk = ok(
      await api.gql(doc.CONFIGURE_SCIM, { id: idp, input: { ...scim(), useBulk: true } }),
    ).configureScimConnector;
    expect(bulk.useBulk).toBe(true);
    expect(await jobsOf()).toHaveLength(1);
    ok(
      await api.gql(doc.CONFIGURE_SCIM, { id: idp, input: { ...scim(), userStoreDomain: 'EXT' } }),
    );
    const after = await jobsOf();
    expect(after).toHaveLength(2);
    expect(after[0]).toMatchObject({ status: 'QUEUED', triggeredBy: 'connector' });
  });
});
