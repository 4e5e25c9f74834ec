// Shared pieces for benchmarks: a fresh MariaDB database, the API as a child process, RSS readings.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createConnection } from 'mysql2/promise';

/** Basic-auth password of the benchmark's local SCIM server. */
export const BENCH_SCIM_PASSWORD = 'bench-scim-pw';

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

export async function gql<T>(url: string, query: string, variables: object = {}): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const json = (await response.json()) as { data?: T; errors?: unknown };
  if (json.errors || !json.data) throw new Error(JSON.stringify(json.errors));
  return json.data;
}
