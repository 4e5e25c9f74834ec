// Builds the TypeORM data source for MariaDB/MySQL or SQLite and runs that dialect's migrations;
// `synchronize` is never used.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DataSource } from 'typeorm';
import type { DatabaseConfig } from '../config';
import { ENTITIES } from './entities';
import { MARIADB_MIGRATIONS } from './migrations/mariadb';
import { SQLITE_MIGRATIONS } from './migrations/sqlite';

export function createDataSource(database: DatabaseConfig): DataSource {
  if (database.type === 'mariadb') {
    return new DataSource({
      type: 'mariadb',
      url: database.url,
      entities: ENTITIES,
      migrations: MARIADB_MIGRATIONS,
      charset: 'utf8mb4_unicode_ci',
      timezone: 'Z',
      poolSize: 20,
      // BIGINT (the log's id) as a number while it is exact, a string only beyond 2^53.
      supportBigNumbers: true,
      bigNumberStrings: false,
    });
  }
  if (database.database !== ':memory:')
    mkdirSync(path.dirname(database.database), { recursive: true });
  return new DataSource({
    type: 'better-sqlite3',
    database: database.database,
    entities: ENTITIES,
    migrations: SQLITE_MIGRATIONS,
    prepareDatabase: (db: { pragma(s: string): unknown }) => {
      db.pragma('journal_mode = WAL');
      db.pragma('foreign_keys = ON');
    },
  });
}

export async function openDatabase(database: DatabaseConfig): Promise<DataSource> {
  const dataSource = createDataSource(database);
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  return dataSource;
}
