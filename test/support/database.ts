// A fresh MariaDB database per test file (real server on 127.0.0.1:3306 unless TEST_MYSQL_URL says
// otherwise), or a fresh SQLite file. A missing server fails loudly with the command that fixes it.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createConnection } from 'mysql2/promise';

export type DatabaseKind = 'mariadb' | 'sqlite';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

const SERVER_URL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const START_HINT =
  'start it with: start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd';

async function adminQuery(sql: string): Promise<void> {
  let connection;
  try {
    connection = await createConnection(SERVER_URL);
  } catch (error) {
    throw new Error(
      `MariaDB/MySQL is not reachable at ${SERVER_URL} (${(error as Error).message}); ${START_HINT}`,
    );
  }
  try {
    await connection.query(sql);
  } finally {
    await connection.end();
  }
}

export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'op-sqlite-'));
    return { url: `sqlite:${path.join(dir, 'test.sqlite')}`, drop: async () => undefined };
  }
  const name = `op_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  return {
    url: `${SERVER_URL}/${name}`,
    drop: () => adminQuery(`DROP DATABASE IF EXISTS \`${name}\``),
  };
}
