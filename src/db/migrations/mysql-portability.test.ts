// No MySQL 8 server can run here, so every MariaDB migration statement is parsed with MySQL's
// grammar (node-sql-parser): MariaDB-only syntax (the uuid type, IF NOT EXISTS on indexes,
// RETURNING, …) fails this test instead of failing a MySQL 8 deployment at start.
import { Parser } from 'node-sql-parser';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { MARIADB_MIGRATIONS } from './mariadb';

async function statementsOf(migration: MigrationInterface, direction: 'up' | 'down') {
  const statements: string[] = [];
  const runner = { query: async (sql: string) => void statements.push(sql) } as unknown as QueryRunner;
  await migration[direction](runner);
  return statements;
}

const parser = new Parser();
const cases = MARIADB_MIGRATIONS.flatMap((Migration) =>
  (['up', 'down'] as const).map((direction) => [Migration.name, direction, Migration] as const),
);

describe('MariaDB migrations also run on MySQL 8', () => {
  // MariaDB itself runs them for real in every end-to-end test.
  it.each(cases)('%s %s parses as MySQL', async (_name, direction, Migration) => {
    const statements = await statementsOf(new Migration(), direction);
    expect(statements.length).toBeGreaterThan(0);
    for (const sql of statements) expect(() => parser.astify(sql, { database: 'MySQL' })).not.toThrow();
  });

  it('refuses what MySQL 8 does not have', () => {
    for (const sql of [
      'CREATE TABLE `t` (`id` uuid NOT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB',
      'CREATE INDEX IF NOT EXISTS `ix` ON `t` (`a`)',
    ])
      expect(() => parser.astify(sql, { database: 'MySQL' })).toThrow();
  });
});
