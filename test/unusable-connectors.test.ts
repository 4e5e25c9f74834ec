// A connector this process cannot use fails alone, and a start with the wrong secrets key stops.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApp } from '../src/app';
import { SecretBox } from '../src/common/secrets';
import { loadConfig } from '../src/config';
import { Connector } from '../src/connector/connector.entity';
import { FakeWebhookReceiver } from './fakes/webhook-receiver';
import { EXAMPLE_CONNECTOR, ok, startTestApi, TEST_SECRETS_KEY, type TestApi } from './support/api';
import * as doc from './support/documents';

const RUN = `mutation($input: TestProvisioningInput!) { testProvisioning(input: $input) {
  connector { id type } status error { code message retriable } } }`;

describe('a connector this process cannot use', () => {
  let api: TestApi;
  let receiver: FakeWebhookReceiver;
  beforeAll(async () => {
    receiver = await new FakeWebhookReceiver('hook-secret-1').start();
    api = await startTestApi('mariadb');
  });
  afterAll(async () => {
    await api?.close();
    await receiver?.stop();
  });

  it('fails alone with the reason, and the healthy connector still provisions', async () => {
    const idpId = ok(
      await api.gql(doc.CREATE_IDP, { input: { name: 'mixed', tenantDomain: 'acme' } }),
    ).createIdentityProvider.id;
    const input = {
      type: 'webhook',
      properties: [
        { name: 'url', value: receiver.url },
        { name: 'signingSecret', value: 'hook-secret-1' },
      ],
    };
    ok(await api.gql(doc.CONFIGURE_CUSTOM, { id: idpId, input }));
    // As another process could have left them: a type this process does not load, and a
    // connector whose secrets were sealed under another key.
    const rows = api.app.dataSource.getRepository(Connector);
    const otherKey = new SecretBox(Buffer.alloc(32, 7));
    await rows.save([
      rows.create({ identityProviderId: idpId, type: 'not-loaded', enabled: true, config: {} }),
      rows.create({
        identityProviderId: idpId,
        type: 'scim-2',
        enabled: true,
        config: { userEndpoint: 'http://127.0.0.1:9/Users' },
        secrets: otherKey.sealJson({ bearerToken: 'sealed-elsewhere' }),
      }),
    ]);
    api.app.services.snapshots.invalidate();

    const user = { id: 'kc-mixed-1', username: 'mixed@acme.test', claims: [] };
    const results = ok(
      await api.gql(RUN, {
        input: { identityProviderId: idpId, operation: 'CREATE', dryRun: false, user },
      }),
    ).testProvisioning as { connector: { type: string }; status: string; error: any }[];
    const byType = new Map(results.map((r) => [r.connector.type, r]));
    expect(byType.get('webhook')).toMatchObject({ status: 'SUCCEEDED', error: null });
    expect(byType.get('not-loaded')).toMatchObject({
      status: 'FAILED',
      error: { code: 'CONNECTOR_UNUSABLE', retriable: false },
    });
    expect(byType.get('not-loaded')!.error.message).toMatch(/is not loaded in this process/);
    expect(byType.get('scim-2')!.error.message).toMatch(/sealed under another key/);
    expect([...receiver.users.values()].map((u) => u.username)).toEqual(['mixed@acme.test']);
    // The identity provider still reads, its unusable connectors included.
    const listed = ok(await api.gql(doc.GET_IDP, { id: idpId })).identityProvider.connectors;
    expect(listed.map((c: { type: string }) => c.type).sort()).toEqual([
      'not-loaded',
      'scim-2',
      'webhook',
    ]);
    // Each can still be removed: its audit entry names the secrets cleared without opening them.
    for (const { id, type } of listed as { id: string; type: string }[]) {
      expect([type, ok(await api.gql(doc.REMOVE_CONNECTOR, { id })).removeConnector]).toEqual([
        type,
        true,
      ]);
    }
    const [removedScim] = (
      await api.app.services.audit.page({ operation: 'removeConnector' }, 100, null, null)
    ).edges.filter((e) => e.node.changes?.some((c) => 'field' in c && c.field === 'userEndpoint'));
    expect(removedScim.node.changes).toEqual(
      expect.arrayContaining([{ field: 'bearerToken', secret: 'cleared' }]),
    );
  });
});

describe('the secrets key at start', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'op-key-'));
  const env = {
    DATABASE_URL: `sqlite:${path.join(dataDir, 'db.sqlite')}`,
    DATA_DIR: dataDir,
    PORT: '0',
    CONNECTOR_MODULES: EXAMPLE_CONNECTOR,
  };
  const keyFile = path.join(dataDir, 'secrets.key');
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('stops when the key file is lost beside sealed secrets, or the key is wrong, and makes no new key', async () => {
    const first = await startApp(loadConfig(env));
    const idp = await first.services.identityProviders.create({
      name: 'keyed',
      tenantDomain: 'acme',
      enabled: true,
    });
    const { version: _version, ...scim } = doc.SEED.scim2;
    await first.services.connectors.configure(idp.id, 'scim-2', { enabled: true }, scim);
    await first.close();
    expect(existsSync(keyFile)).toBe(true);

    rmSync(keyFile);
    await expect(startApp(loadConfig(env))).rejects.toThrow(
      /secrets\.key is missing, but 1 connector\(s\) hold secrets sealed with it/,
    );
    expect(existsSync(keyFile)).toBe(false);
    await expect(startApp(loadConfig({ ...env, SECRETS_KEY: TEST_SECRETS_KEY }))).rejects.toThrow(
      /SECRETS_KEY opens none of the 1 connector secret\(s\)/,
    );
  });
});
