// The GraphQL API end to end over HTTP: on the real MariaDB, and once more on SQLite.
import { ProvisioningRecord } from '../src/provisioning/provisioning-record.entity';
import { Connector } from '../src/connector/connector.entity';
import { ProvisionedEntity } from '../src/provisioning/provisioned-entity.entity';
import { errorCode, ok, startTestApi, type TestApi } from './support/api';
import type { DatabaseKind } from './support/database';
import * as doc from './support/documents';
import { makeTestKeys } from './support/keys';

const keys = makeTestKeys();
const databases: DatabaseKind[] = ['mariadb', 'sqlite'];

describe.each(databases)('GraphQL API on %s', (kind) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi(kind);
  });
  afterAll(async () => api?.close());

  async function createIdp(name: string, tenantDomain = 'carbon.super'): Promise<string> {
    const data = ok(
      await api.gql(doc.CREATE_IDP, {
        input: { name, tenantDomain, description: `${name} targets` },
      }),
    );
    return data.createIdentityProvider.id;
  }

  async function connectorCount(): Promise<number> {
    return api.app.dataSource.getRepository(Connector).count();
  }

  describe('identity providers', () => {
    it('creates, reads, lists by tenant, updates and deletes', async () => {
      const id = await createIdp('crud-idp', 'realm-a');
      const created = ok(await api.gql(doc.GET_IDP, { id })).identityProvider;
      expect(created).toMatchObject({
        name: 'crud-idp',
        tenantDomain: 'realm-a',
        enabled: true,
        connectors: [],
        claimMappings: [],
      });

      const listed = ok(await api.gql(doc.LIST_IDPS, { tenant: 'realm-a' })).identityProviders;
      expect(listed.map((i: { name: string }) => i.name)).toEqual(['crud-idp']);

      const updated = ok(
        await api.gql(doc.UPDATE_IDP, { id, input: { enabled: false, description: null } }),
      ).updateIdentityProvider;
      expect(updated).toMatchObject({ name: 'crud-idp', enabled: false, description: null });

      expect(ok(await api.gql(doc.DELETE_IDP, { id })).deleteIdentityProvider).toBe(true);
      expect(ok(await api.gql(doc.GET_IDP, { id })).identityProvider).toBeNull();
    });

    it('rejects a duplicate name in one tenant with CONFLICT, allows it in another', async () => {
      await createIdp('dup', 'realm-b');
      const again = await api.gql(doc.CREATE_IDP, {
        input: { name: 'dup', tenantDomain: 'realm-b' },
      });
      expect(errorCode(again)).toBe('CONFLICT');
      expect(
        ok(await api.gql(doc.LIST_IDPS, { tenant: 'realm-b' })).identityProviders,
      ).toHaveLength(1);
      await createIdp('dup', 'realm-c');
    });

    it('answers NOT_FOUND for unknown ids and changes nothing', async () => {
      for (const id of ['7b0c6a4e-4a4f-4bb8-9a57-1f1b9b1d7c11', 'not-a-uuid']) {
        expect(errorCode(await api.gql(doc.UPDATE_IDP, { id, input: { name: 'x' } }))).toBe(
          'NOT_FOUND',
        );
        expect(errorCode(await api.gql(doc.DELETE_IDP, { id }))).toBe('NOT_FOUND');
        expect(errorCode(await api.gql(doc.SET_MAPPINGS, { id, m: [] }))).toBe('NOT_FOUND');
        expect(errorCode(await api.gql(doc.CONFIGURE_SCIM, { id, input: doc.SEED.scim2 }))).toBe(
          'NOT_FOUND',
        );
        expect(errorCode(await api.gql(doc.REMOVE_CONNECTOR, { id }))).toBe('NOT_FOUND');
      }
    });

    it('validates names with a clear BAD_USER_INPUT', async () => {
      const response = await api.gql(doc.CREATE_IDP, {
        input: { name: '', tenantDomain: 'bad tenant!' },
      });
      expect(errorCode(response)).toBe('BAD_USER_INPUT');
      expect(response.errors![0].message).toMatch(/name must be longer than or equal to 1/);
      expect(response.errors![0].message).toMatch(/tenantDomain may contain/);
    });

    it('replaces claim mappings and keeps their order', async () => {
      const id = await createIdp('mapped');
      const data = ok(await api.gql(doc.SET_MAPPINGS, { id, m: doc.SALESFORCE_MAPPINGS }));
      expect(
        data.setClaimMappings.claimMappings.map((m: { remoteClaim: string }) => m.remoteClaim),
      ).toEqual(doc.SALESFORCE_MAPPINGS.map((m) => m.remoteClaim));
      const bad = await api.gql(doc.SET_MAPPINGS, { id, m: [{ remoteClaim: 'Email' }] });
      expect(errorCode(bad)).toBe('BAD_USER_INPUT');
      expect(ok(await api.gql(doc.GET_IDP, { id })).identityProvider.claimMappings).toHaveLength(
        doc.SALESFORCE_MAPPINGS.length,
      );
    });
    it.each([
      'name.__proto__.polluted',
      'urn:x:__proto__.polluted',
      'constructor.prototype.x',
      'urn:a:b:prototype',
    ])('refuses the remote claim %s, which would reach a prototype', async (remoteClaim) => {
      const id = await createIdp(`proto-${remoteClaim.replace(/[^a-z]/gi, '')}`);
      ok(await api.gql(doc.SET_MAPPINGS, { id, m: doc.SALESFORCE_MAPPINGS }));
      const bad = await api.gql(doc.SET_MAPPINGS, {
        id,
        m: [{ remoteClaim, defaultValue: 'yes' }],
      });
      expect(errorCode(bad)).toBe('BAD_USER_INPUT');
      expect(bad.errors![0].message).toMatch(/names __proto__, constructor or prototype/);
      expect(ok(await api.gql(doc.GET_IDP, { id })).identityProvider.claimMappings).toHaveLength(
        doc.SALESFORCE_MAPPINGS.length,
      );
    });
  });

  describe('connectors', () => {
    it('lists every type with its fields', async () => {
      const types = ok(await api.gql(doc.CONNECTOR_TYPES)).connectorTypes;
      expect(types.map((t: { type: string }) => t.type)).toEqual([
        'google',
        'salesforce',
        'scim-1.1',
        'scim-2',
        'webhook',
      ]);
      const google = types.find((t: { type: string }) => t.type === 'google');
      expect(google.fields.find((f: { name: string }) => f.name === 'privateKey')).toMatchObject({
        secret: true,
        required: true,
        kind: 'TEXT',
      });
      expect(
        google.fields.find((f: { name: string }) => f.name === 'provisioningPattern'),
      ).toMatchObject({ default: '{UN}', kind: 'PATTERN' });
      expect(types.find((t: { type: string }) => t.type === 'webhook').builtIn).toBe(false);
    });

    it('configures Google from a PKCS#12 key, as an upsert, and never returns the key', async () => {
      const id = await createIdp('google-idp');
      const first = ok(
        await api.gql(doc.CONFIGURE_GOOGLE, {
          id,
          input: { ...doc.SEED.google, privateKey: keys.p12Base64('notasecret') },
        }),
      );
      expect(first.configureGoogleConnector).toMatchObject({
        type: 'google',
        enabled: true,
        domain: 'mygoogledomain.com',
        privateKeyConfigured: true,
      });
      const second = ok(
        await api.gql(doc.CONFIGURE_GOOGLE, {
          id,
          input: { enabled: false, applicationName: 'Directory sync' },
        }),
      );
      expect(second.configureGoogleConnector).toMatchObject({
        id: first.configureGoogleConnector.id,
        enabled: false,
        applicationName: 'Directory sync',
        privateKeyConfigured: true,
        adminEmail: 'om@mygoogledomain.com',
      });
      expect(JSON.stringify(second)).not.toContain('PRIVATE KEY');
    });

    it('accepts a service-account JSON key and takes the service account email from it', async () => {
      const id = await createIdp('google-json');
      const { serviceAccountEmail: _omit, ...rest } = doc.SEED.google;
      const data = ok(
        await api.gql(doc.CONFIGURE_GOOGLE, {
          id,
          input: {
            ...rest,
            privateKey: keys.serviceAccountJson('sync@proj.iam.gserviceaccount.com'),
          },
        }),
      );
      expect(data.configureGoogleConnector.serviceAccountEmail).toBe(
        'sync@proj.iam.gserviceaccount.com',
      );
    });

    it('keeps a secret that is left out and clears one set to null', async () => {
      const id = await createIdp('scim-secrets');
      const created = ok(
        await api.gql(doc.CONFIGURE_SCIM, { id, input: doc.SEED.scim2 }),
      ).configureScimConnector;
      expect(created).toMatchObject({
        version: 'SCIM_2_0',
        passwordConfigured: true,
        defaultPasswordConfigured: true,
        bearerTokenConfigured: false,
        userStoreDomain: 'Domain',
      });
      const kept = ok(
        await api.gql(doc.CONFIGURE_SCIM, {
          id,
          input: { version: 'SCIM_2_0', userStoreDomain: null },
        }),
      ).configureScimConnector;
      expect(kept).toMatchObject({
        passwordConfigured: true,
        defaultPasswordConfigured: true,
        userStoreDomain: null,
      });
      const cleared = ok(
        await api.gql(doc.CONFIGURE_SCIM, {
          id,
          input: { version: 'SCIM_2_0', defaultPassword: null },
        }),
      ).configureScimConnector;
      expect(cleared).toMatchObject({ passwordConfigured: true, defaultPasswordConfigured: false });
    });

    it('keeps SCIM 1.1 and SCIM 2.0 as two connectors of one identity provider, and removes one', async () => {
      const id = await createIdp('two-scims');
      const v2 = ok(
        await api.gql(doc.CONFIGURE_SCIM, { id, input: doc.SEED.scim2 }),
      ).configureScimConnector;
      ok(await api.gql(doc.CONFIGURE_SCIM, { id, input: doc.SEED.scim11 }));
      expect(
        ok(await api.gql(doc.GET_IDP, { id })).identityProvider.connectors.map(
          (c: { type: string }) => c.type,
        ),
      ).toEqual(['scim-1.1', 'scim-2']);
      expect(ok(await api.gql(doc.REMOVE_CONNECTOR, { id: v2.id })).removeConnector).toBe(true);
      expect(
        ok(await api.gql(doc.GET_IDP, { id })).identityProvider.connectors.map(
          (c: { type: string }) => c.type,
        ),
      ).toEqual(['scim-1.1']);
    });

    it('configures a custom type from CONNECTOR_MODULES; secrets show as configured with no value', async () => {
      const id = await createIdp('webhook-idp');
      const input = {
        type: 'webhook',
        properties: [
          { name: 'url', value: 'http://127.0.0.1:9/hook' },
          { name: 'signingSecret', value: 'hook-secret-1' },
        ],
      };
      const data = ok(await api.gql(doc.CONFIGURE_CUSTOM, { id, input })).configureCustomConnector;
      expect(data.properties).toEqual([
        { name: 'url', value: 'http://127.0.0.1:9/hook', configured: true, secret: false },
        { name: 'signingSecret', value: null, configured: true, secret: true },
        { name: 'includeClaims', value: 'true', configured: false, secret: false },
      ]);
    });

    it("sets a connector's pace, keeps it when left out, and falls back to the type's default", async () => {
      const id = await createIdp('paced');
      const paced = (input: object) =>
        api.gql(doc.CONFIGURE_GOOGLE, {
          id,
          input: { ...doc.SEED.google, privateKey: keys.pem, ...input },
        });
      const google = async () =>
        ok(await api.gql(doc.GET_IDP, { id })).identityProvider.connectors[0] as {
          maxRequestsPerSecond: number | null;
        };
      ok(await paced({}));
      // Google's published quota is the default: 2,400 queries a minute.
      expect((await google()).maxRequestsPerSecond).toBe(40);
      ok(await paced({ maxRequestsPerSecond: 12.5 }));
      expect((await google()).maxRequestsPerSecond).toBe(12.5);
      ok(await paced({ domain: 'example.org' }));
      expect((await google()).maxRequestsPerSecond).toBe(12.5);
      ok(await paced({ maxRequestsPerSecond: null }));
      expect((await google()).maxRequestsPerSecond).toBe(40);
      const types = ok(await api.gql(doc.CONNECTOR_TYPES)).connectorTypes as {
        type: string;
        defaultMaxRequestsPerSecond: number | null;
      }[];
      expect(
        Object.fromEntries(types.map((t) => [t.type, t.defaultMaxRequestsPerSecond])),
      ).toMatchObject({
        google: 40,
        salesforce: null,
        'scim-2': null,
      });
    });

    describe('bad input gets a typed error and changes nothing', () => {
      let id: string;
      beforeAll(async () => {
        id = await createIdp('bad-input');
        ok(await api.gql(doc.CONFIGURE_SCIM, { id, input: doc.SEED.scim2 }));
      });

      const cases: [string, string, () => object, RegExp][] = [
        [
          'a relative user endpoint',
          doc.CONFIGURE_SCIM,
          () => ({ ...doc.SEED.scim2, userEndpoint: '/scim2/Users' }),
          /userEndpoint must be an absolute http\(s\) URL/,
        ],
        [
          'an ftp user endpoint',
          doc.CONFIGURE_SCIM,
          () => ({ ...doc.SEED.scim2, userEndpoint: 'ftp://host/Users' }),
          /userEndpoint must use http or https/,
        ],
        [
          'SCIM without credentials',
          doc.CONFIGURE_SCIM,
          () => ({ ...doc.SEED.scim11, username: null, password: null }),
          /username and password, or a bearerToken/,
        ],
        [
          'a malformed admin email',
          doc.CONFIGURE_GOOGLE,
          () => ({ ...doc.SEED.google, adminEmail: 'om-at-example', privateKey: keys.pem }),
          /adminEmail must be an email address/,
        ],
        [
          'an unreadable private key',
          doc.CONFIGURE_GOOGLE,
          () => ({ ...doc.SEED.google, privateKey: 'bm90IGEga2V5' }),
          /privateKey could not be read/,
        ],
        [
          'a pattern with an unknown token',
          doc.CONFIGURE_GOOGLE,
          () => ({ ...doc.SEED.google, privateKey: keys.pem, provisioningPattern: '{UN, EMAIL}' }),
          /unknown token "EMAIL"/,
        ],
        [
          'a pattern without braces',
          doc.CONFIGURE_SALESFORCE,
          () => ({ ...doc.SEED.salesforce, provisioningPattern: 'UN' }),
          /one \{…\} list/,
        ],
        [
          'a bad API version',
          doc.CONFIGURE_SALESFORCE,
          () => ({ ...doc.SEED.salesforce, apiVersion: 'latest' }),
          /apiVersion must look like v62.0/,
        ],
        [
          'a missing required field',
          doc.CONFIGURE_SALESFORCE,
          () => ({ ...doc.SEED.salesforce, clientId: null }),
          /Client ID \(clientId\) is required/,
        ],
        [
          'a pace of zero requests a second',
          doc.CONFIGURE_SCIM,
          () => ({ ...doc.SEED.scim2, maxRequestsPerSecond: 0 }),
          /maxRequestsPerSecond must be above 0 and at most 10000/,
        ],
        [
          'a pace beyond any target',
          doc.CONFIGURE_CUSTOM,
          () => ({ type: 'webhook', properties: [], maxRequestsPerSecond: 1e6 }),
          /maxRequestsPerSecond must be above 0/,
        ],
        [
          'an unknown custom type',
          doc.CONFIGURE_CUSTOM,
          () => ({ type: 'spml', properties: [] }),
          /unknown connector type "spml"/,
        ],
        [
          'a built-in type as custom',
          doc.CONFIGURE_CUSTOM,
          () => ({ type: 'google', properties: [] }),
          /built-in type/,
        ],
        [
          'an unknown custom property',
          doc.CONFIGURE_CUSTOM,
          () => ({
            type: 'webhook',
            properties: [
              { name: 'url', value: 'http://127.0.0.1/h' },
              { name: 'colour', value: 'red' },
            ],
          }),
          /has no field "colour"/,
        ],
      ];

      it.each(cases)('%s', async (_name, mutation, input, message) => {
        const before = await connectorCount();
        const stored = await api.app.dataSource
          .getRepository(Connector)
          .findOneByOrFail({ identityProviderId: id });
        const response = await api.gql(mutation, { id, input: input() });
        expect(errorCode(response)).toBe('BAD_USER_INPUT');
        expect(response.errors![0].message).toMatch(message);
        expect(await connectorCount()).toBe(before);
        const after = await api.app.dataSource
          .getRepository(Connector)
          .findOneByOrFail({ id: stored.id });
        expect(after.config).toEqual(stored.config);
        expect(after.version).toBe(stored.version);
      });
    });
  });

  describe('testProvisioning previews', () => {
    let idpId: string;
    const ids: Record<string, string> = {};
    beforeAll(async () => {
      idpId = await createIdp('salesforce');
      ok(await api.gql(doc.SET_MAPPINGS, { id: idpId, m: doc.SALESFORCE_MAPPINGS }));
      ids.google = ok(
        await api.gql(doc.CONFIGURE_GOOGLE, {
          id: idpId,
          input: { ...doc.SEED.google, privateKey: keys.pem },
        }),
      ).configureGoogleConnector.id;
      ids.salesforce = ok(
        await api.gql(doc.CONFIGURE_SALESFORCE, { id: idpId, input: doc.SEED.salesforce }),
      ).configureSalesforceConnector.id;
      ids.scim2 = ok(
        await api.gql(doc.CONFIGURE_SCIM, { id: idpId, input: doc.SEED.scim2 }),
      ).configureScimConnector.id;
      ids.scim11 = ok(
        await api.gql(doc.CONFIGURE_SCIM, {
          id: idpId,
          input: { ...doc.SEED.scim11, enabled: false },
        }),
      ).configureScimConnector.id;
    });

    async function preview(input: object) {
      return ok(
        await api.gql(doc.TEST_PROVISIONING, {
          input: { identityProviderId: idpId, user: doc.SEED_USER, ...input },
        }),
      ).testProvisioning;
    }

    it("builds the seed's Salesforce id and the exact create request", async () => {
      const [result] = await preview({ connectorId: ids.salesforce });
      expect(result).toEqual({
        connector: { id: ids.salesforce, type: 'salesforce' },
        operation: 'CREATE',
        status: 'PREVIEWED',
        reason: null,
        provisionedId: 'primary-user@provisioning.com-carbon.super-salesforce',
        request: {
          method: 'POST',
          url: 'https://identityprovisioning-dev-ed.my.salesforce.com/services/data/v32.0/sobjects/User',
          headers: [
            { name: 'Authorization', value: 'Bearer [REDACTED]' },
            { name: 'Content-Type', value: 'application/json' },
          ],
          body: {
            Email: 'user@provisioning.com',
            LastName: 'Lee',
            FirstName: 'Pat',
            Alias: 'plee',
            ProfileId: '00e5g000001AbCdEAF',
            EmailEncodingKey: 'UTF-8',
            LanguageLocaleKey: 'en_US',
            LocaleSidKey: 'en_US',
            TimeZoneSidKey: 'America/Los_Angeles',
            UserPermissionsMarketingUser: false,
            Username: 'primary-user@provisioning.com-carbon.super-salesforce',
          },
        },
      });
    });

    it('previews every enabled connector and skips none of the disabled ones silently', async () => {
      const results = await preview({});
      expect(results.map((r: { connector: { type: string } }) => r.connector.type).sort()).toEqual([
        'google',
        'salesforce',
        'scim-2',
      ]);
      const google = results.find(
        (r: { connector: { type: string } }) => r.connector.type === 'google',
      );
      expect(google.provisionedId).toBe(
        'primary_user.provisioning.com_carbon.super_salesforce@mygoogledomain.com',
      );
      expect(google.request).toMatchObject({
        method: 'POST',
        url: 'https://admin.googleapis.com/admin/directory/v1/users',
        body: {
          primaryEmail: google.provisionedId,
          name: { givenName: 'Pat', familyName: 'Lee' },
          password: '[REDACTED]',
        },
      });
      const scim = results.find(
        (r: { connector: { type: string } }) => r.connector.type === 'scim-2',
      );
      expect(scim.provisionedId).toBe('Domain/user@provisioning.com');
      expect(scim.request).toEqual({
        method: 'POST',
        url: 'https://localhost:9443/scim2/Users',
        headers: [
          { name: 'Authorization', value: 'Basic [REDACTED]' },
          { name: 'Content-Type', value: 'application/json' },
        ],
        body: {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: 'Domain/user@provisioning.com',
          name: { givenName: 'Pat', familyName: 'Lee' },
          emails: [{ value: 'user@provisioning.com', primary: true }],
          displayName: 'Pat Lee',
          password: '[REDACTED]',
        },
      });
    });

    it('turns an UPDATE of a user never provisioned into a CREATE, and skips such a DELETE with the reason', async () => {
      const [update] = await preview({ connectorId: ids.scim2, operation: 'UPDATE' });
      expect(update).toMatchObject({ operation: 'CREATE', status: 'PREVIEWED' });
      const [remove] = await preview({ connectorId: ids.scim2, operation: 'DELETE' });
      expect(remove).toMatchObject({
        operation: 'DELETE',
        status: 'SKIPPED',
        reason: 'never provisioned through this connector: nothing to delete',
        request: null,
      });
    });

    it('says SKIPPED with the reason for a disabled connector and a disabled identity provider', async () => {
      const [scim11] = await preview({ connectorId: ids.scim11 });
      expect(scim11).toMatchObject({
        status: 'SKIPPED',
        reason: 'connector disabled',
        request: null,
      });
      ok(await api.gql(doc.UPDATE_IDP, { id: idpId, input: { enabled: false } }));
      try {
        const results = await preview({});
        expect(
          results.map((r: { status: string; reason: string }) => [r.status, r.reason]),
        ).toEqual(Array(3).fill(['SKIPPED', 'identity provider disabled']));
      } finally {
        ok(await api.gql(doc.UPDATE_IDP, { id: idpId, input: { enabled: true } }));
      }
    });

    it('previews a SCIM 1.1 create in the SCIM 1.1 schema with the password redacted', async () => {
      ok(
        await api.gql(doc.CONFIGURE_SCIM, {
          id: idpId,
          input: { version: 'SCIM_1_1', enabled: true },
        }),
      );
      try {
        const [create] = await preview({ connectorId: ids.scim11 });
        expect(create.request.body.schemas).toEqual(['urn:scim:schemas:core:1.0']);
        expect(create.request.body.password).toBe('[REDACTED]');
      } finally {
        ok(
          await api.gql(doc.CONFIGURE_SCIM, {
            id: idpId,
            input: { version: 'SCIM_1_1', enabled: false },
          }),
        );
      }
    });

    describe('for a user already provisioned (linked)', () => {
      const linkedUser = { ...doc.SEED_USER, id: 'kc-user-42' };
      const remoteIds: Record<string, string> = {
        scim2: '2819c223-7f76-453a-919d-413861904646',
        scim11: 'b2a9-scim11-remote',
        salesforce: '005xx000001Sv6AAAS',
        google: 'primary_user.provisioning.com_carbon.super_salesforce@mygoogledomain.com',
      };
      beforeAll(async () => {
        const repo = api.app.dataSource.getRepository(ProvisionedEntity);
        for (const [key, remoteId] of Object.entries(remoteIds)) {
          await repo.insert({
            connectorId: ids[key],
            entityType: 'USER',
            localId: linkedUser.id,
            remoteId,
            remoteName: null,
            lastSyncedAt: new Date(),
            attributesHash: null,
          });
        }
        ok(
          await api.gql(doc.CONFIGURE_SCIM, {
            id: idpId,
            input: { version: 'SCIM_1_1', enabled: true },
          }),
        );
      });
      afterAll(async () => {
        ok(
          await api.gql(doc.CONFIGURE_SCIM, {
            id: idpId,
            input: { version: 'SCIM_1_1', enabled: false },
          }),
        );
      });

      async function previewLinked(connector: string, operation: string) {
        const [result] = await preview({
          connectorId: ids[connector],
          operation,
          user: linkedUser,
        });
        return result;
      }

      it('turns a CREATE into an UPDATE', async () => {
        expect(await previewLinked('scim2', 'CREATE')).toMatchObject({
          operation: 'UPDATE',
          status: 'PREVIEWED',
        });
      });

      it('updates SCIM 2.0 with a PatchOp on the linked id', async () => {
        const { request } = await previewLinked('scim2', 'UPDATE');
        expect(request.method).toBe('PATCH');
        expect(request.url).toBe(`https://localhost:9443/scim2/Users/${remoteIds.scim2}`);
        expect(request.body).toEqual({
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [
            {
              op: 'replace',
              value: {
                userName: 'Domain/user@provisioning.com',
                name: { givenName: 'Pat', familyName: 'Lee' },
                emails: [{ value: 'user@provisioning.com', primary: true }],
                displayName: 'Pat Lee',
              },
            },
          ],
        });
      });

      it('updates SCIM 1.1 with a PUT of the full resource, without a password', async () => {
        const { request } = await previewLinked('scim11', 'UPDATE');
        expect(request.method).toBe('PUT');
        expect(request.url).toBe(`https://localhost:9443/wso2/scim/Users/${remoteIds.scim11}`);
        expect(request.body).toMatchObject({
          schemas: ['urn:scim:schemas:core:1.0'],
          id: remoteIds.scim11,
          userName: 'user@provisioning.com',
        });
        expect(request.body.password).toBeUndefined();
      });

      it('updates Salesforce by PATCH on the record and deletes by deactivating it', async () => {
        const update = await previewLinked('salesforce', 'UPDATE');
        expect(update.request).toMatchObject({
          method: 'PATCH',
          url: `https://identityprovisioning-dev-ed.my.salesforce.com/services/data/v32.0/sobjects/User/${remoteIds.salesforce}`,
        });
        expect(update.request.body.Username).toBe(
          'primary-user@provisioning.com-carbon.super-salesforce',
        );
        const remove = await previewLinked('salesforce', 'DELETE');
        expect(remove.request).toMatchObject({ method: 'PATCH', body: { IsActive: false } });
      });

      it('updates Google without a password and deletes the linked user', async () => {
        const update = await previewLinked('google', 'UPDATE');
        expect(update.request).toMatchObject({
          method: 'PUT',
          url: `https://admin.googleapis.com/admin/directory/v1/users/${encodeURIComponent(remoteIds.google)}`,
        });
        expect(update.request.body).toEqual({
          primaryEmail: remoteIds.google,
          name: { givenName: 'Pat', familyName: 'Lee' },
        });
        const remove = await previewLinked('google', 'DELETE');
        expect(remove).toMatchObject({
          status: 'PREVIEWED',
          request: { method: 'DELETE', body: null },
        });
      });
    });

    it('writes every preview to the provisioning log, redacted', async () => {
      const repo = api.app.dataSource.getRepository(ProvisioningRecord);
      // Preview log rows are written behind the response: wait for the queue before counting.
      const { provisioningLog } = api.app.services;
      await provisioningLog.drain();
      const before = await repo.count();
      await preview({});
      await provisioningLog.drain();
      const records = await repo.find({ order: { id: 'DESC' }, take: 3 });
      expect(await repo.count()).toBe(before + 3);
      for (const record of records) {
        expect(record).toMatchObject({
          status: 'PREVIEWED',
          operation: 'CREATE',
          entityType: 'USER',
          localId: 'user@provisioning.com',
          source: 'api',
          identityProviderId: idpId,
        });
        expect(JSON.stringify(record.request)).toContain('[REDACTED]');
      }
    });

    it('answers NOT_FOUND for a connector of another identity provider and an unknown one', async () => {
      const other = await createIdp('other-idp');
      const otherScim = ok(await api.gql(doc.CONFIGURE_SCIM, { id: other, input: doc.SEED.scim2 }))
        .configureScimConnector.id;
      expect(
        errorCode(
          await api.gql(doc.TEST_PROVISIONING, {
            input: { identityProviderId: idpId, connectorId: otherScim, user: doc.SEED_USER },
          }),
        ),
      ).toBe('NOT_FOUND');
      expect(
        errorCode(
          await api.gql(doc.TEST_PROVISIONING, {
            input: {
              identityProviderId: idpId,
              connectorId: '00000000-0000-4000-8000-000000000000',
              user: doc.SEED_USER,
            },
          }),
        ),
      ).toBe('NOT_FOUND');
    });
  });

  describe('request limits', () => {
    it('rejects a query nested deeper than the limit', async () => {
      const deep = `{ identityProviders { connectors { identityProvider { connectors { identityProvider { connectors { identityProvider { connectors { identityProvider { connectors { id } } } } } } } } } } }`;
      const response = await api.gql(deep);
      expect(response.status).toBe(400);
      expect(errorCode(response)).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(response.errors![0].message).toMatch(/query depth 1\d exceeds the maximum of 10/);
    });

    it('rejects an oversized request body with 413', async () => {
      const response = await api.post(
        JSON.stringify({ query: `{ __typename }`, variables: { pad: 'x'.repeat(200_000) } }),
      );
      expect(response.status).toBe(413);
      expect(
        ((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]
          .extensions.code,
      ).toBe('PAYLOAD_TOO_LARGE');
    });

    it('rejects a query with too many tokens', async () => {
      const wide = `{ ${Array.from({ length: 3000 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
      const response = await api.gql(wide);
      expect(errorCode(response)).toBe('GRAPHQL_PARSE_FAILED');
    });
  });
});
