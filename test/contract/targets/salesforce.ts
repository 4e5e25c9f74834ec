// The Salesforce connector type against the local Salesforce server: OAuth2 password login, the
// User sobject, SOQL adoption, and delete as deactivation.
import { FakeSalesforceServer, type SalesforceCredentials } from '../../fakes/salesforce-server';
import { ok, type TestApi } from '../../support/api';
import * as doc from '../../support/documents';
import type { ContractFault, ContractTarget } from '../contract-target';

export const SALESFORCE_CREDENTIALS: SalesforceCredentials = {
  clientId: '3MVG9fakeConsumerKeyForContractTests0000000000000000',
  clientSecret: 'sf-client-secret-Jt5w',
  username: 'integration@acme-sf.test',
  password: 'sf-password-Qm4zSECTOKENx9Lp2',
};
export const PROVISIONING_DOMAIN = 'sf.acme.test';
const PROFILE_ID = '00e5g000001AbCdEAF';

const DEFAULTS = {
  Alias: 'alovelac',
  ProfileId: PROFILE_ID,
  EmailEncodingKey: 'UTF-8',
  LanguageLocaleKey: 'en_US',
  LocaleSidKey: 'en_US',
  TimeZoneSidKey: 'America/Los_Angeles',
};

/** The generic suite's users carry e-mail, given name and last name; the rest are defaults. */
export const CLAIM_MAPPINGS = [
  { remoteClaim: 'Email', localClaim: 'http://wso2.org/claims/emailaddress' },
  { remoteClaim: 'FirstName', localClaim: 'http://wso2.org/claims/givenname' },
  { remoteClaim: 'LastName', localClaim: 'http://wso2.org/claims/lastname' },
  ...Object.entries(DEFAULTS).map(([remoteClaim, defaultValue]) => ({ remoteClaim, defaultValue })),
];

/** Sets the claim mappings the required User fields need and configures the connector. */
export async function configureSalesforce(
  api: TestApi,
  identityProviderId: string,
  server: FakeSalesforceServer,
  overrides: Record<string, string> = {},
): Promise<string> {
  ok(await api.gql(doc.SET_MAPPINGS, { id: identityProviderId, m: CLAIM_MAPPINGS }));
  const input = {
    apiVersion: 'v62.0',
    domainName: server.url,
    clientId: SALESFORCE_CREDENTIALS.clientId,
    clientSecret: SALESFORCE_CREDENTIALS.clientSecret,
    username: SALESFORCE_CREDENTIALS.username,
    password: SALESFORCE_CREDENTIALS.password,
    tokenEndpoint: server.tokenEndpoint,
    provisioningDomain: PROVISIONING_DOMAIN,
    ...overrides,
  };
  const data = ok(await api.gql(doc.CONFIGURE_SALESFORCE, { id: identityProviderId, input }));
  return data.configureSalesforceConnector.id as string;
}

/** Pattern {UN}, lower-cased; then the domain rule: "@" becomes "." and "@domain" is added. */
export function salesforceUsername(username: string): string {
  const id = username.toLowerCase();
  return id.endsWith(PROVISIONING_DOMAIN)
    ? id
    : `${id.split('@').join('.')}@${PROVISIONING_DOMAIN}`;
}

export function salesforceTarget(): ContractTarget {
  const server = new FakeSalesforceServer(SALESFORCE_CREDENTIALS);
  const userWrites = () =>
    server.requests.filter(
      (r) => (r.method === 'POST' || r.method === 'PATCH') && r.path.includes('/sobjects/User'),
    );
  return {
    name: 'Salesforce',
    hasGroups: false,
    deleteLeaves: 'inactive-user',
    renewsToken: true,
    throttleRetryAfterMs: null,
    get secrets() {
      return [
        SALESFORCE_CREDENTIALS.password,
        SALESFORCE_CREDENTIALS.clientSecret,
        ...server.issuedTokens,
      ];
    },
    start: async () => void (await server.start()),
    stop: () => server.stop(),
    reset: () => server.reset(),
    configure: (api, identityProviderId) => configureSalesforce(api, identityProviderId, server),
    expectedName: salesforceUsername,
    readUser(remoteId) {
      const user = server.users.get(remoteId);
      if (!user) return undefined;
      return {
        name: user.Username,
        givenName: user.FirstName ?? null,
        familyName: user.LastName ?? null,
        active: user.IsActive !== false,
      };
    },
    readGroup: () => undefined,
    dropUser: (remoteId) => void server.users.delete(remoteId),
    seedUser: (name) =>
      server.seed({ ...DEFAULTS, Username: name, Email: name, FirstName: 'Old', LastName: 'Old' }),
    inject(fault: ContractFault, count = 1) {
      for (let i = 0; i < count; i++) server.inject(fault);
    },
    writes: () => userWrites().filter((r) => r.status >= 200 && r.status < 300).length,
    lastUserWriteBody: () => userWrites().at(-1)?.body ?? null,
  };
}
