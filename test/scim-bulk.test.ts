// SCIM Bulk (RFC 7644 §3.7) for users, over real HTTP to the local SCIM server: creates (and
// updates and deletes) made together go out as one POST /Bulk where the connector asks for it and the service announces
// Bulk; each user gets its own answer (created, adopted on 409, or failed alone); what the service
// refuses as a whole goes out one request per user; a paced connector spends one turn per bulk.
import { ConnectorError } from '../src/common/connector-error';
import { createHttpClient, pacedHttpClient, type HttpClient } from '../src/common/http';
import { ConnectorPace } from '../src/common/pace';
import type { Provisioner, RemoteRef } from '../src/connector-types/connector-type';
import { SCIM_1_1, SCIM_2_0, type ScimDialect } from '../src/connector-types/scim/scim-dialect';
import { createScimProvisioner } from '../src/connector-types/scim/scim-provisioner';
import type { ProvisioningUser } from '../src/provisioning/claims';
import { FakeScimServer, type ScimVersion } from './fakes/scim-server';

const PASSWORD = 'bulk-secret-Pw3q';
const BULK = { maxOperations: 50, maxPayloadSize: 1_048_576 };

function user(i: number): ProvisioningUser {
  return {
    id: `kc-${i}`,
    username: `ada${i}@acme.test`,
    userStoreDomain: null,
    tenantDomain: 'acme',
    roles: null,
    password: `Initial-${i}-Pw!`,
    claims: new Map([
      ['http://wso2.org/claims/emailaddress', `ada${i}@acme.test`],
      ['http://wso2.org/claims/givenname', 'Ada'],
      ['http://wso2.org/claims/lastname', `Lovelace${i}`],
    ]),
  };
}

const range = (n: number, from = 1) => Array.from({ length: n }, (_, i) => from + i);

describe.each<[ScimVersion, ScimDialect]>([
  ['2.0', SCIM_2_0],
  ['1.1', SCIM_1_1],
])('SCIM %s creates in bulk', (version, dialect) => {
  let scim: FakeScimServer;
  const http = createHttpClient(2_000);

  beforeAll(async () => {
    scim = await new FakeScimServer(version, { basic: ['provisioner', PASSWORD] }).start();
  });
  afterAll(async () => {
    await http.close();
    await scim?.stop();
  });
  beforeEach(() => {
    scim.reset();
    scim.failingUserNames.clear();
    scim.throttledUserNames.clear();
    scim.bulk = { ...BULK };
  });

  function provisioner(useBulk: boolean, pace = new ConnectorPace()): Provisioner {
    return createScimProvisioner(dialect, {
      config: { username: 'provisioner', userEndpoint: `${scim.url}/Users`, useBulk },
      secrets: { password: PASSWORD },
      identityProviderName: 'acme',
      claimMappings: [],
      http: pacedHttpClient(http, pace),
      unpacedHttp: http,
      pace,
      timeoutMs: 2_000,
    });
  }

  const requests = () => scim.requests.map((r) => `${r.method} ${r.path}`);
  const path = (p: string) => `${new URL(scim.url).pathname}${p}`;

  it('sends 30 creates made together as one bulk, each user linked to the id the service gave', async () => {
    const p = provisioner(true);
    const refs = await Promise.all(range(30).map((i) => p.createUser(user(i))));
    expect(requests()).toEqual([
      `GET ${path(version === '2.0' ? '/ServiceProviderConfig' : '/ServiceProviderConfigs')}`,
      `POST ${path('/Bulk')}`,
    ]);
    expect(scim.users.size).toBe(30);
    for (const [k, ref] of refs.entries()) {
      expect(scim.users.get(ref.remoteId)?.userName).toBe(`ada${k + 1}@acme.test`);
      expect(ref.remoteName).toBe(`ada${k + 1}@acme.test`);
    }
    // The password went in the operation to the same service, and was not stored there.
    const bulk = scim.requests[1].body!;
    expect(bulk.Operations[0]).toMatchObject({ method: 'POST', path: '/Users' });
    expect(bulk.Operations[0].data.password).toBe('Initial-1-Pw!');
    expect(scim.byUserName('ada1@acme.test')!.password).toBeUndefined();
  });

  it('one provisioner keeps bulking: 120 creates go out in a few bulks of at most maxOperations', async () => {
    const p = provisioner(true);
    await Promise.all(range(120).map((i) => p.createUser(user(i))));
    const bulks = scim.requests.filter((r) => r.path.endsWith('/Bulk'));
    expect(scim.users.size).toBe(120);
    expect(bulks.length).toBeGreaterThanOrEqual(3);
    expect(bulks.length).toBeLessThan(10);
    for (const b of bulks) expect(b.body!.Operations.length).toBeLessThanOrEqual(50);
  });

  it('sends updates and deletes made together in bulk too, each found in the answer by its location', async () => {
    const alone = provisioner(false);
    const refs: RemoteRef[] = [];
    for (const i of range(6)) refs.push(await alone.createUser(user(i)));
    scim.users.delete(refs[5].remoteId); // already gone at the target: its delete counts as done
    scim.requests.length = 0;
    const p = provisioner(true);
    const renamed = (i: number): ProvisioningUser => ({
      ...user(i),
      claims: new Map([...user(i).claims, ['http://wso2.org/claims/lastname', `Renamed${i}`]]),
    });
    await Promise.all([
      ...[0, 1, 2].map((k) => p.updateUser(refs[k].remoteId, renamed(k + 1))),
      ...[3, 4, 5].map((k) => p.deleteUser(refs[k].remoteId)),
    ]);
    for (const k of [0, 1, 2])
      expect(JSON.stringify(scim.users.get(refs[k].remoteId))).toContain(`Renamed${k + 1}`);
    expect(scim.users.size).toBe(3);
    const writes = scim.requests.filter((r) => r.method !== 'GET');
    expect(writes.every((r) => r.path === path('/Bulk'))).toBe(true);
    expect(writes.length).toBeLessThanOrEqual(2);
    const methods = writes.flatMap((r) =>
      (r.body!.Operations as { method: string }[]).map((o) => o.method),
    );
    expect(methods.sort()).toEqual(
      [
        ...(version === '2.0' ? ['PATCH', 'PATCH', 'PATCH'] : ['PUT', 'PUT', 'PUT']),
        'DELETE',
        'DELETE',
        'DELETE',
      ].sort(),
    );
  });

  it('adopts a user the service already has (409 in the bulk), and fails only a user the service refuses', async () => {
    const p = provisioner(true);
    const existing = await provisioner(false).createUser(user(2));
    scim.failingUserNames.add('ada3@acme.test');
    scim.requests.length = 0;
    const results = await Promise.allSettled(range(4).map((i) => p.createUser(user(i))));
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    expect((results[1] as PromiseFulfilledResult<{ remoteId: string }>).value.remoteId).toBe(
      existing.remoteId,
    );
    const failure = (results[2] as PromiseRejectedResult).reason as ConnectorError;
    expect(failure).toBeInstanceOf(ConnectorError);
    expect(failure).toMatchObject({ status: 503, retriable: true });
    expect(scim.users.size).toBe(3);
  });

  it('sends one request per user where the service refuses the bulk as too large (413), then smaller bulks', async () => {
    const p = provisioner(true);
    await p.createUser(user(100)); // discovery done, and one create alone
    scim.requests.length = 0;
    scim.inject({ kind: 'status', status: 413, body: { detail: 'too large' } });
    await Promise.all(range(10).map((i) => p.createUser(user(i))));
    expect(scim.users.size).toBe(11);
    const posts = scim.requests.filter((r) => r.method === 'POST').map((r) => r.path);
    expect(posts[0]).toBe(path('/Bulk'));
    expect(posts.filter((x) => x === path('/Users'))).toHaveLength(10);
    scim.requests.length = 0;
    await Promise.all(range(10, 20).map((i) => p.createUser(user(i))));
    const sizes = scim.requests.map((r) => r.body!.Operations.length);
    expect(Math.max(...sizes)).toBe(5);
  });

  it('a bulk the service fails as a whole (503) fails each of its users, retriably', async () => {
    const p = provisioner(true);
    await p.createUser(user(100));
    scim.inject({ kind: 'status', status: 503 });
    const results = await Promise.allSettled(range(5).map((i) => p.createUser(user(i))));
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toMatchObject({ status: 503, retriable: true });
    }
    await Promise.all(range(5).map((i) => p.createUser(user(i))));
    expect(scim.users.size).toBe(6);
  });

  it('sends one request per user, from then on, where /Bulk answers 501 Not Implemented', async () => {
    const p = provisioner(true);
    await p.createUser(user(100));
    scim.requests.length = 0;
    scim.inject({ kind: 'status', status: 501 });
    await Promise.all(range(4).map((i) => p.createUser(user(i))));
    await Promise.all(range(4, 5).map((i) => p.createUser(user(i))));
    expect(scim.users.size).toBe(9);
    expect(requests()).toEqual([
      `POST ${path('/Bulk')}`,
      ...range(8).map(() => `POST ${path('/Users')}`),
    ]);
  });

  it('pauses the whole connector when the service throttles one operation (429)', async () => {
    const pace = new ConnectorPace();
    const p = provisioner(true, pace);
    await p.createUser(user(100));
    scim.throttledUserNames.add('ada2@acme.test');
    const results = await Promise.allSettled(range(3).map((i) => p.createUser(user(i))));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ status: 429 });
    // Paused as after a 429 of a request alone: the next create is refused until it passes.
    await expect(p.createUser(user(9))).rejects.toMatchObject({ code: 'TARGET_PAUSED' });
  });

  it('sends one request per user where the service announces no Bulk, and reads nothing without useBulk', async () => {
    scim.bulk = null;
    const p = provisioner(true);
    await Promise.all(range(5).map((i) => p.createUser(user(i))));
    expect(requests().filter((r) => r.startsWith('POST'))).toEqual(
      range(5).map(() => `POST ${path('/Users')}`),
    );
    scim.reset();
    scim.bulk = { ...BULK };
    const q = provisioner(false);
    await Promise.all(range(5).map((i) => q.createUser(user(i))));
    expect(requests()).toEqual(range(5).map(() => `POST ${path('/Users')}`));
  });

  it('spends one turn of a paced connector per bulk: 40 users at 5 requests a second in one request', async () => {
    // When each request left the client (the server's arrival times shift with its own load).
    const sentAt: number[] = [];
    const observed: HttpClient = {
      send: (request, accept) => (sentAt.push(Date.now()), http.send(request, accept)),
      exchange: (request) => (sentAt.push(Date.now()), http.exchange(request)),
      close: () => Promise.resolve(),
    };
    const pace = new ConnectorPace(5);
    const p = createScimProvisioner(dialect, {
      config: { username: 'provisioner', userEndpoint: `${scim.url}/Users`, useBulk: true },
      secrets: { password: PASSWORD },
      identityProviderName: 'acme',
      claimMappings: [],
      http: pacedHttpClient(observed, pace),
      unpacedHttp: observed,
      pace,
      timeoutMs: 2_000,
    });
    const asked = Date.now();
    await Promise.all(range(40).map((i) => p.createUser(user(i))));
    expect(scim.users.size).toBe(40);
    // The configuration read, then one bulk a turn (200 ms) later: one request per user takes 8 s.
    expect(requests()).toEqual([
      `GET ${path(version === '2.0' ? '/ServiceProviderConfig' : '/ServiceProviderConfigs')}`,
      `POST ${path('/Bulk')}`,
    ]);
    // The bulk waited for the second turn, 200 ms after the first. Measured from when the users
    // were asked for, not from when the first request left: on a busy machine that one may leave
    // late, and the bulk's turn does not move with it (timers may fire a millisecond early).
    expect(sentAt[1] - asked).toBeGreaterThanOrEqual(198);
  });
});
