// Tenants stay apart: tokens from every realm of one Keycloak-shaped issuer (a local server with a
// key per realm), each tenant administrator confined to its realm's identity providers, viewers
// reading only, the master realm's administrators and the static token seeing all. Every query
// and mutation that takes an id is tried across tenants: NOT_FOUND, never FORBIDDEN, and nothing
// changes. On the real MariaDB.
import { SignJWT } from 'jose';
import { MoreThan } from 'typeorm';
import { AuditEntry } from '../src/audit/audit-entry.entity';
import { errorCode, ok, startTestApi, type GraphqlResponse, type TestApi } from './support/api';
import { startRealmIssuer, type RealmIssuer, type TokenOptions } from './support/realm-issuer';

const STATIC = 'static-token-0123456789';
const REALMS = ['master', 'acme', 'globex'] as const;
type Realm = (typeof REALMS)[number];

describe('tenants: per-realm administrators and viewers', () => {
  let api: TestApi;
  let issuer: RealmIssuer;
  let base: string;
  /** Per tenant: an identity provider with a SCIM connector (ids). */
  const owned: Record<string, { idp: string; connector: string }> = {};

  beforeAll(async () => {
    issuer = await startRealmIssuer(REALMS);
    base = issuer.base;
    api = await startTestApi('mariadb', {
      API_TOKEN: STATIC,
      OIDC_KEYCLOAK_URL: base,
      OIDC_CLIENT_ID: 'provisioning-api',
      // For other issuers only: a Keycloak realm's token never picks its tenant with it.
      OIDC_TENANT_CLAIM: 'tenant',
      HOST: '127.0.0.1',
    });
    for (const tenant of ['acme', 'globex']) {
      const { createIdentityProvider: idp } = ok(
        await asStatic(
          `mutation($t: String!) { createIdentityProvider(input: { name: "main", tenantDomain: $t }) { id } }`,
          { t: tenant },
        ),
      );
      const { configureScimConnector: c } = ok(
        await asStatic(CONFIGURE_SCIM, { id: idp.id, e: 'http://127.0.0.1:9/Users' }),
      );
      owned[tenant] = { idp: idp.id, connector: c.id };
    }
  });
  afterAll(async () => {
    await api?.close();
    issuer?.close();
  });

  const asStatic = (query: string, variables: object = {}) =>
    api.gql(query, variables, { authorization: `Bearer ${STATIC}` });

  const token = (realm: string, roles: string[], options?: TokenOptions) =>
    issuer.token(realm, roles, options);

  /** Audit entries after the given id, oldest first. */
  const auditedSince = (id: number) =>
    api.app.dataSource
      .getRepository(AuditEntry)
      .find({ where: { id: MoreThan(id) }, order: { id: 'ASC' } });

  const admin = (realm: Realm) => token(realm, ['provisioning-admin']);
  const viewer = (realm: Realm) => token(realm, ['provisioning-viewer']);
  const as = async (jwt: string | Promise<string>, query: string, variables: object = {}) =>
    api.gql(query, variables, { authorization: `Bearer ${await jwt}` });

  const LIST = '{ identityProviders { id tenantDomain } }';
  /** A SCIM 2.0 connector for identity provider $id sending to $e. */
  const CONFIGURE_SCIM = `mutation($id: ID!, $e: String!) { configureScimConnector(identityProviderId: $id,
    input: { version: SCIM_2_0, enabled: true, bearerToken: "t0ken", userEndpoint: $e }) { id } }`;
  const create = (tenant: string) =>
    `mutation { createIdentityProvider(input: { name: "x", tenantDomain: "${tenant}" }) { id } }`;
  const tenantsSeen = (response: GraphqlResponse) =>
    (ok(response).identityProviders as { tenantDomain: string }[]).map((i) => i.tenantDomain);

  it('shows each tenant administrator and viewer only its own tenant; master and the static token all', async () => {
    expect(tenantsSeen(await as(admin('acme'), LIST))).toEqual(['acme']);
    expect(tenantsSeen(await as(viewer('globex'), LIST))).toEqual(['globex']);
    expect(tenantsSeen(await as(admin('master'), LIST))).toEqual(['acme', 'globex']);
    expect(tenantsSeen(await as(viewer('master'), LIST))).toEqual(['acme', 'globex']);
    expect(tenantsSeen(await asStatic(LIST))).toEqual(['acme', 'globex']);
  });

  it("answers another tenant's ids as NOT_FOUND for every query and mutation that takes one, and changes nothing", async () => {
    const theirs = owned.globex;
    const attempts: [string, object][] = [
      ['query($id: ID!) { identityProvider(id: $id) { id } }', { id: theirs.idp }],
      ['query($id: ID!) { syncJobs(identityProviderId: $id) { id } }', { id: theirs.idp }],
      [
        'mutation($id: ID!) { updateIdentityProvider(id: $id, input: { name: "mine" }) { id } }',
        { id: theirs.idp },
      ],
      ['mutation($id: ID!) { deleteIdentityProvider(id: $id) }', { id: theirs.idp }],
      [
        'mutation($id: ID!) { setClaimMappings(identityProviderId: $id, mappings: []) { id } }',
        { id: theirs.idp },
      ],
      [CONFIGURE_SCIM, { id: theirs.idp, e: 'http://evil.example/Users' }],
      ['mutation($id: ID!) { removeConnector(id: $id) }', { id: theirs.connector }],
      ['mutation($id: ID!) { startSync(identityProviderId: $id) { id } }', { id: theirs.idp }],
      [
        `mutation($id: ID!) { testProvisioning(input: { identityProviderId: $id, operation: CREATE,
          user: { username: "x", claims: [] } }) { status } }`,
        { id: theirs.idp },
      ],
    ];
    const before = await auditedSince(0);
    for (const [query, variables] of attempts) {
      const response = await as(admin('acme'), query, variables);
      // identityProvider(id) answers null for an unknown id, and so for another tenant's.
      if (query.includes('identityProvider(id')) expect(ok(response).identityProvider).toBeNull();
      else expect([query, errorCode(response)]).toEqual([query, 'NOT_FOUND']);
    }
    // One audit entry per mutation tried (a preview is none), in the probed tenant's trail.
    const entries = await auditedSince(before.at(-1)?.id ?? 0);
    const audited = attempts.filter(
      ([q]) => q.startsWith('mutation') && !/testProvisioning/.test(q),
    );
    expect(entries.map((e) => [e.outcome, e.tenantDomain])).toEqual(
      audited.map(() => ['NOT_FOUND', 'globex']),
    );
    const after = ok(
      await asStatic('query($id: ID!) { identityProvider(id: $id) { name connectors { id } } }', {
        id: theirs.idp,
      }),
    );
    expect(after.identityProvider).toEqual({
      name: 'main',
      connectors: [{ id: theirs.connector }],
    });
    // Their log and links are not in the caller's answers either.
    const log = ok(
      await as(
        admin('acme'),
        'query($id: ID!) { provisioningLog(filter: { identityProviderId: $id }) { edges { node { id } } } }',
        { id: theirs.idp },
      ),
    );
    expect(log.provisioningLog.edges).toEqual([]);
    const links = ok(
      await as(
        admin('acme'),
        'query($id: ID!) { provisionedEntities(connectorId: $id) { localId } }',
        {
          id: theirs.connector,
        },
      ),
    );
    expect(links.provisionedEntities).toEqual([]);
  });

  it("answers another tenant's sync jobs and failed records as NOT_FOUND, and runs nothing", async () => {
    const theirs = owned.globex;
    // The sync queued when their connector was made.
    const jobs = await asStatic(
      'query($id: ID!) { syncJobs(identityProviderId: $id) { id status } }',
      {
        id: theirs.idp,
      },
    );
    const [job] = ok(jobs).syncJobs as { id: string; status: string }[];
    for (const query of [
      'query($id: ID!) { syncJob(id: $id) { id } }',
      'mutation($id: ID!) { cancelSync(id: $id) { id } }',
      'mutation($id: ID!) { confirmSyncDeletions(id: $id) { id } }',
    ]) {
      const response = await as(admin('acme'), query, { id: job.id });
      expect([query, errorCode(response)]).toEqual([query, 'NOT_FOUND']);
    }
    const seen = ok(
      await asStatic('query($id: ID!) { syncJob(id: $id) { status } }', { id: job.id }),
    );
    expect(seen.syncJob.status).toBe(job.status);
    // A failed record of theirs: nothing answers on port 9.
    ok(
      await asStatic(
        `mutation($id: ID!) { testProvisioning(input: { identityProviderId: $id, operation: CREATE,
          dryRun: false, user: { username: "failing", claims: [] } }) { status } }`,
        { id: theirs.idp },
      ),
    );
    const failed = ok(
      await asStatic(
        'query($id: ID!) { provisioningLog(filter: { identityProviderId: $id, status: FAILED }) { edges { node { id } } } }',
        { id: theirs.idp },
      ),
    ).provisioningLog.edges as { node: { id: string } }[];
    expect(failed.length).toBeGreaterThan(0);
    const ids = failed.map((e) => e.node.id);
    const replay = 'mutation($ids: [ID!]!) { replayFailed(ids: $ids) { status } }';
    expect(errorCode(await as(admin('acme'), replay, { ids }))).toBe('NOT_FOUND');
    expect(errorCode(await as(viewer('globex'), replay, { ids }))).toBe('FORBIDDEN');
    const after = ok(
      await asStatic(
        'query($id: ID!) { provisioningLog(filter: { identityProviderId: $id }) { edges { node { id } } } }',
        {
          id: theirs.idp,
        },
      ),
    ).provisioningLog.edges as unknown[];
    expect(after).toHaveLength(failed.length);
  });

  it("lets a tenant administrator change its own tenant, but not create one in another's", async () => {
    const renamed = await as(
      admin('acme'),
      'mutation($id: ID!) { updateIdentityProvider(id: $id, input: { name: "renamed" }) { name } }',
      { id: owned.acme.idp },
    );
    expect(ok(renamed).updateIdentityProvider.name).toBe('renamed');
    const elsewhere = await as(
      admin('acme'),
      'mutation { createIdentityProvider(input: { name: "x", tenantDomain: "globex" }) { id } }',
    );
    expect(errorCode(elsewhere)).toBe('FORBIDDEN');
    const moved = await as(
      admin('acme'),
      'mutation($id: ID!) { updateIdentityProvider(id: $id, input: { tenantDomain: "globex" }) { id } }',
      { id: owned.acme.idp },
    );
    expect(errorCode(moved)).toBe('FORBIDDEN');
    expect(tenantsSeen(await asStatic(LIST))).toEqual(['acme', 'globex']);
  });

  /** The sync queued when acme's connector was made. */
  const acmeJob = async () =>
    (
      ok(
        await asStatic('query($id: ID!) { syncJobs(identityProviderId: $id) { id } }', {
          id: owned.acme.idp,
        }),
      ).syncJobs as { id: string }[]
    )[0].id;

  it("refuses a viewer's every mutation with FORBIDDEN and changes nothing, but lets it preview", async () => {
    const mine = owned.acme;
    const mutations: [string, object][] = [
      [
        'mutation { createIdentityProvider(input: { name: "v", tenantDomain: "acme" }) { id } }',
        {},
      ],
      [
        'mutation($id: ID!) { updateIdentityProvider(id: $id, input: { name: "viewer was here" }) { id } }',
        { id: mine.idp },
      ],
      ['mutation($id: ID!) { deleteIdentityProvider(id: $id) }', { id: mine.idp }],
      ['mutation($id: ID!) { removeConnector(id: $id) }', { id: mine.connector }],
      [
        'mutation($id: ID!) { setClaimMappings(identityProviderId: $id, mappings: []) { id } }',
        { id: mine.idp },
      ],
      [CONFIGURE_SCIM, { id: mine.idp, e: 'https://93.184.215.14/scim/v2/Users' }],
      ['mutation($id: ID!) { startSync(identityProviderId: $id) { id } }', { id: mine.idp }],
      ['mutation($id: ID!) { cancelSync(id: $id) { id } }', { id: await acmeJob() }],
      ['mutation($id: ID!) { confirmSyncDeletions(id: $id) { id } }', { id: await acmeJob() }],
      [
        `mutation($id: ID!) { testProvisioning(input: { identityProviderId: $id, operation: CREATE,
          dryRun: false, user: { username: "x", claims: [] } }) { status } }`,
        { id: mine.idp },
      ],
    ];
    const before = await auditedSince(0);
    for (const [query, variables] of mutations) {
      const response = await as(viewer('acme'), query, variables);
      expect([query, errorCode(response)]).toEqual([query, 'FORBIDDEN']);
    }
    const entries = await auditedSince(before.at(-1)?.id ?? 0);
    expect(entries.map((e) => [e.operation, e.outcome, e.tenantDomain])).toEqual(
      mutations.map(([q]) => [/\{\s*(\w+)\(/.exec(q)![1], 'FORBIDDEN', 'acme']),
    );
    const preview = await as(
      viewer('acme'),
      `mutation($id: ID!) { testProvisioning(input: { identityProviderId: $id, operation: CREATE,
        user: { username: "ada", claims: [] } }) { connector { type } status } }`,
      { id: mine.idp },
    );
    expect(ok(preview).testProvisioning).toEqual([
      { connector: { type: 'scim-2' }, status: 'PREVIEWED' },
    ]);
    const still = ok(
      await asStatic('query($id: ID!) { identityProvider(id: $id) { name connectors { id } } }', {
        id: mine.idp,
      }),
    );
    expect(still.identityProvider.connectors).toEqual([{ id: mine.connector }]);
    expect(still.identityProvider.name).not.toBe('viewer was here');
  });

  it('refuses a token from an unknown realm, an expired one, one signed by another key, and one without a role', async () => {
    const unknown = await as(token('nowhere', ['provisioning-admin']), LIST);
    expect([unknown.status, errorCode(unknown)]).toEqual([401, 'UNAUTHENTICATED']);
    const expired = await as(token('acme', ['provisioning-admin'], { expiresIn: '-1m' }), LIST);
    expect([expired.status, errorCode(expired)]).toEqual([401, 'UNAUTHENTICATED']);
    // Signed with another realm's key, under acme's name.
    const forged = await as(
      token('acme', ['provisioning-admin'], { key: issuer.privateKey('master') }),
      LIST,
    );
    expect([forged.status, errorCode(forged)]).toEqual([401, 'UNAUTHENTICATED']);
    const roleless = await as(token('acme', ['offline_access']), LIST);
    expect([roleless.status, errorCode(roleless)]).toEqual([403, 'FORBIDDEN']);
  });

  it('refuses a token it accepted a moment ago once it has expired (a kept verification never outlives exp)', async () => {
    const shortLived = await new SignJWT({ realm_access: { roles: ['provisioning-admin'] } })
      .setProtectedHeader({ alg: 'RS256', kid: 'acme-k' })
      .setIssuer(`${base}/realms/acme`)
      .setAudience('provisioning-api')
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + 2)
      .sign(issuer.privateKey('acme'));
    expect((await as(shortLived, LIST)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const later = await as(shortLived, LIST);
    expect([later.status, errorCode(later)]).toEqual([401, 'UNAUTHENTICATED']);
  });

  it("keeps a realm's token to its realm whatever tenant claim the realm's own mappers add", async () => {
    for (const tenant of ['master', ['globex'], ['acme', 'globex']]) {
      const claiming = token('acme', ['provisioning-admin'], { claims: { tenant } });
      expect(tenantsSeen(await as(claiming, LIST))).toEqual(['acme']);
      const response = await as(claiming, create('globex'));
      expect(errorCode(response)).toBe('FORBIDDEN');
    }
  });

  it("keeps a tenant administrator's connectors off this host's own and private networks", async () => {
    const configure = (endpoint: string) =>
      as(admin('acme'), CONFIGURE_SCIM, { id: owned.acme.idp, e: endpoint });
    for (const internal of [
      'http://127.0.0.1:9/Users',
      'http://localhost:9/Users',
      'http://169.254.169.254/latest/meta-data',
      'http://10.0.0.8/scim/Users',
      'http://[::1]:9/Users',
      'http://[::ffff:127.0.0.1]:9/Users',
    ])
      expect([internal, errorCode(await configure(internal))]).toEqual([internal, 'FORBIDDEN']);
    // A public address is accepted (nothing is called while configuring).
    ok(await configure('https://93.184.215.14/scim/v2/Users'));
  });

  it('does not let a change slip into the tenant its identity provider is being moved to', async () => {
    const { createIdentityProvider: idp } = ok(await asStatic(create('acme')));
    // A platform administrator's move, not yet committed, holds the identity provider's row.
    const move = api.app.dataSource.createQueryRunner();
    await move.connect();
    await move.startTransaction();
    await move.query("UPDATE identity_provider SET tenantDomain = 'globex' WHERE id = ?", [idp.id]);
    const change = as(
      admin('acme'),
      `mutation($id: ID!) { setClaimMappings(identityProviderId: $id,
        mappings: [{ remoteClaim: "x", defaultValue: "slipped" }]) { id } }`,
      { id: idp.id },
    );
    // The acme administrator's change passed the guard (acme, as committed) and waits for the row.
    const waiting = async () =>
      Number(
        (
          await api.app.dataSource.query(
            "SELECT COUNT(*) AS n FROM information_schema.INNODB_TRX WHERE trx_state = 'LOCK WAIT'",
          )
        )[0].n,
      );
    // InnoDB refreshes this view only when it was last read over 0.1 s ago: poll slower than that.
    while ((await waiting()) === 0) await new Promise((resolve) => setTimeout(resolve, 150));
    await move.commitTransaction();
    await move.release();
    expect(errorCode(await change)).toBe('NOT_FOUND');
    const after = ok(
      await asStatic(
        'query($id: ID!) { identityProvider(id: $id) { tenantDomain claimMappings { remoteClaim } } }',
        {
          id: idp.id,
        },
      ),
    );
    expect(after.identityProvider).toEqual({ tenantDomain: 'globex', claimMappings: [] });
  });

  it('refuses a realm named "." or ".." under the Keycloak it names', async () => {
    for (const realm of ['.', '..']) {
      const response = await as(token(realm, ['provisioning-admin']), LIST);
      expect([response.status, errorCode(response)]).toEqual([401, 'UNAUTHENTICATED']);
    }
  });

  it('accepts no token from an issuer outside the Keycloak it names', async () => {
    const elsewhere = await new SignJWT({ realm_access: { roles: ['provisioning-admin'] } })
      .setProtectedHeader({ alg: 'RS256', kid: 'master-k' })
      .setIssuer(`${base}/other/realms/master`)
      .setAudience('provisioning-api')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(issuer.privateKey('master'));
    const response = await as(elsewhere, LIST);
    expect([response.status, errorCode(response)]).toEqual([401, 'UNAUTHENTICATED']);
  });
});
