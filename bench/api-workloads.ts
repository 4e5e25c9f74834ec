// The API benchmarks' shared parts: the seed example configured through the API, its preview
// request, and an autocannon run.
import { generateKeyPairSync } from 'node:crypto';
import autocannon from 'autocannon';
import { gql } from './bench-support';

export const CONNECTIONS = 50;
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

export interface Run {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

export async function load(
  name: string,
  url: string,
  body: string,
  seconds = SECONDS,
  headers: Record<string, string> = {},
): Promise<Run> {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    connections: CONNECTIONS,
    duration: seconds,
  });
  const errors = result.errors + result.non2xx;
  return {
    name,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors,
  };
}

/** The seed example's identity provider with Google, Salesforce and SCIM 2.0 connectors. */
export async function configure(
  url: string,
  headers: Record<string, string> = {},
): Promise<string> {
  const idp = await gql<{ createIdentityProvider: { id: string } }>(
    url,
    'mutation { createIdentityProvider(input: { name: "salesforce", tenantDomain: "carbon.super" }) { id } }',
    {},
    headers,
  );
  const id = idp.createIdentityProvider.id;
  const pem = generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  await gql(
    url,
    'mutation($id: ID!, $m: [ClaimMappingInput!]!) { setClaimMappings(identityProviderId: $id, mappings: $m) { id } }',
    {
      id,
      m: [
        { remoteClaim: 'Email', localClaim: 'http://wso2.org/claims/emailaddress' },
        { remoteClaim: 'LastName', localClaim: 'http://wso2.org/claims/lastname' },
        { remoteClaim: 'ProfileId', defaultValue: '00e5g000001AbCdEAF' },
      ],
    },
    headers,
  );
  await gql(
    url,
    'mutation($id: ID!, $k: String!) { configureGoogleConnector(identityProviderId: $id, input: { domain: "mygoogledomain.com", serviceAccountEmail: "sa@p.iam.gserviceaccount.com", adminEmail: "om@mygoogledomain.com", privateKey: $k, provisioningPattern: "{UD, UN, TD, IDP}" }) { id } }',
    { id, k: pem },
    headers,
  );
  await gql(
    url,
    'mutation($id: ID!) { configureSalesforceConnector(identityProviderId: $id, input: { apiVersion: "v62.0", domainName: "https://acme.my.salesforce.com", clientId: "cid", clientSecret: "cs", username: "u@acme.com", password: "pw", provisioningPattern: "{UD, UN, TD, IDP}", provisioningSeparator: "-" }) { id } }',
    { id },
    headers,
  );
  await gql(
    url,
    'mutation($id: ID!) { configureScimConnector(identityProviderId: $id, input: { version: SCIM_2_0, username: "admin", password: "pw", userEndpoint: "https://scim.example.com/scim2/Users" }) { id } }',
    { id },
    headers,
  );
  return id;
}

/** A testProvisioning preview of the seed example's user. */
export function previewBody(identityProviderId: string): string {
  return JSON.stringify({
    query:
      'mutation($input: TestProvisioningInput!) { testProvisioning(input: $input) { status provisionedId request { method url body } } }',
    variables: {
      input: {
        identityProviderId,
        user: {
          username: 'user@provisioning.com',
          claims: [
            { uri: 'http://wso2.org/claims/emailaddress', value: 'user@provisioning.com' },
            { uri: 'http://wso2.org/claims/lastname', value: 'Lee' },
          ],
        },
      },
    },
  });
}
