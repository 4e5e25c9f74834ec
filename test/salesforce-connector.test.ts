// Salesforce-only behaviour, end to end through the API and the local Salesforce server: required
// fields, UNABLE_TO_LOCK_ROW, OAuth failures, the cached session and its renewal, SOQL escaping.
import { ProvisionedEntity } from '../src/provisioning/provisioned-entity.entity';
import { FakeSalesforceServer } from './fakes/salesforce-server';
import { ok, startTestApi, type TestApi } from './support/api';
import * as doc from './support/documents';
import {
  configureSalesforce,
  SALESFORCE_CREDENTIALS,
  salesforceUsername,
} from './contract/targets/salesforce';

const RUN = `mutation($input: TestProvisioningInput!) { testProvisioning(input: $input) {
  connector { id type } operation status provisionedId remoteId reason attempts error { code message retriable } } }`;

describe('Salesforce connector', () => {
  let api: TestApi;
  let sf: FakeSalesforceServer;
  let idpId: string;
  let connectorId: string;
  let seq = 0;

  beforeAll(async () => {
    sf = await new FakeSalesforceServer(SALESFORCE_CREDENTIALS).start();
    api = await startTestApi('mariadb', {
      PROVISIONING_TIMEOUT_MS: '400',
      PROVISIONING_RETRY_ATTEMPTS: '3',
      PROVISIONING_RETRY_BASE_MS: '20',
    });
    idpId = ok(await api.gql(doc.CREATE_IDP, { input: { name: 'sf', tenantDomain: 'acme' } }))
      .createIdentityProvider.id;
    connectorId = await configureSalesforce(api, idpId, sf);
  });
  afterAll(async () => {
    await api?.close();
    await sf?.stop();
  });
  beforeEach(() => sf.reset());

  function newUser(name = `ada${++seq}@acme.test`, claims: Record<string, string> = {}) {
    const values: Record<string, string> = {
      emailaddress: name,
      givenname: 'Ada',
      lastname: 'Lovelace',
      ...claims,
    };
    return {
      id: `kc-sf-${++seq}`,
      username: name,
      claims: Object.entries(values)
        .filter(([, value]) => value !== '')
        .map(([claim, value]) => ({ uri: `http://wso2.org/claims/${claim}`, value })),
    };
  }

  async function run(user: object, operation = 'CREATE', target = { idpId, connectorId }) {
    const input = {
      identityProviderId: target.idpId,
      connectorId: target.connectorId,
      operation,
      dryRun: false,
      user,
    };
    return ok(await api.gql(RUN, { input })).testProvisioning[0];
  }

  const link = (localId: string, id = connectorId) =>
    api.app.dataSource.getRepository(ProvisionedEntity).findOneBy({ connectorId: id, localId });

  it('creates, updates and deactivates a user with one login for all of it', async () => {
    const user = newUser();
    const created = await run(user);
    expect(created).toMatchObject({
      status: 'SUCCEEDED',
      provisionedId: salesforceUsername(user.username),
      attempts: 1,
    });
    expect(created.remoteId).toMatch(/^005[A-Za-z0-9]{15}$/);
    expect(sf.users.get(created.remoteId)).toMatchObject({
      Username: salesforceUsername(user.username),
      Email: user.username,
      FirstName: 'Ada',
      LastName: 'Lovelace',
      Alias: 'alovelac',
      IsActive: true,
    });
    const renamed = newUser(`byron${seq}@acme.test`, { lastname: 'Byron' });
    expect(await run({ ...renamed, id: user.id }, 'UPDATE')).toMatchObject({
      status: 'SUCCEEDED',
      remoteId: created.remoteId,
      provisionedId: salesforceUsername(renamed.username),
    });
    expect(sf.users.get(created.remoteId)).toMatchObject({ LastName: 'Byron' });
    expect(sf.requests.at(-1)!.body).not.toHaveProperty('Password');
    expect(await run(user, 'DELETE')).toMatchObject({ status: 'SUCCEEDED' });
    expect(sf.users.get(created.remoteId)!.IsActive).toBe(false);
    expect(sf.requests.at(-1)).toMatchObject({ method: 'PATCH', body: { IsActive: false } });
    expect(await link(user.id)).toBeNull();
    await run(newUser());
    expect(sf.tokenRequests).toHaveLength(1); // the first call of this connector logged in
  });

  it('logs in again once after INVALID_SESSION_ID and retries the call', async () => {
    await run(newUser()); // a live session first
    sf.reset();
    sf.inject('token-expired');
    const result = await run(newUser());
    expect(result).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
    expect(sf.tokenRequests).toEqual([
      { grantType: 'password', username: SALESFORCE_CREDENTIALS.username, status: 200 },
    ]);
    expect(sf.requests.map((r) => r.status)).toEqual([401, 201]);
    await run(newUser());
    expect(sf.tokenRequests).toHaveLength(1);
  });

  it('uses the session only at the configured Domain Name, whatever instance_url the login names', async () => {
    const elsewhere = await new FakeSalesforceServer(SALESFORCE_CREDENTIALS).start();
    try {
      sf.revokeTokens();
      sf.instanceUrl = elsewhere.url;
      const user = newUser();
      const result = await run(user);
      expect(result).toMatchObject({ status: 'SUCCEEDED' });
      expect(sf.byUsername(salesforceUsername(user.username))).toBeDefined();
      expect(elsewhere.requests).toEqual([]);
      expect(api.logs.join('')).toMatch(
        /named another instance_url than the configured Domain Name/,
      );
    } finally {
      await elsewhere.stop();
    }
  });

  it('follows no redirect, so the session never leaves the Domain Name', async () => {
    const elsewhere = await new FakeSalesforceServer(SALESFORCE_CREDENTIALS).start();
    try {
      sf.inject({ redirectTo: `${elsewhere.url}/services/data/v32.0/sobjects/User` });
      const result = await run(newUser());
      expect(result).toMatchObject({
        status: 'FAILED',
        error: { code: 'HTTP_307', retriable: false },
      });
      expect(result.error.message).toMatch(/redirects are not followed/);
      expect(elsewhere.requests).toEqual([]);
    } finally {
      await elsewhere.stop();
    }
  });

  it('fails REQUIRED_FIELD_MISSING permanently, naming the field, and stores no link', async () => {
    const user = newUser(undefined, { lastname: '' });
    const result = await run(user);
    expect(result).toMatchObject({
      status: 'FAILED',
      attempts: 1,
      error: { code: 'SALESFORCE_REQUIRED_FIELD_MISSING', retriable: false },
    });
    expect(result.error.message).toMatch(/LastName/);
    expect(await link(user.id)).toBeNull();
  });

  it('retries UNABLE_TO_LOCK_ROW and succeeds', async () => {
    sf.inject('unable-to-lock-row');
    const result = await run(newUser());
    expect(result).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
    expect(sf.users.size).toBe(1);
  });

  it('adopts and reactivates a user found by an escaped SOQL Username on DUPLICATE_USERNAME', async () => {
    const user = newUser(`o'brien${seq}@acme.test`);
    const existing = sf.seed({
      Username: salesforceUsername(user.username),
      LastName: 'Old',
      IsActive: false, // deactivated by an earlier delete
    });
    const result = await run(user);
    expect(result).toMatchObject({ status: 'SUCCEEDED', remoteId: existing });
    expect(sf.users.size).toBe(1);
    expect(sf.users.get(existing)).toMatchObject({
      LastName: 'Lovelace',
      FirstName: 'Ada',
      IsActive: true,
    });
    const query = sf.requests.find((r) => r.path.endsWith('/query'))!;
    expect(new URLSearchParams(query.query).get('q')).toBe(
      `SELECT Id FROM User WHERE Username = '${salesforceUsername(user.username).replace("'", "\\'")}'`,
    );
  });

  it('counts a deactivation of a user gone from the org as done', async () => {
    const user = newUser();
    const { remoteId } = await run(user);
    sf.users.delete(remoteId);
    expect(await run(user, 'DELETE')).toMatchObject({ status: 'SUCCEEDED' });
    expect(await link(user.id)).toBeNull();
  });

  it('fails a wrong password as invalid_grant, permanently and clearly', async () => {
    const otherIdp = ok(
      await api.gql(doc.CREATE_IDP, { input: { name: 'sf-wrong', tenantDomain: 'acme' } }),
    ).createIdentityProvider.id;
    const wrongPassword = 'not-the-password-Zz9';
    const otherConnector = await configureSalesforce(api, otherIdp, sf, {
      password: wrongPassword,
    });
    const user = newUser();
    const result = await run(user, 'CREATE', { idpId: otherIdp, connectorId: otherConnector });
    expect(result).toMatchObject({
      status: 'FAILED',
      attempts: 1,
      error: { code: 'SALESFORCE_INVALID_GRANT', retriable: false },
    });
    expect(result.error.message).toMatch(/invalid_grant \(authentication failure\)/);
    expect(result.error.message).not.toContain(wrongPassword);
    expect(sf.requests).toHaveLength(0);
    expect(await link(user.id, otherConnector)).toBeNull();
  });

  it('gives up on an org that does not answer within the timeout, as a retriable failure', async () => {
    await run(newUser()); // logged in, so only data API calls hang
    sf.inject('hang', 'hang', 'hang');
    const result = await run(newUser());
    expect(result).toMatchObject({
      status: 'FAILED',
      attempts: 3,
      error: { code: 'TIMEOUT', retriable: true },
    });
    expect(result.error.message).toBe(
      `no answer from ${sf.url}/services/data/v62.0/sobjects/User within 400 ms`,
    );
  });

  it('keeps the password, client secret and access tokens out of records and logs', async () => {
    sf.inject('rate-limit', 'server-error', 'token-expired');
    await run(newUser());
    await api.app.services.provisioningLog.drain();
    const records = JSON.stringify(
      await api.app.dataSource.query('SELECT * FROM provisioning_record'),
    );
    expect(sf.issuedTokens.length).toBeGreaterThan(0);
    for (const text of [records, api.logs.join('')]) {
      for (const secret of [
        SALESFORCE_CREDENTIALS.password,
        SALESFORCE_CREDENTIALS.clientSecret,
        ...sf.issuedTokens,
      ])
        expect(text).not.toContain(secret);
    }
  });
});
