import { loadConfig } from './config';

const key = Buffer.alloc(32, 7).toString('base64');

describe('config', () => {
  it('defaults to an embedded SQLite file under ./data and loopback', () => {
    const config = loadConfig({});
    expect(config.database).toEqual({
      type: 'better-sqlite3',
      database: './data/provisioning.sqlite',
    });
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(4000);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('refuses a non-loopback bind without authentication', () => {
    expect(() => loadConfig({ HOST: '0.0.0.0' })).toThrow(
      /HOST=0.0.0.0 would expose the API without authentication/,
    );
    expect(loadConfig({ HOST: '0.0.0.0', API_TOKEN: 'a-long-enough-token' }).host).toBe('0.0.0.0');
  });

  it('binds to all interfaces by default once authentication is configured', () => {
    const oidc = { OIDC_ISSUER: 'http://127.0.0.1:8080/realms/master', OIDC_CLIENT_ID: 'api' };
    expect(loadConfig(oidc).host).toBe('0.0.0.0');
  });

  it("needs the API's own OIDC client, which is also the audience unless one is named", () => {
    const issuer = { OIDC_ISSUER: 'http://127.0.0.1:8080/realms/master' };
    expect(() => loadConfig(issuer)).toThrow(/OIDC_CLIENT_ID is required with OIDC_ISSUER/);
    expect(loadConfig({ ...issuer, OIDC_CLIENT_ID: 'api' }).oidc).toMatchObject({
      clientId: 'api',
      audience: 'api',
    });
    expect(
      loadConfig({ ...issuer, OIDC_CLIENT_ID: 'api', OIDC_AUDIENCE: 'urn:api' }).oidc?.audience,
    ).toBe('urn:api');
  });

  it('takes several explicitly listed issuers, and a JWKS override only for a single one', () => {
    const two = 'https://idp.example.com, http://127.0.0.1:8080/realms/acme';
    expect(loadConfig({ OIDC_ISSUER: two, OIDC_CLIENT_ID: 'api' }).oidc?.issuers).toEqual([
      'https://idp.example.com',
      'http://127.0.0.1:8080/realms/acme',
    ]);
    expect(() =>
      loadConfig({ OIDC_ISSUER: two, OIDC_CLIENT_ID: 'api', OIDC_JWKS_URL: 'https://k.example/j' }),
    ).toThrow(/OIDC_JWKS_URL names the keys of one issuer/);
    expect(() => loadConfig({ OIDC_ISSUER: 'not a url', OIDC_CLIENT_ID: 'api' })).toThrow(
      /OIDC_ISSUER must be an absolute URL/,
    );
    expect(
      loadConfig({ OIDC_KEYCLOAK_URL: 'http://kc:8080/', OIDC_CLIENT_ID: 'api' }).oidc,
    ).toMatchObject({ keycloakUrl: 'http://kc:8080', issuers: [], platformRealm: 'master' });
  });

  it('keeps failed records at least as long as the others', () => {
    expect(loadConfig({}).logRetention).toMatchObject({ days: 90, failedDays: 365 });
    expect(() =>
      loadConfig({
        PROVISIONING_LOG_RETENTION_DAYS: '30',
        PROVISIONING_LOG_FAILED_RETENTION_DAYS: '7',
      }),
    ).toThrow(/PROVISIONING_LOG_FAILED_RETENTION_DAYS \(7\) must be at least/);
    expect(loadConfig({ PROVISIONING_LOG_RETENTION_DAYS: '0' }).logRetention.days).toBe(0);
  });

  it('refuses MySQL without SECRETS_KEY and accepts it with one', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://root@127.0.0.1/test' })).toThrow(
      /SECRETS_KEY is required/,
    );
    const config = loadConfig({ DATABASE_URL: 'mysql://root@127.0.0.1/test', SECRETS_KEY: key });
    expect(config.database.type).toBe('mariadb');
  });

  it('names the variable when a value is invalid', () => {
    expect(() => loadConfig({ SECRETS_KEY: 'c2hvcnQ=' })).toThrow(/SECRETS_KEY must be 32 bytes/);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT must be an integer/);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://x' })).toThrow(
      /DATABASE_URL must start with/,
    );
    expect(() => loadConfig({ API_TOKEN: 'short' })).toThrow(/API_TOKEN must be at least 16/);
  });

  it("reads Keycloak's settings, with the not-found window defaulting to 750 ms", () => {
    const base = {
      KEYCLOAK_URL: 'http://127.0.0.1:8080/',
      KEYCLOAK_CLIENT_ID: 'sidecar',
      KEYCLOAK_CLIENT_SECRET: 'secret',
    };
    expect(loadConfig(base).keycloak).toEqual({
      url: 'http://127.0.0.1:8080',
      realm: 'master',
      clientId: 'sidecar',
      clientSecret: 'secret',
      notFoundMs: 750,
    });
    expect(loadConfig({ ...base, KEYCLOAK_NOT_FOUND_MS: '3000' }).keycloak?.notFoundMs).toBe(3000);
    expect(() => loadConfig({ ...base, KEYCLOAK_NOT_FOUND_MS: '-1' })).toThrow(
      /KEYCLOAK_NOT_FOUND_MS must be an integer between 0 and 10000/,
    );
  });
});
