// The sync_object rows of a sync: what its walk found (and sent), and from them the linked
// objects Keycloak no longer has. Plain SQL valid in MySQL 8, MariaDB and SQLite.
import type { DataSource } from 'typeorm';
import { retryOnDeadlock } from '../../src/db/deadlock';
import type { SyncJob } from '../../src/sync/sync-job.entity';

export type EntityType = 'USER' | 'GROUP';

/** Records objects as sent and not yet converged; an object already recorded stays as it is. */
export async function recordObjects(
  dataSource: DataSource,
  jobId: string,
  entityType: EntityType,
  ids: string[],
): Promise<void> {
  const sqlite = dataSource.options.type === 'better-sqlite3';
  const rows = ids.map(() => '(?, ?, ?)').join(', ');
  await retryOnDeadlock(() =>
    dataSource.query(
      `INSERT ${sqlite ? 'OR IGNORE' : 'IGNORE'} INTO sync_object (jobId, entityType, localId) VALUES ${rows}`,
      ids.flatMap((id) => [jobId, entityType, id]),
    ),
  );
}

/**
 * The local ids linked at the job's connectors that its walk did not find, and how many are
 * linked in all (the safeguard's base).
 */
export async function deletionCandidates(
  dataSource: DataSource,
  job: Pick<SyncJob, 'id' | 'identityProviderId' | 'connectorId'>,
  entityType: EntityType,
): Promise<{ candidates: string[]; linked: number }> {
  const scope = job.connectorId ? 'AND pe.connectorId = ?' : '';
  const params = [
    job.identityProviderId,
    entityType,
    ...(job.connectorId ? [job.connectorId] : []),
  ];
  const from = `FROM provisioned_entity pe JOIN connector c ON c.id = pe.connectorId
    WHERE c.identityProviderId = ? AND pe.entityType = ? ${scope}`;
  const [{ n }]: { n: number | string }[] = await dataSource.query(
    `SELECT COUNT(DISTINCT pe.localId) AS n ${from}`,
    params,
  );
  const rows: { localId: string }[] = await dataSource.query(
    `SELECT DISTINCT pe.localId ${from}
       AND NOT EXISTS (SELECT 1 FROM sync_object s
                       WHERE s.jobId = ? AND s.entityType = pe.entityType AND s.localId = pe.localId)
     ORDER BY pe.localId`,
    [...params, job.id],
  );
  return { candidates: rows.map((r) => r.localId), linked: Number(n) };
}
