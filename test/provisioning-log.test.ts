// The provisioning log's group write: when one caller's part of a shared write fails, the others
// still land, and nothing that was already stored is written a second time.
import { randomUUID } from 'node:crypto';
import type { NewRecord } from '../src/provisioning/provisioning-log';
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
});
