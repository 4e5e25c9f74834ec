// Benchmark: testProvisioning previews (Google, Salesforce, SCIM 2.0) against a trivial
// { __typename } query, same server on MariaDB, same concurrency, side by side in one run.
import { configure, CONNECTIONS, load, previewBody, SECONDS } from './api-workloads';
import { freshDatabase, rssMb, startApi } from './bench-support';

async function main() {
  const db = await freshDatabase('op_bench_api');
  const { child, url } = await startApi({
    DATABASE_URL: db.url,
    SECRETS_KEY: Buffer.alloc(32, 9).toString('base64'),
  });
  try {
    const idpId = await configure(url);
    const trivial = JSON.stringify({ query: '{ __typename }' });
    const preview = previewBody(idpId);
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
