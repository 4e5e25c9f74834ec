// Benchmark: the provisioning log's filters on a log of about 1,000,000 records (1 % FAILED, spread
// evenly; 10 SKIPPED, all among the oldest) and 200,000 links,
// before and after the migration that adds their indexes, in one run on one MariaDB database:
// provisioningLog(filter: { status: FAILED }) and provisionedEntities(localId:), through the same
// service code the API runs.
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { ENTITIES } from '../src/db/entities';
import { MARIADB_MIGRATIONS } from '../src/db/migrations/mariadb';
import { ProvisioningHistory } from '../src/provisioning/provisioning-history';
import { ProvisioningStatus } from '../src/provisioning/test-provisioning.types';
import { freshDatabase, quantile } from './bench-support';

const DOUBLINGS = 10; // 1,000 seed records × 2^10 ≈ 1,024,000
const USERS = 100_000;
const RUNS = 15;

async function open(url: string, migrations: typeof MARIADB_MIGRATIONS): Promise<DataSource> {
  const ds = new DataSource({
    type: 'mariadb',
    url,
    entities: ENTITIES,
    migrations,
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: false,
  });
  await ds.initialize();
  await ds.runMigrations({ transaction: 'each' });
  return ds;
}

async function fill(ds: DataSource): Promise<number> {
  const idp = '00000000-0000-4000-8000-000000000001';
  const connectors = [
    '00000000-0000-4000-8000-0000000000a1',
    '00000000-0000-4000-8000-0000000000a2',
  ];
  await ds.query(
    "INSERT INTO identity_provider (id, name, tenantDomain) VALUES (?, 'bench', 'bench')",
    [idp],
  );
  for (const [i, id] of connectors.entries())
    await ds.query(
      "INSERT INTO connector (id, identityProviderId, type, config, version) VALUES (?, ?, ?, '{}', 1)",
      [id, idp, `scim-${i}`],
    );
  // 1,000 seed records (1 % FAILED), then doubled: every copy gets a new id and another user.
  const seed = Array.from({ length: 1000 }, (_, i) => [
    idp,
    connectors[i % 2],
    `user-${i}`,
    i % 100 === 0 ? 'FAILED' : 'SUCCEEDED',
  ]);
  await ds.query(
    `INSERT INTO provisioning_record (identityProviderId, connectorId, connectorType, operation, entityType, localId, status, attempts, source)
     VALUES ${seed.map(() => "(?, ?, 'scim-2', 'CREATE', 'USER', ?, ?, 1, 'bench')").join(', ')}`,
    seed.flat(),
  );
  for (let d = 0; d < DOUBLINGS; d++)
    await ds.query(
      `INSERT INTO provisioning_record (identityProviderId, connectorId, connectorType, operation, entityType, localId, status, attempts, source)
       SELECT identityProviderId, connectorId, connectorType, 'UPDATE', entityType,
              CONCAT('user-', (id * 7 + ${d}) % ${USERS}), status, attempts, source FROM provisioning_record`,
    );
  // A rare status, only among the oldest records: the worst case for a newest-first filter.
  await ds.query("UPDATE provisioning_record SET status = 'SKIPPED' WHERE id <= 10");
  for (const id of connectors)
    await ds.query(
      `INSERT INTO provisioned_entity (id, connectorId, entityType, localId, remoteId, lastSyncedAt)
       SELECT UUID(), ?, 'USER', CONCAT('user-', seq), CONCAT('remote-', seq), NOW()
       FROM (SELECT id - 1 AS seq FROM provisioning_record WHERE id <= ${USERS}) AS n`,
      [id],
    );
  const [{ n }] = await ds.query<{ n: number }[]>('SELECT COUNT(*) AS n FROM provisioning_record');
  return Number(n);
}

async function time(
  runs: number,
  task: () => Promise<unknown>,
): Promise<{ p50: number; p99: number }> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await task();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99) };
}

async function measure(ds: DataSource) {
  const history = new ProvisioningHistory(ds);
  const failed = () => history.page({ status: ProvisioningStatus.FAILED }, 20, null);
  const firstPage = await failed();
  const secondPage = () =>
    history.page({ status: ProvisioningStatus.FAILED }, 20, firstPage.pageInfo.endCursor);
  const rare = () => history.page({ status: ProvisioningStatus.SKIPPED }, 20, null);
  return {
    failedFirstPage: await time(RUNS, failed),
    failedSecondPage: await time(RUNS, secondPage),
    rareStatus: await time(RUNS, rare),
    linksByLocalId: await time(RUNS, () => history.links(null, 'user-54321')),
    links: (await history.links(null, 'user-54321')).length,
  };
}

async function main() {
  const db = await freshDatabase('bench_log');
  try {
    const before = await open(db.url, MARIADB_MIGRATIONS.slice(0, 2));
    const started = performance.now();
    const records = await fill(before);
    console.log(
      `filled ${records} records in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    const without = await measure(before);
    await before.destroy();
    const migrating = performance.now();
    const after = await open(db.url, MARIADB_MIGRATIONS);
    console.log(
      `migration (ids, indexes) took ${((performance.now() - migrating) / 1000).toFixed(1)} s`,
    );
    const withIndexes = await measure(after);
    await after.destroy();
    type Key = 'failedFirstPage' | 'failedSecondPage' | 'rareStatus' | 'linksByLocalId';
    const row = (name: string, key: Key) =>
      `| ${name} | ${without[key].p50.toFixed(1)} / ${without[key].p99.toFixed(1)} | ${withIndexes[key].p50.toFixed(1)} / ${withIndexes[key].p99.toFixed(1)} | ${(without[key].p50 / withIndexes[key].p50).toFixed(0)}× |`;
    console.log(`\n${records} records, links found per query: ${withIndexes.links}`);
    console.log('| query | before: p50 / p99 ms | after: p50 / p99 ms | p50 speed-up |');
    console.log('|---|---|---|---|');
    console.log(row('provisioningLog(status: FAILED, first: 20)', 'failedFirstPage'));
    console.log(row('… its second page (after: cursor)', 'failedSecondPage'));
    console.log(
      row('provisioningLog(status: SKIPPED) — 10 records, all among the oldest', 'rareStatus'),
    );
    console.log(row('provisionedEntities(localId:)', 'linksByLocalId'));
  } finally {
    await db.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
