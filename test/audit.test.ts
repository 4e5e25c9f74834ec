// The audit trail, as an operator or auditor reads it: every audited mutation leaves exactly one
// entry (who, tenant, ids, field changes, outcome), refused attempts included; the trail is
// scoped to the caller's tenants; no secret is in any entry or log line; old entries are pruned.
// Tokens from a local Keycloak-shaped issuer with two tenant realms; on the real MariaDB.
import { MoreThan } from 'typeorm';
import { AuditEntry } from '../src/audit/audit-entry.entity';
import { ok, startTestApi, type GraphqlResponse, type TestApi } from './support/api';
import type { DatabaseKind } from './support/database';
import { FakeKeycloak } from './fakes/keycloak-admin';
import { startRealmIssuer, type RealmIssuer } from './support/realm-issuer';

const STATIC = 'static-token-0123456789';
const KEYCLOAK_CLIENT = { id: 'provisioning-api', secret: 'kc-client-secret-7e1f0a' };
const SECRETS = [
  'first-bearer-9f3a7c',
  'second-bearer-2b8e1d',
  'static-bearer-5d0c44',
  KEYCLOAK_CLIENT.secret,
];
const PUBLIC_ENDPOINT = 'https://93.184.215.14/scim/v2/Users';

const CONFIGURE = `mutation($id: ID!, $input: ScimConnectorInput!) {
  configureScimConnector(identityProviderId: $id, input: $input) { id } }`;
const UPDATE =
  'mutation($id: ID!, $name: String!) { updateIdentityProvider(id: $id, input: { name: $name }) { id } }';

describe('audit trail', () => {
  let api: TestApi;
  let issuer: RealmIssuer;
  /** Keycloak's admin API, which a replay reads the user from. */
  let keycloak: FakeKeycloak;
  let mark = 0;

  beforeAll(async () => {
    issuer = await startRealmIssuer(['master', 'acme', 'globex']);
    keycloak = await new FakeKeycloak(KEYCLOAK_CLIENT).start();
    keycloak.addRealm('acme');
    api = await startTestApi('mariadb', {
      API_TOKEN: STATIC,
      OIDC_KEYCLOAK_URL: issuer.base,
      OIDC_CLIENT_ID: 'provisioning-api',
      HOST: '127.0.0.1',
      KEYCLOAK_URL: keycloak.url,
      KEYCLOAK_CLIENT_ID: KEYCLOAK_CLIENT.id,
      KEYCLOAK_CLIENT_SECRET: KEYCLOAK_CLIENT.secret,
    });
  });
  afterAll(async () => {
    await api?.close();
    await keycloak?.stop();
    issuer?.close();
  });

  const as = async (realm: string, role: string, query: string, variables: object = {}) =>
    api.gql(query, variables, {
      authorization: `Bearer ${await issuer.token(realm, [role])}`,
    });
  const admin = (realm: string, query: string, variables?: object) =>
    as(realm, 'provisioning-admin', query, variables);
  const asStatic = (query: string, variables: object = {}) =>
    api.gql(query, variables, { authorization: `Bearer ${STATIC}` });

  /** The entries written since the last call, oldest first. */
  async function written(): Promise<AuditEntry[]> {
    const rows = await api.app.dataSource
      .getRepository(AuditEntry)
      .find({ where: { id: MoreThan(mark) }, order: { id: 'ASC' } });
    if (rows.length) mark = rows[rows.length - 1].id;
    return rows;
  }

  /** Runs one mutation and returns the one entry it wrote (fails on none or several). */
  async function entryOf(call: () => Promise<GraphqlResponse>): Promise<AuditEntry> {
    await written();
    await call();
    const entries = await written();
    expect(entries.map((e) => e.operation)).toHaveLength(1);
    return entries[0];
  }

  const acmeActor = {
    actorSubject: 'acme-person-id',
    actorUsername: 'acme-person',
    actorClientId: 'provisioning-api',
  };

  it('writes one entry per configuration change, with who, the tenant, the ids and each field old and new', async () => {
    let id = '';
    const created = await entryOf(async () => {
      const response = await admin(
        'acme',
        'mutation { createIdentityProvider(input: { name: "audited", tenantDomain: "acme" }) { id } }',
      );
      id = ok(response).createIdentityProvider.id;
      return response;
    });
    expect(created).toMatchObject({
      operation: 'createIdentityProvider',
      outcome: 'OK',
      ...acmeActor,
      actorIssuer: `${issuer.base}/realms/acme`,
      tenantDomain: 'acme',
      identityProviderId: id,
      objectIds: { identityProviderId: id },
    });
    expect(created.sourceAddress).toMatch(/127\.0\.0\.1$/);
    expect(created.changes).toEqual(
      expect.arrayContaining([
        { field: 'name', old: null, new: 'audited' },
        { field: 'tenantDomain', old: null, new: 'acme' },
      ]),
    );

    const renamed = await entryOf(() => admin('acme', UPDATE, { id, name: 'audited-2' }));
    expect(renamed.changes).toEqual([{ field: 'name', old: 'audited', new: 'audited-2' }]);

    const mapped = await entryOf(() =>
      admin(
        'acme',
        `mutation($id: ID!) { setClaimMappings(identityProviderId: $id, mappings: [
          { remoteClaim: "emails", localClaim: "http://wso2.org/claims/emailaddress" }]) { id } }`,
        { id },
      ),
    );
    expect(mapped.changes).toEqual([
      {
        field: 'claimMappings',
        old: [],
        new: [
          {
            remoteClaim: 'emails',
            localClaim: 'http://wso2.org/claims/emailaddress',
            defaultValue: null,
          },
        ],
      },
    ]);

    let connectorId = '';
    const configured = await entryOf(async () => {
      const response = await admin('acme', CONFIGURE, {
        id,
        input: {
          version: 'SCIM_2_0',
          enabled: false,
          bearerToken: SECRETS[0],
          userEndpoint: PUBLIC_ENDPOINT,
        },
      });
      connectorId = ok(response).configureScimConnector.id;
      return response;
    });
    expect(configured.objectIds).toEqual({ identityProviderId: id, connectorId });
    expect(configured.changes).toEqual(
      expect.arrayContaining([
        { field: 'type', old: null, new: 'scim-2' },
        { field: 'enabled', old: null, new: false },
        { field: 'userEndpoint', old: null, new: PUBLIC_ENDPOINT },
        { field: 'bearerToken', secret: 'changed' },
      ]),
    );

    const rotated = await entryOf(() =>
      admin('acme', CONFIGURE, { id, input: { version: 'SCIM_2_0', bearerToken: SECRETS[1] } }),
    );
    expect(rotated.changes).toEqual([{ field: 'bearerToken', secret: 'changed' }]);

    // Refused: the connector is disabled.
    const refused = await entryOf(() =>
      admin(
        'acme',
        'mutation($id: ID!, $c: ID!) { startSync(identityProviderId: $id, connectorId: $c) { id } }',
        { id, c: connectorId },
      ),
    );
    expect(refused).toMatchObject({ outcome: 'BAD_USER_INPUT', tenantDomain: 'acme' });
    expect(refused.message).toMatch(/disabled/);

    // Enabling it queues a sync of it; a second one is a CONFLICT.
    const enabled = await entryOf(() =>
      admin('acme', CONFIGURE, { id, input: { version: 'SCIM_2_0', enabled: true } }),
    );
    expect(enabled.changes).toEqual([{ field: 'enabled', old: false, new: true }]);
    const conflict = await entryOf(() =>
      admin('acme', 'mutation($id: ID!) { startSync(identityProviderId: $id) { id } }', { id }),
    );
    expect(conflict.outcome).toBe('CONFLICT');
    const jobs = ok(
      await admin('acme', 'query($id: ID!) { syncJobs(identityProviderId: $id) { id } }', { id }),
    ).syncJobs as { id: string }[];
    const cancelled = await entryOf(() =>
      admin('acme', 'mutation($id: ID!) { cancelSync(id: $id) { id } }', { id: jobs[0].id }),
    );
    expect(cancelled).toMatchObject({
      outcome: 'OK',
      objectIds: { syncJobId: jobs[0].id },
      changes: [{ field: 'status', old: 'QUEUED', new: 'CANCELLED' }],
    });
    const notWaiting = await entryOf(() =>
      admin('acme', 'mutation($id: ID!) { confirmSyncDeletions(id: $id) { id } }', {
        id: jobs[0].id,
      }),
    );
    expect(notWaiting.outcome).toBe('CONFLICT');
    let jobId = '';
    const started = await entryOf(async () => {
      const response = await admin(
        'acme',
        'mutation($id: ID!) { startSync(identityProviderId: $id, dryRun: true) { id } }',
        { id },
      );
      jobId = ok(response).startSync.id;
      return response;
    });
    expect(started).toMatchObject({
      outcome: 'OK',
      objectIds: { identityProviderId: id, syncJobId: jobId },
    });
    expect(started.changes).toEqual([
      { field: 'status', old: null, new: 'QUEUED' },
      { field: 'dryRun', old: null, new: true },
    ]);

    const removed = await entryOf(() =>
      admin('acme', 'mutation($id: ID!) { removeConnector(id: $id) }', { id: connectorId }),
    );
    expect(removed.objectIds).toEqual({ connectorId });
    expect(removed.changes).toEqual(
      expect.arrayContaining([
        { field: 'type', old: 'scim-2', new: null },
        { field: 'userEndpoint', old: PUBLIC_ENDPOINT, new: null },
        { field: 'bearerToken', secret: 'cleared' },
      ]),
    );
    const deleted = await entryOf(() =>
      admin('acme', 'mutation($id: ID!) { deleteIdentityProvider(id: $id) }', { id }),
    );
    expect(deleted).toMatchObject({ identityProviderId: id, tenantDomain: 'acme' });
    expect(deleted.changes).toEqual(
      expect.arrayContaining([
        { field: 'name', old: 'audited-2', new: null },
        {
          field: 'claimMappings',
          old: [expect.objectContaining({ remoteClaim: 'emails' })],
          new: null,
        },
      ]),
    );
  });

  it('audits calls to targets (provision now, replay) but not previews', async () => {
    const { createIdentityProvider: idp } = ok(
      await asStatic(
        'mutation { createIdentityProvider(input: { name: "calls", tenantDomain: "acme" }) { id } }',
      ),
    );
    const configured = await entryOf(() =>
      // Nothing listens on port 9: provisioning fails, which gives a record to replay.
      asStatic(CONFIGURE, {
        id: idp.id,
        input: {
          version: 'SCIM_2_0',
          bearerToken: SECRETS[2],
          userEndpoint: 'http://127.0.0.1:9/Users',
        },
      }),
    );
    expect(configured).toMatchObject({
      actorSubject: 'api-token',
      actorIssuer: 'api-token',
      actorUsername: null,
      tenantDomain: 'acme',
    });
    const ada = keycloak.addUser('acme', { username: 'ada' });
    const provision = (dryRun: boolean) =>
      asStatic(
        `mutation($id: ID!, $dry: Boolean!, $user: ID!) { testProvisioning(input: { identityProviderId: $id,
          operation: CREATE, dryRun: $dry, user: { id: $user, username: "ada", claims: [] } }) { status } }`,
        { id: idp.id, dry: dryRun, user: ada.id },
      );
    await written();
    ok(await provision(true));
    expect(await written()).toEqual([]);
    const provisioned = await entryOf(() => provision(false));
    expect(provisioned).toMatchObject({
      operation: 'testProvisioning',
      outcome: 'OK',
      objectIds: { identityProviderId: idp.id, userId: ada.id },
      details: { results: [expect.objectContaining({ status: 'FAILED' })] },
    });
    const failed = ok(
      await asStatic(
        'query($id: ID!) { provisioningLog(filter: { identityProviderId: $id, status: FAILED }) { edges { node { id } } } }',
        { id: idp.id },
      ),
    ).provisioningLog.edges as { node: { id: string } }[];
    const ids = failed.map((e) => e.node.id);
    const replayed = await entryOf(() =>
      asStatic('mutation($ids: [ID!]!) { replayFailed(ids: $ids) { status } }', { ids }),
    );
    expect(replayed).toMatchObject({
      operation: 'replayFailed',
      tenantDomain: 'acme',
      objectIds: { recordIds: ids },
      details: { results: ids.map((recordId) => ({ recordId, status: 'FAILED' })) },
    });
    // Its identity provider deleted since: the platform's replay skips the record, audited.
    ok(await asStatic('mutation($id: ID!) { deleteIdentityProvider(id: $id) }', { id: idp.id }));
    const orphaned = await entryOf(async () => {
      const response = await asStatic(
        'mutation($ids: [ID!]!) { replayFailed(ids: $ids) { status reason } }',
        { ids },
      );
      expect(ok(response).replayFailed).toEqual(
        ids.map(() => ({ status: 'SKIPPED', reason: expect.stringMatching(/no longer exists/) })),
      );
      return response;
    });
    expect(orphaned).toMatchObject({ outcome: 'OK', tenantDomain: null });
  });

  it('records refused attempts: a viewer, another tenant, bad input; each tenant sees its own', async () => {
    const began = new Date();
    const made = (tenant: string) =>
      asStatic(
        `mutation($t: String!) { createIdentityProvider(input: { name: "refusals", tenantDomain: $t }) { id } }`,
        { t: tenant },
      );
    const acme = ok(await made('acme')).createIdentityProvider.id as string;
    const globex = ok(await made('globex')).createIdentityProvider.id as string;

    const viewer = await entryOf(() =>
      as('acme', 'provisioning-viewer', UPDATE, { id: acme, name: 'viewer was here' }),
    );
    expect(viewer).toMatchObject({ outcome: 'FORBIDDEN', tenantDomain: 'acme', ...acmeActor });
    const probe = await entryOf(() => admin('acme', UPDATE, { id: globex, name: 'mine now' }));
    // The caller is told NOT_FOUND; the entry belongs to the tenant that was probed.
    expect(probe).toMatchObject({ outcome: 'NOT_FOUND', tenantDomain: 'globex', ...acmeActor });
    const elsewhere = await entryOf(() =>
      admin(
        'acme',
        'mutation { createIdentityProvider(input: { name: "x", tenantDomain: "globex" }) { id } }',
      ),
    );
    expect(elsewhere).toMatchObject({ outcome: 'FORBIDDEN', tenantDomain: 'globex' });
    const invalid = await entryOf(() => admin('acme', UPDATE, { id: acme, name: 'n'.repeat(300) }));
    expect(invalid).toMatchObject({ outcome: 'BAD_USER_INPUT', tenantDomain: null });
    expect(invalid.message).toMatch(/name/);

    const trail = `query($f: AuditLogFilter!, $first: Int, $after: String) {
      auditLog(filter: $f, first: $first, after: $after) {
        edges { node { id operation outcome tenantDomain actorUsername } } pageInfo { endCursor hasNextPage } } }`;
    type Node = { id: string; operation: string; outcome: string; tenantDomain: string | null };
    const nodes = (response: GraphqlResponse) =>
      (ok(response).auditLog.edges as { node: Node }[]).map((e) => e.node);
    const seenBy = async (realm: string, role = 'provisioning-admin') =>
      nodes(await as(realm, role, trail, { f: {}, first: 100 }));

    const acmeSees = await seenBy('acme');
    expect(new Set(acmeSees.map((n) => n.tenantDomain))).toEqual(new Set(['acme']));
    expect(acmeSees.map((n) => n.id)).toContain(String(viewer.id));
    expect(acmeSees.map((n) => n.id)).not.toContain(String(probe.id));
    expect((await seenBy('acme', 'provisioning-viewer')).map((n) => n.id)).toEqual(
      acmeSees.map((n) => n.id),
    );
    const globexSees = await seenBy('globex');
    expect(new Set(globexSees.map((n) => n.tenantDomain))).toEqual(new Set(['globex']));
    expect(globexSees.map((n) => n.id)).toEqual(
      expect.arrayContaining([String(probe.id), String(elsewhere.id)]),
    );
    // Newest first; the platform sees every tenant and the entries of none.
    const platform = nodes(await asStatic(trail, { f: {}, first: 100 }));
    expect(platform.map((n) => Number(n.id))).toEqual(
      [...platform.map((n) => Number(n.id))].sort((a, b) => b - a),
    );
    expect(platform.map((n) => n.id)).toContain(String(invalid.id));

    // Filters and pages.
    const refusedUpdates = nodes(
      await asStatic(trail, {
        f: { operation: 'updateIdentityProvider', actor: 'acme-person', since: began },
      }),
    );
    expect(refusedUpdates.map((n) => n.outcome)).toEqual([
      'BAD_USER_INPUT',
      'NOT_FOUND',
      'FORBIDDEN',
    ]);
    const ofAcme = nodes(await asStatic(trail, { f: { identityProviderId: acme } }));
    // The bad input never reached the guard: it names the identity provider but no tenant.
    expect(ofAcme.map((n) => n.id)).toContain(String(viewer.id));
    expect(ofAcme.map((n) => n.id)).not.toContain(String(invalid.id));
    expect(
      nodes(await asStatic(trail, { f: { until: new Date(Date.now() - 3_600_000) } })),
    ).toEqual([]);
    const first = ok(await asStatic(trail, { f: {}, first: 2 })).auditLog;
    const second = ok(
      await asStatic(trail, { f: {}, first: 2, after: first.pageInfo.endCursor }),
    ).auditLog;
    expect(first.pageInfo.hasNextPage).toBe(true);
    expect(nodes({ status: 200, data: { auditLog: second } }).map((n) => Number(n.id))).toEqual(
      platform.slice(2, 4).map((n) => Number(n.id)),
    );
  });

  it('keeps every secret out of the trail and the log, and logs each entry as one JSON line', async () => {
    const rows = await api.app.dataSource.query('SELECT * FROM audit_entry');
    expect(rows.length).toBeGreaterThan(20);
    const stored = JSON.stringify(rows);
    const logged = api.logs.join('');
    for (const secret of SECRETS) {
      expect(stored).not.toContain(secret);
      expect(logged).not.toContain(secret);
    }
    const auditLines = api.logs
      .flatMap((chunk) => chunk.split('\n').filter(Boolean))
      .map((line) => JSON.parse(line) as { component?: string; audit?: { id: number } })
      .filter((line) => line.component === 'audit' && line.audit);
    expect(auditLines.map((l) => Number(l.audit!.id)).sort((a, b) => a - b)).toEqual(
      rows.map((r: { id: number | string }) => Number(r.id)).sort((a: number, b: number) => a - b),
    );
  });
});

describe.each<DatabaseKind>(['mariadb', 'sqlite'])('audit on %s', (kind) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi(kind);
  });
  afterAll(() => api?.close());

  it('runs changes made at once, each in a transaction of its own', async () => {
    // Straight to the service, so that the transactions overlap for certain (over HTTP they
    // mostly do not): on SQLite they share one connection and must take turns.
    const names = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
    const { identityProviders } = api.app.services;
    const made = await Promise.allSettled(
      names.map((name) => identityProviders.create({ name, tenantDomain: 'busy', enabled: true })),
    );
    expect(made.map((m) => m.status)).toEqual(names.map(() => 'fulfilled'));
    expect((await identityProviders.list('busy')).map((i) => i.name)).toEqual(names);
  });

  it('prunes entries older than the retention and keeps newer ones', async () => {
    const make = (name: string) =>
      api.gql(
        `mutation { createIdentityProvider(input: { name: "${name}", tenantDomain: "t" }) { id } }`,
      );
    for (const name of ['old', 'recent', 'new']) ok(await make(name));
    const repo = api.app.dataSource.getRepository(AuditEntry);
    const ofT = { where: { tenantDomain: 't' }, order: { id: 'ASC' } } as const;
    const [old, recent, fresh] = await repo.find(ofT);
    const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);
    await repo.update({ id: old.id }, { at: daysAgo(401) });
    await repo.update({ id: recent.id }, { at: daysAgo(399) });
    expect(await api.app.services.audit.prune(400)).toBe(1);
    expect((await repo.find(ofT)).map((e) => e.id)).toEqual([recent.id, fresh.id]);
  });
});
