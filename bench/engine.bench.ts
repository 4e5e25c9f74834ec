// Benchmark: 2,000 users provisioned through the engine (links and records in MariaDB) to the
// local SCIM 2.0 server, against the same 2,000 create requests sent straight to that server, at
// the same concurrency, side by side in one run.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { startApp, type App } from '../src/app';
import { createHttpClient, type HttpClient } from '../src/common/http';
import { configureLogger } from '../src/common/logger';
import { loadConfig } from '../src/config';
import type { ProvisioningUser } from '../src/provisioning/claims';
import {
  ProvisioningOperation,
  ProvisioningStatus,
} from '../src/provisioning/test-provisioning.types';
import {
  BENCH_SCIM_PASSWORD,
  benchUser,
  freshDatabase,
  pool,
  straightCreate,
  type PoolResult,
} from './bench-support';

const USERS = Number(process.env.BENCH_USERS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);

type Result = PoolResult;

function user(prefix: string, i: number): ProvisioningUser {
  const username = `${prefix}${i}@bench.test`;
  return benchUser(username, i, 'bench');
}

async function startScimServer(): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, [path.resolve(__dirname, 'scim-server.process.js')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const first = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
  const url = String(first.value);
  return { url, stop: () => child.kill() };
}

async function configure(app: App, scimUrl: string): Promise<string> {
  const { identityProviders, connectors } = app.services;
  const idp = await identityProviders.create({
    name: 'bench',
    tenantDomain: 'bench',
    enabled: true,
  });
  await connectors.configure(
    idp.id,
    'scim-2',
    { enabled: true },
    {
      username: 'bench',
      password: BENCH_SCIM_PASSWORD,
      userEndpoint: `${scimUrl}/Users`,
      enablePasswordProvisioning: false,
    },
  );
  return idp.id;
}

async function main() {
  const db = await freshDatabase('op_bench_engine');
  const scim = await startScimServer();
  configureLogger('warn');
  const config = loadConfig({
    DATABASE_URL: db.url,
    SECRETS_KEY: Buffer.alloc(32, 7).toString('base64'),
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'op-bench-')),
    PORT: '0',
    LOG_LEVEL: 'warn',
  });
  const app = await startApp(config);
  let http: HttpClient | undefined;
  try {
    const identityProviderId = await configure(app, scim.url);
    // The same HTTP client the connectors use (timeout, JSON, typed errors), so the ratio is what
    // the engine adds: link lookup, decision, retry wrapper, link + record commit.
    const create = straightCreate(
      (http = createHttpClient(config.provisioningTimeoutMs)),
      scim.url,
    );
    const raw = (prefix: string) => (i: number) => create(user(prefix, i));
    const engine = (prefix: string) => async (i: number) => {
      const [outcome] = await app.services.engine.runUser({
        identityProviderId,
        operation: ProvisioningOperation.CREATE,
        user: user(prefix, i),
        dryRun: false,
        source: 'bench',
      });
      return outcome.status === ProvisioningStatus.SUCCEEDED;
    };
    // A full run of each first: the target's and this process's JIT warm up before anything counts.
    await pool('warm-up', USERS, CONCURRENCY, raw('warm-raw-'));
    await pool('warm-up', USERS, CONCURRENCY, engine('warm-engine-'));
    // Two rounds, alternating, so drift in the machine's speed hits both paths alike.
    const rounds = Array.from({ length: Number(process.env.BENCH_ROUNDS ?? 3) }, (_, i) => i + 1);
    const results: Result[] = [];
    for (const round of rounds) {
      results.push(
        await pool(
          `straight to the SCIM server, round ${round}`,
          USERS,
          CONCURRENCY,
          raw(`raw${round}-`),
        ),
      );
      results.push(
        await pool(
          `through the engine (links + records in MariaDB), round ${round}`,
          USERS,
          CONCURRENCY,
          engine(`engine${round}-`),
        ),
      );
    }
    console.log(
      `\nEngine benchmark: ${USERS} user creates per run, ${CONCURRENCY} in flight, SCIM 2.0 server in its own process, MariaDB`,
    );
    console.log('| path | users/s | p50 ms | p99 ms | failures |\n|---|---|---|---|---|');
    for (const r of results)
      console.log(
        `| ${r.name} | ${r.perSecond.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.failures} |`,
      );
    const ratios = rounds.map((_, i) => results[2 * i + 1].perSecond / results[2 * i].perSecond);
    console.log(
      `\nengine/raw throughput ratio per round: ${ratios.map((r) => r.toFixed(2)).join(', ')} (goal ≥ 0.8)`,
    );
  } finally {
    await http?.close();
    await app.close();
    scim.stop();
    await db.drop();
  }
}

void main();
