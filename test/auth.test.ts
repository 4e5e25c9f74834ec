// Authentication: a static API token, and OIDC access tokens checked against a local issuer's JWKS.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { errorCode, startTestApi, type TestApi } from './support/api';

const QUERY = '{ identityProviders { id } }';

describe('API_TOKEN', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi('sqlite', { API_TOKEN: 'static-token-0123456789' });
  });
  afterAll(async () => api?.close());

  it('answers 401 UNAUTHENTICATED without a token or with a wrong one', async () => {
    for (const headers of [
      {} as Record<string, string>,
      { authorization: 'Bearer wrong-token-0123456789' },
      { authorization: 'Basic abc' },
    ]) {
      const response = await api.gql(QUERY, {}, headers);
      expect(response.status).toBe(401);
      expect(errorCode(response)).toBe('UNAUTHENTICATED');
      expect(response.data).toBeUndefined();
    }
  });

  it('serves the request with the right token', async () => {
    const response = await api.gql(QUERY, {}, { authorization: 'Bearer static-token-0123456789' });
    expect(response.status).toBe(200);
    expect(response.data).toEqual({ identityProviders: [] });
  });
});

describe('OIDC access tokens', () => {
  let api: TestApi;
  let issuerServer: http.Server;
  let issuer: string;
  let signingKey: KeyLike;
  let otherKey: KeyLike;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    signingKey = pair.privateKey;
    otherKey = (await generateKeyPair('RS256')).privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    issuerServer = http.createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url?.endsWith('/.well-known/openid-configuration')) {
        res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/protocol/openid-connect/certs` }));
      } else if (req.url?.endsWith('/protocol/openid-connect/certs')) {
        res.end(JSON.stringify({ keys: [jwk] }));
      } else {
        res.statusCode = 404;
        res.end('{}');
      }
    });
    await new Promise<void>((resolve) => issuerServer.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(issuerServer.address() as AddressInfo).port}/realms/acme`;
    api = await startTestApi('sqlite', {
      OIDC_ISSUER: issuer,
      OIDC_CLIENT_ID: 'provisioning-api',
      HOST: '127.0.0.1',
    });
  });
  afterAll(async () => {
    await api?.close();
    issuerServer?.close();
  });

  function token(
    claims: object,
    options: { key?: KeyLike; expiresIn?: string; audience?: string | null } = {},
  ) {
    const jwt = new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(issuer);
    if (options.audience !== null) jwt.setAudience(options.audience ?? 'provisioning-api');
    return jwt
      .setSubject('admin-user')
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '5m')
      .sign(options.key ?? signingKey);
  }

  const call = async (jwt: string) => api.gql(QUERY, {}, { authorization: `Bearer ${jwt}` });

  it('accepts a token with the required realm role', async () => {
    const response = await call(await token({ realm_access: { roles: ['provisioning-admin'] } }));
    expect(response.status).toBe(200);
    expect(response.data).toEqual({ identityProviders: [] });
  });

  it('accepts the role as a client role too', async () => {
    const response = await call(
      await token({ resource_access: { 'provisioning-api': { roles: ['provisioning-admin'] } } }),
    );
    expect(response.status).toBe(200);
  });

  it('ignores the role on any other client of the realm', async () => {
    const response = await call(
      await token({
        resource_access: {
          'some-app': { roles: ['provisioning-admin'] },
          'provisioning-api': { roles: ['viewer'] },
        },
      }),
    );
    expect(response.status).toBe(403);
    expect(errorCode(response)).toBe('FORBIDDEN');
  });

  it('accepts a token without this audience only when this API is its authorized party', async () => {
    const role = { realm_access: { roles: ['provisioning-admin'] } };
    const asParty = await call(
      await token({ ...role, azp: 'provisioning-api' }, { audience: 'account' }),
    );
    expect(asParty.status).toBe(200);
    for (const audience of ['account', null]) {
      const response = await call(await token({ ...role, azp: 'some-app' }, { audience }));
      expect(response.status).toBe(401);
      expect(response.errors![0].message).toMatch(/issued neither for nor by "provisioning-api"/);
    }
  });

  it('ignores a plain "roles" claim, which any mapper could write', async () => {
    const response = await call(await token({ roles: ['provisioning-admin'] }));
    expect(response.status).toBe(403);
  });

  it('refuses an ID token, and a token that never expires', async () => {
    const role = { realm_access: { roles: ['provisioning-admin'] } };
    const idToken = await call(await token({ ...role, typ: 'ID' }));
    expect(idToken.status).toBe(401);
    expect(idToken.errors![0].message).toMatch(/a "ID" token/);
    const forever = await new SignJWT(role)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(issuer)
      .setAudience('provisioning-api')
      .setSubject('admin-user')
      .sign(signingKey);
    expect((await call(forever)).status).toBe(401);
  });

  it('answers 403 FORBIDDEN without the role', async () => {
    const response = await call(await token({ realm_access: { roles: ['viewer'] } }));
    expect(response.status).toBe(403);
    expect(errorCode(response)).toBe('FORBIDDEN');
    expect(response.errors![0].message).toMatch(/lacks the role "provisioning-admin"/);
  });

  it.each([
    ['expired', { expiresIn: '-1m' }],
    ['signed by another key', { key: 'other' }],
    ['for another audience', { audience: 'someone-else' }],
  ])('answers 401 UNAUTHENTICATED for a token %s', async (_name, options) => {
    const opts = {
      ...options,
      key: (options as { key?: string }).key === 'other' ? otherKey : undefined,
    } as never;
    const response = await call(
      await token({ realm_access: { roles: ['provisioning-admin'] } }, opts),
    );
    expect(response.status).toBe(401);
    expect(errorCode(response)).toBe('UNAUTHENTICATED');
  });
});
