// A real Keycloak (scripts/keycloak.sh) driven through its own admin REST API, as an administrator
// would: for the end-to-end tests and the Keycloak benchmark.

export const KEYCLOAK = process.env.KEYCLOAK_TEST_URL ?? 'http://127.0.0.1:18080';

let cached: { token: string; until: number } | null = null;

/** The master realm admin's token (admin / admin, as scripts/keycloak.sh boots it), kept 30 s. */
export async function adminToken(): Promise<string> {
  if (cached && Date.now() < cached.until) return cached.token;
  const response = await fetch(`${KEYCLOAK}/realms/master/protocol/openid-connect/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'password',
      client_id: 'admin-cli',
      username: 'admin',
      password: 'admin',
    }),
  }).catch(() => null);
  if (!response?.ok)
    throw new Error(
      `no Keycloak answers at ${KEYCLOAK} with the admin admin/admin: start one with bash scripts/keycloak.sh start (npm test does)`,
    );
  const token = ((await response.json()) as { access_token: string }).access_token;
  cached = { token, until: Date.now() + 30_000 };
  return token;
}

/** One admin REST call under /admin/realms; a 409 is returned, other failures throw. */
export async function kc(method: string, pathname: string, body?: unknown): Promise<Response> {
  const response = await fetch(`${KEYCLOAK}/admin/realms${pathname}`, {
    method,
    headers: {
      authorization: `Bearer ${await adminToken()}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok && response.status !== 409)
    throw new Error(`${method} ${pathname}: ${response.status} ${await response.text()}`);
  return response;
}

/** The id Keycloak gives a created object: the last segment of its Location. */
export const idOf = (response: Response) => response.headers.get('location')!.split('/').pop()!;

/** A realm whose events go to these listeners (none: no listener at all). */
export async function createRealm(realm: string, eventsListeners: string[]): Promise<void> {
  await kc('POST', '', { realm, enabled: true });
  await kc('PUT', `/${realm}/events/config`, { eventsListeners, adminEventsDetailsEnabled: true });
}

/**
 * The sidecar's service account as docs/keycloak-to-kafka.md §3 sets it up: a confidential client
 * of the realm with realm-management's view-users, query-groups and view-realm.
 */
export async function createServiceAccount(
  realm: string,
  clientId: string,
  secret: string,
): Promise<void> {
  await kc('POST', `/${realm}/clients`, {
    clientId,
    publicClient: false,
    serviceAccountsEnabled: true,
    standardFlowEnabled: false,
    directAccessGrantsEnabled: false,
    secret,
  });
  const first = async <T>(path: string) => ((await (await kc('GET', path)).json()) as T[])[0];
  const client = await first<{ id: string }>(`/${realm}/clients?clientId=${clientId}`);
  const account = (await (
    await kc('GET', `/${realm}/clients/${client.id}/service-account-user`)
  ).json()) as { id: string };
  const management = await first<{ id: string }>(`/${realm}/clients?clientId=realm-management`);
  const roles = await Promise.all(
    ['view-users', 'query-groups', 'view-realm'].map(async (name) =>
      (await kc('GET', `/${realm}/clients/${management.id}/roles/${name}`)).json(),
    ),
  );
  await kc('POST', `/${realm}/users/${account.id}/role-mappings/clients/${management.id}`, roles);
}

/** A public client that signs users in with their password (direct access grants), as a test's own app. */
export async function createPasswordClient(realm: string, clientId: string): Promise<void> {
  await kc('POST', `/${realm}/clients`, {
    clientId,
    publicClient: true,
    directAccessGrantsEnabled: true,
    standardFlowEnabled: false,
  });
}

/** A user's own access token, from their password through such a client. */
export async function userToken(
  realm: string,
  clientId: string,
  username: string,
  password: string,
): Promise<string> {
  const response = await fetch(`${KEYCLOAK}/realms/${realm}/protocol/openid-connect/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'password', client_id: clientId, username, password }),
  });
  if (!response.ok) throw new Error(`${username} cannot sign in: ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** A public client for the browser flows (standard flow), redirecting to `redirectUri`. */
export async function createBrowserClient(
  realm: string,
  clientId: string,
  redirectUri: string,
): Promise<void> {
  await kc('POST', `/${realm}/clients`, {
    clientId,
    publicClient: true,
    standardFlowEnabled: true,
    redirectUris: [redirectUri],
  });
}

/**
 * Signs a new user up through Keycloak's own registration page, as a browser would: opens the
 * page, keeps its cookies, posts the form. Resolves to where Keycloak sends the browser next.
 */
export async function registerThroughForm(
  realm: string,
  clientId: string,
  redirectUri: string,
  fields: Record<string, string>,
): Promise<string> {
  const page = await fetch(
    `${KEYCLOAK}/realms/${realm}/protocol/openid-connect/registrations?${new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: redirectUri,
    }).toString()}`,
  );
  const html = await page.text();
  const action = /<form[^>]*id="kc-register-form"[^>]*action="([^"]+)"/.exec(html)?.[1];
  if (!page.ok || !action) throw new Error(`no registration form (${page.status})`);
  const cookie = page.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const posted = await fetch(action.replaceAll('&amp;', '&'), {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
    redirect: 'manual',
  });
  const location = posted.headers.get('location');
  if (posted.status !== 302 || !location)
    throw new Error(`registration not accepted (${posted.status}): ${await posted.text()}`);
  return location;
}

/**
 * A person of the realm who signs in with a password and holds these client roles of `clientId`
 * (a client made with createPasswordClient), as README's "OIDC with Keycloak" sets them up.
 */
export async function createUserWithClientRoles(
  realm: string,
  clientId: string,
  username: string,
  password: string,
  roles: string[],
): Promise<void> {
  const [client] = (await (await kc('GET', `/${realm}/clients?clientId=${clientId}`)).json()) as {
    id: string;
  }[];
  const user = idOf(
    await kc('POST', `/${realm}/users`, {
      username,
      enabled: true,
      email: `${username}@${realm}.test`,
      emailVerified: true,
      firstName: username,
      lastName: realm,
      credentials: [{ type: 'password', value: password, temporary: false }],
    }),
  );
  const granted = [];
  for (const role of roles) {
    await kc('POST', `/${realm}/clients/${client.id}/roles`, { name: role }); // 409 if made already
    granted.push(await (await kc('GET', `/${realm}/clients/${client.id}/roles/${role}`)).json());
  }
  if (granted.length)
    await kc('POST', `/${realm}/users/${user}/role-mappings/clients/${client.id}`, granted);
}
