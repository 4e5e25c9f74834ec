// Shared pieces for benchmarks: a fresh MariaDB database, the API as a child process, RSS readings.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { createConnection } from 'mysql2/promise';
import type { HttpClient } from '../src/common/http';
import { SCIM_2_0 } from '../src/connector-types/scim/scim-dialect';
import { scimTarget, userResource } from '../src/connector-types/scim/scim-requests';
import { claimsFrom, type ProvisioningUser } from '../src/provisioning/claims';

export { freePort } from '../test/support/ports';

/** Basic-auth password of the benchmark's local SCIM server. */
export const BENCH_SCIM_PASSWORD = 'bench-scim-pw';
const BENCH_SCIM_AUTH = `Basic ${Buffer.from(`bench:${BENCH_SCIM_PASSWORD}`).toString('base64')}`;

/**
 * The raw path of the benchmarks: `POST /Users` straight to the local SCIM 2.0 server with the
 * connectors' HTTP client; true when it answered 201.
 */
export function straightCreate(http: HttpClient, scimUrl: string) {
  const target = scimTarget(SCIM_2_0, { userEndpoint: `${scimUrl}/Users` });
  return async (user: ProvisioningUser): Promise<boolean> => {
    const response = await http.send({
      method: 'POST',
      url: target.userEndpoint,
      headers: { authorization: BENCH_SCIM_AUTH },
      body: userResource(target, user, []).resource,
    });
    return response.status === 201;
  };
}

export const MYSQL = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

export async function freshDatabase(
  prefix: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const c = await createConnection(MYSQL);
    await c.query(sql);
    await c.end();
  };
  await admin(`CREATE DATABASE \`${name}\``);
  return { url: `${MYSQL}/${name}`, drop: () => admin(`DROP DATABASE IF EXISTS \`${name}\``) };
}

export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

export async function startApi(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string }> {
  const port = String(4300 + Math.floor(Math.random() * 500));
  const child = spawn(process.execPath, [path.resolve(__dirname, '../src/main.js')], {
    env: { ...process.env, PORT: port, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}/graphql`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url.replace('/graphql', '/readyz'))).ok) return { child, url };
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error('the API did not become ready');
}

export async function gql<T>(
  url: string,
  query: string,
  variables: object = {},
  headers: Record<string, string> = {},
): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const json = (await response.json()) as { data?: T; errors?: unknown };
  if (json.errors || !json.data) throw new Error(JSON.stringify(json.errors));
  return json.data;
}

/**
 * The local SCIM 2.0 server (bench/scim-server.process.ts) in its own process. With `--stats` it
 * also serves the stats URL (creates received per userName, users created per prefix).
 */
export async function startScimProcess(
  args: string[] = [],
): Promise<{ url: string; statsUrl: string | null; pid: number; stop(): void }> {
  const child = spawn(
    process.execPath,
    [path.resolve(__dirname, 'scim-server.process.js'), ...args],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const url = String((await lines.next()).value);
  const statsUrl = args.includes('--stats') ? String((await lines.next()).value) : null;
  return { url, statsUrl, pid: child.pid!, stop: () => child.kill() };
}

/** The q-quantile (0..1) of an ascending list, nearest rank. */
export function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** CPU time (user + system, seconds) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks; CLK_TCK is 100 on Linux
}

/** A benchmark user with an email, given name and a numbered last name. */
export function benchUser(username: string, i: number, tenantDomain: string): ProvisioningUser {
  const email = username.includes('@') ? username : `${username}@bench.test`;
  return {
    id: username,
    username,
    userStoreDomain: null,
    tenantDomain,
    claims: claimsFrom(
      [
        { uri: 'http://wso2.org/claims/emailaddress', value: email },
        { uri: 'http://wso2.org/claims/givenname', value: 'Bench' },
        { uri: 'http://wso2.org/claims/lastname', value: `User ${i}` },
      ],
      username,
    ),
  };
}

export interface PoolResult {
  name: string;
  perSecond: number;
  p50: number;
  p99: number;
  failures: number;
}

/**
 * Runs `task` for 0..n-1 with `concurrency` in flight (a task answering false, or throwing, is a
 * failure); the overall rate and per-task latency percentiles.
 */
export async function pool(
  name: string,
  n: number,
  concurrency: number,
  task: (i: number) => Promise<boolean>,
): Promise<PoolResult> {
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        const t = performance.now();
        if (!(await task(i).catch(() => false))) failures++;
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { name, perSecond: n / seconds, p50: at(0.5), p99: at(0.99), failures };
}

/** A figure for a report table: thousands separated, `digits` decimals. */
export const figure = (x: number, digits = 0) =>
  x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A goal's verdict for a report table. */
export const verdict = (ok: boolean) => (ok ? '**met**' : '**not met**');
