// Benchmark (issue 11): what authorisation and tenant scoping cost. The same testProvisioning
// preview sent with the static API_TOKEN (a platform administrator: no tenant lookup) and with a
// tenant administrator's OIDC access token (RS256 signature checked against its realm's keys,
// roles read, the identity provider's tenant checked), side by side in one run, alternating.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { configure, CONNECTIONS, load, previewBody, type Run } from './api-workloads';
import { freshDatabase, startApi } from './bench-support';

const ROUNDS = Number(process.env.BENCH_TENANCY_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const STATIC = 'bench-static-token-0123456789';
const TENANT = 'carbon.super';

/** A Keycloak-shaped issuer with one realm, the identity provider's tenant. */
async function issuer() {
  const pair = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' };
  let base = '';
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    const realm = `${base}/realms/${TENANT}`;
    if (req.url === `/realms/${TENANT}/.well-known/openid-configuration`)
      return res.end(JSON.stringify({ issuer: realm, jwks_uri: `${realm}/certs` }));
    if (req.url === `/realms/${TENANT}/certs`) return res.end(JSON.stringify({ keys: [jwk] }));
    res.statusCode = 404;
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const token = await new SignJWT({
    azp: 'provisioning-api',
    resource_access: { 'provisioning-api': { roles: ['provisioning-admin'] } },
  })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(`${base}/realms/${TENANT}`)
    .setAudience('provisioning-api')
    .setSubject('tenant-admin')
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(pair.privateKey);
  return { server, base, token };
}

async function main() {
  const db = await freshDatabase('op_bench_tenancy');
  const oidc = await issuer();
  const { child, url } = await startApi({
    DATABASE_URL: db.url,
    SECRETS_KEY: Buffer.alloc(32, 9).toString('base64'),
    API_TOKEN: STATIC,
    OIDC_KEYCLOAK_URL: oidc.base,
    OIDC_CLIENT_ID: 'provisioning-api',
    HOST: '127.0.0.1',
  });
  try {
    const asStatic = { authorization: `Bearer ${STATIC}` };
    const asTenant = { authorization: `Bearer ${oidc.token}` };
    const preview = previewBody(await configure(url, asStatic));
    await load('warm-up', url, preview, 2, asStatic);
    await load('warm-up', url, preview, 2, asTenant);
    const runs: { static: Run[]; tenant: Run[] } = { static: [], tenant: [] };
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which goes first, so drift in the machine's speed hits both alike.
      for (const who of round % 2
        ? (['tenant', 'static'] as const)
        : (['static', 'tenant'] as const))
        runs[who].push(
          await load(who, url, preview, SECONDS, who === 'static' ? asStatic : asTenant),
        );
    }
    const failed = [...runs.static, ...runs.tenant].reduce((n, r) => n + r.errors, 0);
    const mean = (rs: Run[]) => rs.reduce((n, r) => n + r.requestsPerSecond, 0) / rs.length;
    const ratio = mean(runs.tenant) / mean(runs.static);
    console.log(
      `\nTenancy benchmark: testProvisioning preview (3 connectors), ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${SECONDS} s, MariaDB`,
    );
    console.log('| caller | req/s per round | mean | p99 ms per round |\n|---|---|---|---|');
    for (const [name, rs] of [
      ['API_TOKEN (platform administrator)', runs.static],
      ['tenant administrator, OIDC token', runs.tenant],
    ] as const)
      console.log(
        `| ${name} | ${rs.map((r) => r.requestsPerSecond.toFixed(0)).join(', ')} | ${mean(rs).toFixed(0)} | ${rs.map((r) => r.p99).join(', ')} |`,
      );
    console.log(
      `\ntenant / static throughput: ${ratio.toFixed(2)} (goal ≥ 0.9: ${ratio >= 0.9 ? 'met' : 'not met'}); failed requests: ${failed}`,
    );
  } finally {
    child.kill('SIGTERM');
    oidc.server.close();
    await db.drop();
  }
}

void main();
