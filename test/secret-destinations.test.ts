// A stored secret goes only to the address it was entered for: changing a URL a secret is sent to
// needs the secrets again, for every connector type, or nothing changes.
import { Connector } from '../src/connector/connector.entity';
import { errorCode, ok, startTestApi, type TestApi } from './support/api';
import * as doc from './support/documents';
import { makeTestKeys } from './support/keys';

const keys = makeTestKeys();
const EVIL = 'https://attacker.example/collect';

interface Case {
  name: string;
  document: string;
  result: string;
  initial: Record<string, unknown>;
  /** The URL field moved to the attacker, and what the input must then carry again. */
  address: string;
  secrets: Record<string, string>;
  /** Extra input every call of this type needs (the SCIM version, the custom type). */
  base?: Record<string, unknown>;
}

const custom = (values: Record<string, unknown>) => ({
  type: 'webhook',
  properties: Object.entries(values).map(([name, value]) => ({ name, value })),
});

const CASES: Case[] = [
  {
    name: 'SCIM 2.0 user endpoint',
    document: doc.CONFIGURE_SCIM,
    result: 'configureScimConnector',
    initial: { ...doc.SEED.scim2, bearerToken: 'scim-bearer-token-5Rt1' },
    address: 'userEndpoint',
    secrets: {
      password: 'scim-admin-pass-3Vb8',
      defaultPassword: 'scim-default-pass-6Tn4',
      bearerToken: 'scim-bearer-token-5Rt1',
    },
    base: { version: 'SCIM_2_0' },
  },
  {
    name: 'SCIM 1.1 group endpoint',
    document: doc.CONFIGURE_SCIM,
    result: 'configureScimConnector',
    initial: doc.SEED.scim11,
    address: 'groupEndpoint',
    secrets: { password: 'scim11-admin-pass-1Qe5' },
    base: { version: 'SCIM_1_1' },
  },
  {
    name: 'Salesforce token endpoint',
    document: doc.CONFIGURE_SALESFORCE,
    result: 'configureSalesforceConnector',
    initial: doc.SEED.salesforce,
    address: 'tokenEndpoint',
    secrets: { clientSecret: 'sf-consumer-secret-7Yq2', password: 'sf-password-9Xk1SECURITYTOKEN' },
  },
  {
    name: 'Salesforce domain',
    document: doc.CONFIGURE_SALESFORCE,
    result: 'configureSalesforceConnector',
    initial: doc.SEED.salesforce,
    address: 'domainName',
    secrets: { clientSecret: 'sf-consumer-secret-7Yq2', password: 'sf-password-9Xk1SECURITYTOKEN' },
  },
  {
    name: 'Google API root',
    document: doc.CONFIGURE_GOOGLE,
    result: 'configureGoogleConnector',
    initial: { ...doc.SEED.google, privateKey: keys.pem },
    address: 'apiRootUrl',
    secrets: { privateKey: keys.pem },
  },
  {
    name: 'Google token URL',
    document: doc.CONFIGURE_GOOGLE,
    result: 'configureGoogleConnector',
    initial: { ...doc.SEED.google, privateKey: keys.pem },
    address: 'tokenUrl',
    secrets: { privateKey: keys.pem },
  },
  {
    name: 'custom type URL',
    document: doc.CONFIGURE_CUSTOM,
    result: 'configureCustomConnector',
    initial: { url: 'http://127.0.0.1:9/hook', signingSecret: 'hook-secret-1' },
    address: 'url',
    secrets: { signingSecret: 'hook-secret-1' },
  },
];

describe('secrets follow their address', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi('sqlite');
  });
  afterAll(async () => api?.close());

  const inputOf = (c: Case, values: Record<string, unknown>) =>
    c.document === doc.CONFIGURE_CUSTOM ? custom(values) : { ...c.base, ...values };

  async function stored(id: string) {
    const row = await api.app.dataSource.getRepository(Connector).findOneByOrFail({ id });
    return { config: row.config, secrets: api.app.services.connectors.openSecrets(row) };
  }

  it.each(CASES)(
    '$name: moving it without the secrets is refused and changes nothing',
    async (c) => {
      const idp = ok(
        await api.gql(doc.CREATE_IDP, { input: { name: c.name, tenantDomain: 'carbon.super' } }),
      ).createIdentityProvider.id;
      const created = ok(await api.gql(c.document, { id: idp, input: inputOf(c, c.initial) }))[
        c.result
      ];
      const before = await stored(created.id);

      const moved = await api.gql(c.document, {
        id: idp,
        input: inputOf(c, { [c.address]: EVIL }),
      });
      expect(errorCode(moved)).toBe('BAD_USER_INPUT');
      for (const name of Object.keys(c.secrets)) expect(moved.errors![0].message).toContain(name);
      expect(moved.errors![0].message).toContain(c.address);
      expect(await stored(created.id)).toEqual(before);

      // Only some of the secrets again is still refused: each one left out would follow.
      const [first, ...rest] = Object.entries(c.secrets);
      if (rest.length) {
        const partial = await api.gql(c.document, {
          id: idp,
          input: inputOf(c, { [c.address]: EVIL, [first[0]]: first[1] }),
        });
        expect(errorCode(partial)).toBe('BAD_USER_INPUT');
        expect(partial.errors![0].message).toContain(rest[0][0]);
        expect(await stored(created.id)).toEqual(before);
      }

      const resent = ok(
        await api.gql(c.document, {
          id: idp,
          input: inputOf(c, { [c.address]: EVIL, ...c.secrets }),
        }),
      )[c.result];
      expect(resent.id).toBe(created.id);
      expect((await stored(created.id)).config[c.address]).toBe(EVIL);
    },
  );

  it('keeps the secrets when a field that is no address changes', async () => {
    const idp = ok(
      await api.gql(doc.CREATE_IDP, {
        input: { name: 'no-address', tenantDomain: 'carbon.super' },
      }),
    ).createIdentityProvider.id;
    ok(await api.gql(doc.CONFIGURE_SCIM, { id: idp, input: doc.SEED.scim2 }));
    const changed = ok(
      await api.gql(doc.CONFIGURE_SCIM, {
        id: idp,
        input: { version: 'SCIM_2_0', userStoreDomain: 'Other', username: 'Admin2' },
      }),
    ).configureScimConnector;
    expect(changed).toMatchObject({ passwordConfigured: true, defaultPasswordConfigured: true });
  });
});
