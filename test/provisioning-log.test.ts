// The provisioning log's group write: when one caller's part of a shared write fails, the others
// still land, and nothing that was already stored is written a second time.
import { randomUUID } from 'node:crypto';
import { pruneLog } from '../src/provisioning/log-retention';
import type { NewRecord } from '../src/provisioning/provisioning-log';
import { ProvisioningRecord } from '../src/provisioning/provisioning-record.entity';
import { startTestApi, type TestApi } from './support/api';
import type { DatabaseKind } from './support/database';

const databases: DatabaseKind[] = ['mariadb', 'sqlite'];

describe.each(databases)('provisioning log on %s', (kind) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi(kind);
  });
  afterAll(async () => api?.close());

  const record = (localId: string): NewRecord => ({
    identityProviderId: null,
    connectorId: null,
    connectorType: 'scim-2',
    operation: 'CREATE',
    entityType: 'USER',
    localId,
    status: 'SUCCEEDED' as NewRecord['status'],
    attempts: 1,
    provisionedId: localId,
    remoteId: `remote-${localId}`,
    errorCode: null,
    errorMessage: null,
    request: null,
    durationMs: 3,
    source: 'test',
  });

  async function count(localId: string): Promise<number> {
    const rows: { n: number | string }[] = await api.app.dataSource.query(
      'SELECT COUNT(*) AS n FROM provisioning_record WHERE localId = ?',
      [localId],
    );
    return Number(rows[0].n);
  }

  it('writes each record once when a link change in the same group write fails', async () => {
    const log = api.app.services.provisioningLog;
    const [first, broken, healthy] = ['first', 'broken', 'healthy'].map((n) => `${n}-${kind}`);
    // In flight first, so the next two queue up and go out together in one group write.
    const inFlight = log.write([record(first)]);
    const badLink = {
      connectorId: randomUUID(), // no such connector: the link insert breaks its foreign key
      entityType: 'USER' as const,
      localId: broken,
      ref: { remoteId: 'r1', remoteName: 'n1' },
    };
    const failing = log.write([record(broken)], [badLink]);
    const succeeding = log.write([record(healthy)]);
    await inFlight;
    await expect(failing).rejects.toBeDefined();
    await expect(succeeding).resolves.toBeUndefined();
    expect([await count(first), await count(broken), await count(healthy)]).toEqual([1, 1, 1]);
  });

  it('prunes records past the retention in batches, keeping failed ones longer', async () => {
    const log = api.app.services.provisioningLog;
    const tag = `aged-${kind}`;
    const rows: [string, string, number][] = [
      // localId suffix, status, age in days
      ['new-ok', 'SUCCEEDED', 1],
      ['old-ok', 'SUCCEEDED', 100],
      ['old-skip', 'SKIPPED', 100],
      ['old-failed', 'FAILED', 100],
      ['ancient-failed', 'FAILED', 400],
    ];
    await log.write(
      rows.map(([id, status]) => ({ ...record(`${tag}-${id}`), status }) as NewRecord),
    );
    // Many more old ones than one batch holds.
    const bulk = Array.from({ length: 2500 }, (_, i) => record(`${tag}-bulk-${i}`));
    for (let i = 0; i < bulk.length; i += 500) await log.write(bulk.slice(i, i + 500));
    const age = (days: number) => new Date(Date.now() - days * 86_400_000);
    const setAge = (pattern: string, days: number) =>
      api.app.dataSource
        .createQueryBuilder()
        .update(ProvisioningRecord)
        .set({ createdAt: age(days) })
        .where('localId LIKE :pattern', { pattern })
        .execute();
    for (const [id, , days] of rows) await setAge(`${tag}-${id}`, days);
    await setAge(`${tag}-bulk-%`, 200);

    const deleted = await pruneLog(api.app.dataSource, { days: 90, failedDays: 365, everyMs: 0 });
    expect(deleted).toBeGreaterThanOrEqual(2503);
    const left: { localId: string }[] = await api.app.dataSource.query(
      'SELECT localId FROM provisioning_record WHERE localId LIKE ? ORDER BY localId',
      [`${tag}-%`],
    );
    expect(left.map((r) => r.localId)).toEqual([`${tag}-new-ok`, `${tag}-old-failed`]);
    expect(await pruneLog(api.app.dataSource, { days: 0, failedDays: 1, everyMs: 0 })).toBe(0);
  });
});
