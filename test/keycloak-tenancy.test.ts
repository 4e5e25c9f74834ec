// Tenants apart with real Keycloak tokens (scripts/keycloak.sh): three realms of one Keycloak,
// the API accepting all of them through OIDC_KEYCLOAK_URL, each person's access token asked for
// with their password through the API's own client, as README's "OIDC with Keycloak" sets it up.
import { randomBytes } from 'node:crypto';
import { errorCode, ok, startTestApi, type TestApi } from './support/api';
import {
  createPasswordClient,
  createUserWithClientRoles,
  kc,
  KEYCLOAK,
  userToken,
} from './support/real-keycloak';

jest.setTimeout(60_000);

describe('tenants with real Keycloak tokens from several realms', () => {
  const run = randomBytes(3).toString('hex');
  const platform = `platform-${run}`;
  const acme = `acme-${run}`;
  const globex = `globex-${run}`;
  const password = `Pw-${randomBytes(6).toString('hex')}-9`;
  let api: TestApi;

  beforeAll(async () => {
    for (const realm of [platform, acme, globex]) {
      await kc('POST', '', { realm, enabled: true });
      await createPasswordClient(realm, 'provisioning-api');
    }
    await createUserWithClientRoles(platform, 'provisioning-api', 'root', password, [
      'provisioning-admin',
    ]);
    await createUserWithClientRoles(acme, 'provisioning-api', 'ada', password, [
      'provisioning-admin',
    ]);
    await createUserWithClientRoles(acme, 'provisioning-api', 'vic', password, [
      'provisioning-viewer',
    ]);
    await createUserWithClientRoles(globex, 'provisioning-api', 'gus', password, [
      'provisioning-admin',
    ]);
    await createUserWithClientRoles(globex, 'provisioning-api', 'nobody', password, []);
    api = await startTestApi('mariadb', {
      OIDC_KEYCLOAK_URL: KEYCLOAK,
      OIDC_CLIENT_ID: 'provisioning-api',
      OIDC_PLATFORM_REALM: platform,
      HOST: '127.0.0.1',
    });
  });
  afterAll(async () => {
    await api?.close();
    for (const realm of [platform, acme, globex])
      await kc('DELETE', `/${realm}`).catch(() => undefined);
  });

  const as = async (realm: string, username: string, query: string, variables: object = {}) =>
    api.gql(query, variables, {
      authorization: `Bearer ${await userToken(realm, 'provisioning-api', username, password)}`,
    });
  const create = (tenant: string) =>
    `mutation { createIdentityProvider(input: { name: "main", tenantDomain: "${tenant}" }) { id } }`;
  const LIST = '{ identityProviders { tenantDomain } }';
  const tenants = (response: Awaited<ReturnType<typeof as>>) =>
    (ok(response).identityProviders as { tenantDomain: string }[]).map((i) => i.tenantDomain);

  it("lets each realm's administrator manage its own realm only, a viewer read it, and the platform realm all", async () => {
    const acmeIdp = ok(await as(acme, 'ada', create(acme))).createIdentityProvider.id as string;
    ok(await as(globex, 'gus', create(globex)));
    expect(errorCode(await as(acme, 'ada', create(globex)))).toBe('FORBIDDEN');
    expect(errorCode(await as(acme, 'vic', create(acme)))).toBe('FORBIDDEN');

    expect(tenants(await as(acme, 'ada', LIST))).toEqual([acme]);
    expect(tenants(await as(acme, 'vic', LIST))).toEqual([acme]);
    expect(tenants(await as(globex, 'gus', LIST))).toEqual([globex]);
    expect(tenants(await as(platform, 'root', LIST)).sort()).toEqual([acme, globex].sort());

    const theirs = await as(
      globex,
      'gus',
      'mutation($id: ID!) { deleteIdentityProvider(id: $id) }',
      { id: acmeIdp },
    );
    expect(errorCode(theirs)).toBe('NOT_FOUND');
    expect(tenants(await as(acme, 'ada', LIST))).toEqual([acme]);

    // acme's audit trail names each real caller; gus's probe is there, ada's try in globex is not.
    const trail = ok(
      await as(
        acme,
        'ada',
        '{ auditLog { edges { node { operation outcome actorUsername actorIssuer actorClientId } } } }',
      ),
    ).auditLog.edges as { node: Record<string, string> }[];
    const issuer = (realm: string) => `${KEYCLOAK}/realms/${realm}`;
    expect(trail.map((e) => e.node)).toEqual(
      [
        ['deleteIdentityProvider', 'NOT_FOUND', 'gus', issuer(globex)],
        ['createIdentityProvider', 'FORBIDDEN', 'vic', issuer(acme)],
        ['createIdentityProvider', 'OK', 'ada', issuer(acme)],
      ].map(([operation, outcome, actorUsername, actorIssuer]) => ({
        operation,
        outcome,
        actorUsername,
        actorIssuer,
        actorClientId: 'provisioning-api',
      })),
    );
  });

  it('refuses a real token without either role, and one of a realm it does not know', async () => {
    const roleless = await as(globex, 'nobody', LIST);
    expect([roleless.status, errorCode(roleless)]).toEqual([403, 'FORBIDDEN']);
    // A realm made after the API started is discovered on its first token; one deleted is not.
    const gone = `gone-${run}`;
    await kc('POST', '', { realm: gone, enabled: true });
    await createPasswordClient(gone, 'provisioning-api');
    await createUserWithClientRoles(gone, 'provisioning-api', 'eve', password, [
      'provisioning-admin',
    ]);
    const token = await userToken(gone, 'provisioning-api', 'eve', password);
    await kc('DELETE', `/${gone}`);
    const refused = await api.gql(LIST, {}, { authorization: `Bearer ${token}` });
    expect([refused.status, errorCode(refused)]).toEqual([401, 'UNAUTHENTICATED']);
  });
});
