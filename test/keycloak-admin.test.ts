// The Keycloak admin client against a local server that answers like Keycloak 26: one token for
// many calls, renewal before expiry and once after a 401, users with claims and roles, the
// "not found yet" window, realm names, and errors that say whether trying again can help.
import { Writable } from 'node:stream';
import { configureLogger } from '../src/common/logger';
import {
  KeycloakAdminClient,
  notFoundWindowFor,
  type KeycloakAdminConfig,
} from '../src/keycloak/admin-client';
import { FakeKeycloak } from './fakes/keycloak-admin';
import { failure } from './support/failure';

const CLIENT = { id: 'provisioning-sidecar', secret: 'kc-secret-Zq8w-never-logged' };
const FAST_WINDOW = { attempts: 4, firstDelayMs: 20, maxDelayMs: 40 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let logged = '';
configureLogger(
  'debug',
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      logged += chunk.toString();
      done();
    },
  }),
);

let keycloak: FakeKeycloak;
let acmeId: string;

beforeAll(async () => {
  keycloak = await new FakeKeycloak(CLIENT).start();
  acmeId = keycloak.addRealm('acme').id;
  keycloak.addRole('acme', 'crm-user');
  keycloak.addRole('acme', 'eng-base');
  keycloak.addRole('acme', 'engineer', { composites: ['eng-base'] });
});
afterAll(async () => {
  await keycloak?.stop();
});
beforeEach(() => {
  keycloak.requests.length = 0;
  keycloak.expiresIn = 60;
});

function client(options: Partial<KeycloakAdminConfig> = {}): KeycloakAdminClient {
  return new KeycloakAdminClient({
    url: keycloak.url,
    clientId: CLIENT.id,
    clientSecret: CLIENT.secret,
    notFoundWindow: FAST_WINDOW,
    ...options,
  });
}

function newUser(extra: Record<string, unknown> = {}) {
  const n = Math.random().toString(36).slice(2, 8);
  return keycloak.addUser('acme', {
    username: `JDoe-${n}`,
    email: `JDoe-${n}@Example.com`,
    firstName: 'John',
    lastName: 'Doe',
    ...extra,
  });
}

const statuses = () => keycloak.adminRequests().map((r) => r.status);
const userReads = (id: string) =>
  keycloak.requests.filter((r) => r.path === `/admin/realms/acme/users/${id}`).length;

describe('service account token', () => {
  it('is fetched once for many calls, from the auth realm with client_credentials', async () => {
    const kc = client();
    const users = Array.from({ length: 10 }, () => newUser());
    await Promise.all(users.map((u) => kc.getUser('acme', u.id as string)));
    await kc.getUser('acme', users[0].id as string);
    const tokens = keycloak.tokenRequests();
    expect(tokens).toHaveLength(1);
    expect(tokens[0].path).toBe('/realms/master/protocol/openid-connect/token');
    expect(keycloak.adminRequests().length).toBe(33);
    expect(new Set(keycloak.adminRequests().map((r) => r.authorization)).size).toBe(1);
    expect(statuses().every((s) => s === 200)).toBe(true);
  });

  it('is renewed shortly before it expires, never used expired', async () => {
    keycloak.expiresIn = 2;
    const kc = client();
    const user = newUser();
    await kc.getUser('acme', user.id as string);
    await sleep(500);
    await kc.getUser('acme', user.id as string);
    expect(keycloak.tokenRequests()).toHaveLength(1);
    await sleep(1200); // past 80% of the lifetime, before its end
    await kc.getUser('acme', user.id as string);
    expect(keycloak.tokenRequests()).toHaveLength(2);
    expect(statuses().every((s) => s === 200)).toBe(true);
  });

  it('is renewed once after a 401, and the call succeeds', async () => {
    const kc = client();
    const user = newUser();
    await kc.getUser('acme', user.id as string);
    keycloak.revokeTokens();
    const found = await kc.getUser('acme', user.id as string);
    expect(found?.id).toBe(user.id);
    expect(keycloak.tokenRequests()).toHaveLength(2);
    expect(statuses().filter((s) => s === 401)).toHaveLength(1);
  });

  it('is renewed once when many calls meet the same 401', async () => {
    const kc = client();
    const users = Array.from({ length: 8 }, () => newUser());
    await kc.getUser('acme', users[0].id as string);
    keycloak.revokeTokens();
    const found = await Promise.all(users.map((u) => kc.getUser('acme', u.id as string)));
    expect(found.map((u) => u?.id)).toEqual(users.map((u) => u.id));
    expect(keycloak.tokenRequests()).toHaveLength(2);
  });

  it('gives up after one renewal when Keycloak keeps answering 401', async () => {
    const kc = client();
    const user = newUser();
    await kc.getUser('acme', user.id as string);
    const unauthorized = { status: 401, body: { error: 'HTTP 401 Unauthorized' } };
    keycloak.inject(unauthorized, unauthorized);
    const error = await failure(kc.getUser('acme', user.id as string));
    expect(error).toMatchObject({ code: 'KEYCLOAK_UNAUTHORIZED', retriable: false, status: 401 });
    expect(keycloak.tokenRequests()).toHaveLength(2);
  });

  it('reports a wrong secret as permanent, without the secret', async () => {
    const kc = client({ clientSecret: 'wrong-secret-Kx1' });
    const error = await failure(kc.getUser('acme', 'any'));
    expect(error).toMatchObject({ code: 'KEYCLOAK_AUTH_FAILED', retriable: false, status: 401 });
    expect(error.message).toMatch(
      /unauthorized_client: Invalid client or Invalid client credentials/,
    );
    expect(error.message).not.toContain('wrong-secret-Kx1');
  });

  it('takes its token from the configured realm', async () => {
    const error = await failure(client({ realm: 'acme' }).getUser('acme', 'any'));
    expect(error.message).toMatch(/realms\/acme\/protocol\/openid-connect\/token/);
    expect(keycloak.tokenRequests()[0].path).toBe('/realms/acme/protocol/openid-connect/token');
  });

  it('treats a token endpoint 503 or a dropped connection as retriable', async () => {
    keycloak.inject({ on: 'token', status: 503, body: { error: 'unavailable' } });
    expect(await failure(client().getUser('acme', 'x'))).toMatchObject({ retriable: true });
    keycloak.inject({ on: 'token', reset: true });
    expect(await failure(client().getUser('acme', 'x'))).toMatchObject({
      code: 'NETWORK_ERROR',
      retriable: true,
    });
  });
});

describe('getUser', () => {
  it('maps claims (WSO2 URIs, attributes) and roles (group names and paths, effective realm roles)', async () => {
    const engineering = keycloak.addGroup('acme', 'engineering');
    const backend = keycloak.addGroup('acme', 'backend', engineering.id);
    keycloak.grantRole('acme', { groupId: engineering.id }, 'engineer');
    const user = newUser({ attributes: { department: ['R&D', 'Ops'], locale: ['en'] } });
    keycloak.joinGroup('acme', user.id, engineering.id);
    keycloak.joinGroup('acme', user.id, backend.id);
    keycloak.grantRole('acme', { userId: user.id }, 'crm-user');

    const found = await client().getUser('acme', user.id as string);

    expect(found).toMatchObject({
      id: user.id,
      username: user.username,
      tenantDomain: 'acme',
      userStoreDomain: null,
    });
    expect(Object.fromEntries(found!.claims)).toEqual({
      'http://wso2.org/claims/username': user.username,
      'http://wso2.org/claims/emailaddress': user.email,
      'http://wso2.org/claims/givenname': 'John',
      'http://wso2.org/claims/lastname': 'Doe',
      'http://wso2.org/claims/department': 'R&D',
      'http://wso2.org/claims/locale': 'en',
      'http://wso2.org/claims/accountDisabled': 'false',
      'http://wso2.org/claims/groups': 'engineering,backend',
      'http://wso2.org/claims/roles': expect.any(String),
    });
    const realmRoles =
      'crm-user,default-roles-acme,eng-base,engineer,offline_access,uma_authorization';
    expect(found!.claims.get('http://wso2.org/claims/roles')!.split(',').sort().join(',')).toBe(
      realmRoles,
    );
    expect([...found!.roles!].sort()).toEqual(
      [
        'engineering',
        '/engineering',
        'backend',
        '/engineering/backend',
        'default-roles-acme',
        'offline_access',
        'uma_authorization',
        'crm-user',
        'engineer',
        'eng-base',
      ].sort(),
    );
    const groupsRead = keycloak.requests.find((r) => r.path.endsWith('/groups'));
    expect(Object.fromEntries(groupsRead!.query)).toEqual({
      briefRepresentation: 'true',
      first: '0',
      max: '100',
    });
  });

  it('marks a disabled user and gives no roles claim text beyond what it has', async () => {
    const user = newUser({ enabled: false });
    const found = await client().getUser('acme', user.id as string);
    expect(found!.claims.get('http://wso2.org/claims/accountDisabled')).toBe('true');
    expect(found!.claims.has('http://wso2.org/claims/groups')).toBe(false);
    expect(found!.roles).toEqual(['default-roles-acme', 'offline_access', 'uma_authorization']);
  });

  it('reads only the user when groups and roles are not asked for', async () => {
    const user = newUser();
    keycloak.joinGroup('acme', user.id, keycloak.addGroup('acme', 'staff').id);
    const found = await client().getUser('acme', user.id as string, { withRoles: false });
    expect(found!.claims.get('http://wso2.org/claims/emailaddress')).toBe(user.email);
    expect(found!.claims.has('http://wso2.org/claims/groups')).toBe(false);
    expect(found!.roles).toBeUndefined();
    expect(keycloak.adminRequests().map((r) => r.path)).toEqual([
      `/admin/realms/acme/users/${user.id as string}`,
    ]);
  });

  it('reads every page of a user in more than 100 groups', async () => {
    const user = newUser();
    for (let i = 0; i < 130; i++)
      keycloak.joinGroup('acme', user.id, keycloak.addGroup('acme', `g${i}`).id);
    const found = await client().getUser('acme', user.id as string);
    expect(found!.roles!.filter((r) => /^g\d+$/.test(r))).toHaveLength(130);
    expect(keycloak.requests.filter((r) => r.path.endsWith('/groups'))).toHaveLength(2);
  });

  it('finds a user that appears after 2 reads, within the window', async () => {
    const user = newUser();
    keycloak.appearAfter(user.id, 2);
    const found = await client().getUser('acme', user.id as string);
    expect(found?.username).toBe(user.username);
    expect(userReads(user.id)).toBe(3);
  });

  it('returns null for a user that never appears, after the configured window', async () => {
    const started = Date.now();
    expect(await client().getUser('acme', 'f0000000-0000-4000-8000-000000000000')).toBeNull();
    expect(userReads('f0000000-0000-4000-8000-000000000000')).toBe(4);
    expect(Date.now() - started).toBeGreaterThanOrEqual(20 + 40 + 40);
  });

  it('waits about 750 ms by default (5 reads, 50 → 400 ms)', async () => {
    const started = Date.now();
    const kc = client({ notFoundWindow: undefined });
    expect(await kc.getUser('acme', 'f0000000-0000-4000-8000-000000000001')).toBeNull();
    expect(userReads('f0000000-0000-4000-8000-000000000001')).toBe(5);
    expect(Date.now() - started).toBeGreaterThanOrEqual(750);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('reads as often as KEYCLOAK_NOT_FOUND_MS allows: once for 0, 9 times for 2000 ms', async () => {
    expect(
      await client({ notFoundWindow: undefined, notFoundMs: 0 }).getUser('acme', 'gone-0'),
    ).toBeNull();
    expect(userReads('gone-0')).toBe(1);
    expect(notFoundWindowFor(2000).attempts).toBe(9); // 50 + 100 + 200 + 6 × 400 ≥ 2000
    expect(notFoundWindowFor(750).attempts).toBe(5);
  });

  it('fails at once, without the window, for an unknown realm', async () => {
    const error = await failure(client().getUser('nowhere', 'x'));
    expect(error).toMatchObject({ code: 'KEYCLOAK_NOT_FOUND', retriable: false });
    expect(keycloak.adminRequests()).toHaveLength(1);
  });

  it('throws retriable ConnectorErrors for 5xx and dropped connections', async () => {
    const user = newUser();
    keycloak.inject({ status: 503, headers: { 'retry-after': '2' } });
    expect(await failure(client().getUser('acme', user.id as string))).toMatchObject({
      code: 'HTTP_503',
      retriable: true,
      retryAfterMs: 2000,
    });
    keycloak.inject({ reset: true });
    expect(await failure(client().getUser('acme', user.id as string))).toMatchObject({
      code: 'NETWORK_ERROR',
      retriable: true,
    });
  });

  it('says which roles the service account lacks on a 403', async () => {
    keycloak.inject({ status: 403, body: { error: 'HTTP 403 Forbidden' } });
    const error = await failure(client().getUser('acme', newUser().id as string));
    expect(error).toMatchObject({ code: 'KEYCLOAK_FORBIDDEN', retriable: false });
    expect(error.message).toMatch(/view-users/);
  });
});

describe('getGroup', () => {
  it('maps a group, and waits for one that appears late', async () => {
    const group = keycloak.addGroup('acme', 'sales');
    keycloak.appearAfter(group.id, 1);
    expect(await client().getGroup('acme', group.id as string)).toEqual({
      id: group.id,
      name: 'sales',
      tenantDomain: 'acme',
    });
  });

  it('returns null for a group that is not there', async () => {
    expect(await client().getGroup('acme', 'no-such-group')).toBeNull();
    expect(keycloak.adminRequests()).toHaveLength(FAST_WINDOW.attempts);
  });
});

describe('realmName', () => {
  it('maps realm ids to names from one cached list', async () => {
    const kc = client();
    expect(await kc.realmName(acmeId)).toBe('acme');
    expect(await kc.realmName(acmeId)).toBe('acme');
    const lists = keycloak.requests.filter((r) => r.path === '/admin/realms');
    expect(lists).toHaveLength(1);
    expect(lists[0].query.get('briefRepresentation')).toBe('true');
  });

  it('answers null for an unknown id and finds a realm created later', async () => {
    const kc = client();
    expect(await kc.realmName('no-such-realm-id')).toBeNull();
    expect(await kc.realmName('no-such-realm-id')).toBeNull(); // no refresh within a second
    expect(keycloak.requests.filter((r) => r.path === '/admin/realms')).toHaveLength(1);
    const later = keycloak.addRealm('later');
    await sleep(1050);
    expect(await kc.realmName(later.id)).toBe('later');
  });
});

describe('logs', () => {
  it('never carry the client secret or a token (checked after every test above)', () => {
    expect(logged).toContain('service account token obtained');
    expect(logged).toContain('not found yet');
    expect(logged).not.toContain(CLIENT.secret);
    expect(keycloak.issuedTokens().length).toBeGreaterThan(10);
    for (const token of keycloak.issuedTokens()) expect(logged).not.toContain(token);
  });
});
