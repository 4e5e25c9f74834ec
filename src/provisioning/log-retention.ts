// Keeps the provisioning log from growing for ever: records older than the retention are deleted
// in small batches in the background (short statements, no long lock), FAILED ones after their own,
// longer retention, since they are what replayFailed needs. Portable SQL (MariaDB, MySQL, SQLite).
import type { DataSource } from 'typeorm';
import { logger } from '../common/logger';
import { ProvisioningRecord } from './provisioning-record.entity';

const log = logger('log-retention');
const DAY_MS = 86_400_000;
const BATCH = 1000;

export interface RetentionPolicy {
  /** Days a record is kept; 0 keeps every record. */
  days: number;
  /** Days a FAILED record is kept. */
  failedDays: number;
  /** How often pruning runs. */
  everyMs: number;
}

/** Deletes one batch of expired records; resolves with how many went. */
async function pruneBatch(dataSource: DataSource, policy: RetentionPolicy): Promise<number> {
  // Dates as the driver stores them (SQLite keeps text, MariaDB a datetime).
  const column = dataSource
    .getMetadata(ProvisioningRecord)
    .findColumnWithPropertyName('createdAt')!;
  const stored = (daysAgo: number): unknown =>
    dataSource.driver.preparePersistentValue(new Date(Date.now() - daysAgo * DAY_MS), column);
  const cutoff = stored(policy.days);
  const failedCutoff = stored(policy.failedDays);
  const expired = `createdAt < ? AND (status <> 'FAILED' OR createdAt < ?)`;
  const rows: { id: number | string }[] = await dataSource.query(
    `SELECT id FROM provisioning_record WHERE ${expired} ORDER BY id LIMIT ${BATCH}`,
    [cutoff, failedCutoff],
  );
  if (!rows.length) return 0;
  const last = rows[rows.length - 1].id;
  await dataSource.query(`DELETE FROM provisioning_record WHERE id <= ? AND ${expired}`, [
    last,
    cutoff,
    failedCutoff,
  ]);
  return rows.length;
}

/** Prunes until nothing has expired; returns how many records were deleted. */
export async function pruneLog(dataSource: DataSource, policy: RetentionPolicy): Promise<number> {
  if (policy.days === 0) return 0;
  let total = 0;
  for (
    let n = await pruneBatch(dataSource, policy);
    n > 0;
    n = await pruneBatch(dataSource, policy)
  )
    total += n;
  if (total) log.info({ deleted: total }, 'pruned the provisioning log');
  return total;
}

/** Runs pruneLog now and then every `everyMs`; returns a stop that waits for a run in progress. */
export function startLogRetention(
  dataSource: DataSource,
  policy: RetentionPolicy,
): () => Promise<void> {
  if (policy.days === 0) return () => Promise.resolve();
  let running: Promise<unknown> = Promise.resolve();
  const run = () => {
    running = pruneLog(dataSource, policy).catch((error: unknown) =>
      log.warn({ err: error }, 'pruning the provisioning log failed; it is tried again later'),
    );
  };
  const timer = setInterval(run, policy.everyMs);
  timer.unref();
  run();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
