// A MariaDB database made before ids became char(36) (MariaDB's own uuid type, as the first
// migrations made them) upgrades with its rows, joins and cascades intact.
import { DataSource } from 'typeorm';
import { MARIADB_MIGRATIONS } from '../src/db/migrations/mariadb';
import { SQLITE_MIGRATIONS } from '../src/db/migrations/sqlite';
import { setIdColumnType } from '../src/db/migrations/mariadb/1796100000000-PortableIdsAndLogIndexes';
import { createTestDatabase, type TestDatabase } from './support/database';

const IDP = '11111111-2222-4333-8444-555555555555';
const CONNECTOR = '21111111-2222-4333-8444-555555555555';

describe('upgrading an existing MariaDB database', () => {
  let db: TestDatabase;
  let ds: DataSource;
  const columnType = async (table: string, column: string) =>
    (
      await ds.query<{ t: string }[]>(
        'SELECT DATA_TYPE AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ?',
        [table, column],
      )
    )[0].t;

  beforeAll(async () => {
    db = await createTestDatabase('mariadb');
    ds = new DataSource({
      type: 'mariadb',
      url: db.url,
      migrations: MARIADB_MIGRATIONS.slice(0, 2),
      supportBigNumbers: true,
      bigNumberStrings: false,
    });
    await ds.initialize();
    await ds.runMigrations();
    const runner = ds.createQueryRunner();
    await setIdColumnType(runner, 'uuid'); // as those migrations made the ids before
    await runner.release();
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('converts uuid ids to char(36), widens the log id, and keeps every row', async () => {
    expect(await columnType('connector', 'identityProviderId')).toBe('uuid');
    await ds.query(
      "INSERT INTO identity_provider (id, name, tenantDomain) VALUES (?, 'old', 'acme')",
      [IDP],
    );
    await ds.query(
      "INSERT INTO connector (id, identityProviderId, type, config, version) VALUES (?, ?, 'scim-2', '{}', 1)",
      [CONNECTOR, IDP],
    );
    await ds.query(
      "INSERT INTO provisioned_entity (id, connectorId, entityType, localId, remoteId, lastSyncedAt) VALUES (UUID(), ?, 'USER', 'u1', 'r1', NOW())",
      [CONNECTOR],
    );
    await ds.query(
      "INSERT INTO provisioning_record (identityProviderId, connectorId, operation, entityType, localId, status, source) VALUES (?, ?, 'CREATE', 'USER', 'u1', 'SUCCEEDED', 'old')",
      [IDP, CONNECTOR],
    );

    const runner = ds.createQueryRunner();
    await new MARIADB_MIGRATIONS[2]().up(runner);
    await runner.release();

    expect(await columnType('connector', 'identityProviderId')).toBe('char');
    expect(await columnType('provisioning_record', 'id')).toBe('bigint');
    const joined = await ds.query(
      `SELECT e.localId, c.id AS connectorId, r.source FROM provisioned_entity e
       JOIN connector c ON c.id = e.connectorId
       JOIN provisioning_record r ON r.connectorId = c.id WHERE c.identityProviderId = ?`,
      [IDP],
    );
    expect(joined).toEqual([{ localId: 'u1', connectorId: CONNECTOR, source: 'old' }]);
    // The restored foreign keys still cascade.
    await ds.query('DELETE FROM identity_provider WHERE id = ?', [IDP]);
    const [{ n }] = await ds.query<{ n: number }[]>('SELECT COUNT(*) AS n FROM provisioned_entity');
    expect(Number(n)).toBe(0);
  });
});

// The connector pace (issue 9) added a column: connectors configured before keep every value and
// get no pace of their own (null: the type's default). The audit trail (issue 11) added a table:
// the rows before it stay as they were. Syncs walk users before groups since: open jobs move.
describe.each([
  ['mariadb', MARIADB_MIGRATIONS],
  ['sqlite', SQLITE_MIGRATIONS],
] as const)('upgrading a %s database with connectors', (kind, migrations) => {
  let db: TestDatabase;
  let ds: DataSource;
  const pace = migrations.findIndex((m) => m.name.startsWith('ConnectorPace'));
  const usersFirst = migrations.findIndex((m) => m.name.startsWith('SyncUsersFirst'));
  const run = async (from: number, to: number) => {
    const runner = ds.createQueryRunner();
    for (const Migration of migrations.slice(from, to)) await new Migration().up(runner);
    await runner.release();
  };
  const connectorRow = () =>
    ds.query<Record<string, unknown>[]>(
      'SELECT type, config, version, maxRequestsPerSecond FROM connector WHERE id = ?',
      [CONNECTOR],
    );

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    ds = new DataSource(
      kind === 'sqlite'
        ? { type: 'better-sqlite3', database: db.url.slice('sqlite:'.length) }
        : { type: 'mariadb', url: db.url },
    );
    await ds.initialize();
    await run(0, pace);
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('keeps the connector rows and gives them no pace of their own', async () => {
    await ds.query(
      "INSERT INTO identity_provider (id, name, tenantDomain, enabled, createdAt, updatedAt) VALUES (?, 'old', 'acme', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
      [IDP],
    );
    await ds.query(
      "INSERT INTO connector (id, identityProviderId, type, enabled, config, version, createdAt, updatedAt) VALUES (?, ?, 'scim-2', 1, '{\"userEndpoint\":\"https://scim.example/Users\"}', 3, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
      [CONNECTOR, IDP],
    );
    await run(pace, pace + 1);
    expect(await connectorRow()).toEqual([
      {
        type: 'scim-2',
        config: '{"userEndpoint":"https://scim.example/Users"}',
        version: 3,
        maxRequestsPerSecond: null,
      },
    ]);
  });

  it('keeps every row through the audit trail, whose table then takes entries', async () => {
    const before = await connectorRow();
    await run(pace + 1, usersFirst);
    expect(await connectorRow()).toEqual(before);
    expect(await ds.query('SELECT name, tenantDomain FROM identity_provider')).toEqual([
      { name: 'old', tenantDomain: 'acme' },
    ]);
    await ds.query(
      `INSERT INTO audit_entry (operation, outcome, actorSubject, actorIssuer, objectIds) VALUES ('removeConnector', 'OK', 's', 'api-token', '{}')`,
    );
    expect(await ds.query('SELECT operation, outcome FROM audit_entry')).toEqual([
      { operation: 'removeConnector', outcome: 'OK' },
    ]);
  });

  it('moves open syncs of the groups-first order to where the users-first order would be', async () => {
    const job = (id: string, status: string, phase: string) =>
      ds.query(
        `INSERT INTO sync_job (id, identityProviderId, status, dryRun, triggeredBy, phase, walkState, createdAt) VALUES (?, ?, ?, 0, 'api', ?, '{"stack":[]}', '2026-01-01 00:00:00')`,
        [id, IDP, status, phase],
      );
    await job('walking-groups', 'RUNNING', 'GROUPS');
    await job('queued', 'QUEUED', 'GROUPS');
    await job('settling', 'RUNNING', 'SETTLE');
    await job('deleting', 'NEEDS_CONFIRMATION', 'DELETIONS');
    await job('done', 'SUCCEEDED', 'GROUPS');
    await run(usersFirst, migrations.length);
    expect(await ds.query('SELECT id, phase, walkState FROM sync_job ORDER BY id')).toEqual([
      { id: 'deleting', phase: 'DELETIONS', walkState: '{"stack":[]}' },
      { id: 'done', phase: 'GROUPS', walkState: '{"stack":[]}' },
      { id: 'queued', phase: 'USERS', walkState: null },
      { id: 'settling', phase: 'USERS_SETTLE', walkState: null },
      { id: 'walking-groups', phase: 'USERS', walkState: null },
    ]);
  });

  it('indexes the membership links a database already has by their group, keeping them', async () => {
    const byGroup = migrations.findIndex((m) => m.name.startsWith('MemberLinksByGroup'));
    const runner = ds.createQueryRunner();
    await new migrations[byGroup]().down(runner); // the database as it was before the index
    await runner.release();
    const link = (localId: string, remoteId: string) =>
      ds.query(
        `INSERT INTO provisioned_entity (id, connectorId, entityType, localId, remoteId, lastSyncedAt) VALUES (?, ?, 'MEMBER', ?, ?, '2026-01-01 00:00:00')`,
        [
          `${localId.padEnd(8, '0').slice(0, 8)}-0000-4000-8000-000000000000`,
          CONNECTOR,
          localId,
          remoteId,
        ],
      );
    await link('u1:g1', 'remote-g1');
    await link('u2:g1', 'remote-g1');
    await run(byGroup, byGroup + 1);
    const indexes =
      kind === 'sqlite'
        ? await ds.query(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'ix_link_remote'",
          )
        : await ds.query(
            "SELECT DISTINCT INDEX_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'provisioned_entity' AND INDEX_NAME = 'ix_link_remote'",
          );
    expect(indexes).toEqual([{ name: 'ix_link_remote' }]);
    const rows = await ds.query(
      "SELECT localId FROM provisioned_entity WHERE connectorId = ? AND entityType = 'MEMBER' AND remoteId = 'remote-g1' ORDER BY localId",
      [CONNECTOR],
    );
    expect(rows).toEqual([{ localId: 'u1:g1' }, { localId: 'u2:g1' }]);
  });
});
