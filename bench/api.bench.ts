// Benchmark: testProvisioning previews (Google, Salesforce, SCIM 2.0) against a trivial
// { __typename } query, same server on MariaDB, same concurrency, side by side in one run.
import { generateKeyPairSync } from 'node:crypto';
import autocannon from 'autocannon';
import { freshDatabase, gql, rssMb, startApi } from './bench-support';

const CONNECTIONS = 50;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

interface Run {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(name: string, url: string, body: string, seconds = SECONDS): Promise<Run> {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
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

async function configure(url: string): Promise<string> {
  const idp = await gql<{ createIdentityProvider: { id: string } }>(
    url,
    'mutation { createIdentityProvider(input: { name: "salesforce", tenantDomain: "carbon.super" }) { id } }',
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
  );
  await gql(
    url,
    'mutation($id: ID!, $k: String!) { configureGoogleConnector(identityProviderId: $id, input: { domain: "mygoogledomain.com", serviceAccountEmail: "sa@p.iam.gserviceaccount.com", adminEmail: "om@mygoogledomain.com", privateKey: $k, provisioningPattern: "{UD, UN, TD, IDP}" }) { id } }',
    { id, k: pem },
  );
  await gql(
    url,
    'mutation($id: ID!) { configureSalesforceConnector(identityProviderId: $id, input: { apiVersion: "v62.0", domainName: "https://acme.my.salesforce.com", clientId: "cid", clientSecret: "cs", username: "u@acme.com", password: "pw", provisioningPattern: "{UD, UN, TD, IDP}", provisioningSeparator: "-" }) { id } }',
    { id },
  );
  await gql(
    url,
    'mutation($id: ID!) { configureScimConnector(identityProviderId: $id, input: { version: SCIM_2_0, username: "admin", password: "pw", userEndpoint: "https://scim.example.com/scim2/Users" }) { id } }',
    { id },
  );
  return id;
}

async function main() {
  const db = await freshDatabase('op_bench_api');
  const { child, url } = await startApi({
    DATABASE_URL: db.url,
    SECRETS_KEY: Buffer.alloc(32, 9).toString('base64'),
  });
  try {
    const idpId = await configure(url);
    const trivial = JSON.stringify({ query: '{ __typename }' });
    const preview = JSON.stringify({
      query:
        'mutation($input: TestProvisioningInput!) { testProvisioning(input: $input) { status provisionedId request { method url body } } }',
      variables: {
        input: {
          identityProviderId: idpId,
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
    await load('warm-up', url, trivial, 2);
    await load('warm-up', url, preview, 2);
    const runs = [
      await load('{ __typename }', url, trivial),
      await load('testProvisioning (3 connectors)', url, preview),
    ];
    const rss = rssMb(child.pid!);
    console.log(
      `\nAPI benchmark: ${CONNECTIONS} connections, ${SECONDS} s each, MariaDB, one server process`,
    );
    console.log('| workload | req/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|');
    for (const r of runs)
      console.log(
        `| ${r.name} | ${r.requestsPerSecond.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.errors} |`,
      );
    console.log(
      `\npreview/trivial throughput ratio: ${(runs[1].requestsPerSecond / runs[0].requestsPerSecond).toFixed(2)} (goal ≥ 0.5)`,
    );
    console.log(
      `preview p99: ${runs[1].p99} ms (goal < 20 ms); API RSS after the run: ${rss.toFixed(0)} MB (goal < 150 MB)`,
    );
  } finally {
    child.kill('SIGTERM');
    await db.drop();
  }
}

void main();
