import { createHttpClient } from '../../common/http';
import { ConnectorPace } from '../../common/pace';
import { claimsFrom } from '../../provisioning/claims';
import { FakeGoogleServer } from '../../../test/fakes/google-server';
import { makeTestKeys } from '../../../test/support/keys';
import { createGoogleProvisioner } from './google-provisioner';
import { groupEmailOf } from './google-requests';
import { failure } from '../../../test/support/failure';

const DOMAIN = 'acme-workspace.test';
const SERVICE_ACCOUNT = 'sa@acme-project.iam.gserviceaccount.com';
const ADMIN = `admin@${DOMAIN}`;
const TIMEOUT_MS = 300;

describe('Google provisioner, one attempt at a time', () => {
  const keys = makeTestKeys();
  const server = new FakeGoogleServer({
    serviceAccountEmail: SERVICE_ACCOUNT,
    publicKeyPem: keys.publicPem,
    adminEmail: ADMIN,
    domain: DOMAIN,
  });
  let seq = 0;

  beforeAll(() => server.start());
  afterAll(() => server.stop());
  beforeEach(() => server.reset());

  const provisioner = () =>
    createGoogleProvisioner({
      config: {
        domain: DOMAIN,
        serviceAccountEmail: SERVICE_ACCOUNT,
        adminEmail: ADMIN,
        apiRootUrl: server.apiRootUrl,
        tokenUrl: server.tokenUrl,
      },
      secrets: { privateKey: keys.pem },
      identityProviderName: 'idp',
      claimMappings: [],
      http: createHttpClient(TIMEOUT_MS),
      unpacedHttp: createHttpClient(TIMEOUT_MS),
      pace: new ConnectorPace(),
      timeoutMs: TIMEOUT_MS,
    });

  function user() {
    seq += 1;
    const username = `ada${seq}`;
    return {
      id: `u${seq}`,
      username,
      userStoreDomain: null,
      tenantDomain: 'acme',
      claims: claimsFrom([], username),
    };
  }

  it('does no I/O when created', () => {
    provisioner();
    expect(server.tokenRequests).toHaveLength(0);
  });

  it.each([
    ['server-error', 'GOOGLE_backendError', 500, null],
    ['rate-limit', 'GOOGLE_rateLimitExceeded', 429, 1000],
    ['user-rate-limit', 'GOOGLE_userRateLimitExceeded', 403, null],
  ] as const)(
    'sends one request on %s and throws it as retriable',
    async (fault, code, status, after) => {
      server.inject(fault);
      const error = await failure(provisioner().createUser(user()));
      expect(error).toMatchObject({ code, status, retriable: true, retryAfterMs: after });
      expect(server.requests).toHaveLength(1);
    },
  );

  it('gives up after its timeout with the endpoint in the message', async () => {
    server.inject('hang');
    const started = Date.now();
    const error = await failure(provisioner().createUser(user()));
    expect(error).toMatchObject({ code: 'TIMEOUT', retriable: true });
    expect(error.message).toBe(
      `no answer from ${server.url}/admin/directory/v1/users within ${TIMEOUT_MS} ms`,
    );
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 3);
    expect(server.requests).toHaveLength(1);
  });

  it('renews the token once per call: a second 401 is permanent', async () => {
    const p = provisioner();
    await p.createUser(user());
    server.inject('token-expired', 'token-expired');
    const error = await failure(p.createUser(user()));
    expect(error).toMatchObject({ code: 'GOOGLE_authError', status: 401, retriable: false });
    expect(server.tokenRequests).toHaveLength(2);
    // The token revoked by the second 401 is renewed by the next call, which succeeds.
    await expect(p.createUser(user())).resolves.toMatchObject({ remoteId: expect.any(String) });
    expect(server.tokenRequests).toHaveLength(3);
  });

  it('renews one token for calls that meet 401 together', async () => {
    const p = provisioner();
    await p.createUser(user());
    server.inject('token-expired');
    await Promise.all([p.createUser(user()), p.createUser(user()), p.createUser(user())]);
    expect(server.tokenRequests).toHaveLength(2);
    expect(server.users.size).toBe(4);
  });

  it('keeps the key out of every message', async () => {
    const broken = createGoogleProvisioner({
      config: {
        domain: DOMAIN,
        serviceAccountEmail: SERVICE_ACCOUNT,
        adminEmail: ADMIN,
        tokenUrl: server.tokenUrl,
      },
      secrets: { privateKey: keys.pem.replace(/[A-Z]{8}/, 'AAAAAAAA') },
      identityProviderName: 'idp',
      claimMappings: [],
      http: createHttpClient(TIMEOUT_MS),
      unpacedHttp: createHttpClient(TIMEOUT_MS),
      pace: new ConnectorPace(),
      timeoutMs: TIMEOUT_MS,
    });
    const error = await failure(broken.createUser(user()));
    expect(error.retriable).toBe(false);
    const body = keys.pem.split('\n').slice(1, -2).join('');
    expect(error.message).not.toContain(body.slice(0, 40));
  });
});

describe('Google group addresses', () => {
  it.each([
    ['Engineers 3', 'engineers-3'],
    ['  Équipe Ops / Paris ', 'equipe-ops-paris'],
    ["O'Brien--Team..x", 'o-brien-team.x'],
    ['!!!', 'group'],
  ])('%s → %s@domain', (name, local) => {
    expect(groupEmailOf({ id: 'g', name, tenantDomain: 't' }, { domain: 'd.test' })).toBe(
      `${local}@d.test`,
    );
  });
});
