// No secret in clear: not in the database rows, not in API responses, not in the logs.
import { makeTestKeys } from './support/keys';
import { ok, startTestApi, type TestApi } from './support/api';
import * as doc from './support/documents';

const keys = makeTestKeys();
const P12_PASSPHRASE = 'p12-passphrase-Zr8';

describe('secrets at rest on MariaDB', () => {
  let api: TestApi;
  const responses: string[] = [];
  const secrets = [
    doc.SEED.salesforce.clientSecret,
    doc.SEED.salesforce.password,
    doc.SEED.scim2.password,
    doc.SEED.scim2.defaultPassword,
    'scim-bearer-token-Lm3',
    'hook-secret-Qa9',
    P12_PASSPHRASE,
  ];
  // Pieces of the private key's base64 body, as it would appear in PEM, DER or PKCS#12 dumps.
  const keyBody = keys.pem.split('\n').filter((l) => l && !l.startsWith('-----'));

  beforeAll(async () => {
    api = await startTestApi('mariadb');
    const record = async (query: string, variables: object) => {
      const response = await api.gql(query, variables);
      responses.push(JSON.stringify(response));
      return ok(response);
    };
    const id = (
      await record(doc.CREATE_IDP, { input: { name: 'secret-idp', tenantDomain: 'carbon.super' } })
    ).createIdentityProvider.id;
    await record(doc.SET_MAPPINGS, { id, m: doc.SALESFORCE_MAPPINGS });
    await record(doc.CONFIGURE_GOOGLE, {
      id,
      input: {
        ...doc.SEED.google,
        privateKey: keys.p12Base64(P12_PASSPHRASE),
        privateKeyPassphrase: P12_PASSPHRASE,
      },
    });
    await record(doc.CONFIGURE_SALESFORCE, { id, input: doc.SEED.salesforce });
    await record(doc.CONFIGURE_SCIM, { id, input: doc.SEED.scim2 });
    await record(doc.CONFIGURE_SCIM, {
      id,
      input: {
        ...doc.SEED.scim11,
        username: null,
        password: null,
        bearerToken: 'scim-bearer-token-Lm3',
      },
    });
    await record(doc.CONFIGURE_CUSTOM, {
      id,
      input: {
        type: 'webhook',
        properties: [
          { name: 'url', value: 'http://127.0.0.1:9/h' },
          { name: 'signingSecret', value: 'hook-secret-Qa9' },
        ],
      },
    });
    await record(doc.TEST_PROVISIONING, { input: { identityProviderId: id, user: doc.SEED_USER } });
    await record(doc.GET_IDP, { id });
  });
  afterAll(async () => api?.close());

  async function everyRow(): Promise<string> {
    await api.app.services.provisioningLog.drain();
    const tables = [
      'identity_provider',
      'claim_mapping',
      'connector',
      'provisioned_entity',
      'provisioning_record',
    ];
    const dumps = await Promise.all(
      tables.map((t) => api.app.dataSource.query(`SELECT * FROM \`${t}\``)),
    );
    return JSON.stringify(dumps);
  }

  it('stores connectors with their secrets sealed', async () => {
    const rows: { secrets: string }[] = await api.app.dataSource.query(
      'SELECT secrets FROM connector',
    );
    expect(rows).toHaveLength(5);
    for (const row of rows) expect(row.secrets).toMatch(/^v1:[A-Za-z0-9+/=]+$/);
  });

  it.each(['database rows', 'API responses', 'log lines'])(
    'finds no secret in clear in the %s',
    async (where) => {
      const text =
        where === 'database rows'
          ? await everyRow()
          : where === 'API responses'
            ? responses.join('\n')
            : api.logs.join('');
      expect(text.length).toBeGreaterThan(100);
      for (const secret of secrets) expect(text).not.toContain(secret);
      for (const line of keyBody) expect(text).not.toContain(line);
    },
  );
});
