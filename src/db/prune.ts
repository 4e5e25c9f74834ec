// Keeps append-only tables (the provisioning log, the audit trail) from growing for ever: expired
// rows are deleted in small batches (short statements, no long lock), in the background, never
// blocking a request. Portable SQL (MariaDB, MySQL, SQLite).
import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { logger } from '../common/logger';

const BATCH = 1000;
const DAY_MS = 86_400_000;

/** `days` ago as the driver stores a date column (SQLite keeps text, MariaDB a datetime). */
export function storedDaysAgo(
  dataSource: DataSource,
  entity: EntityTarget<ObjectLiteral>,
  property: string,
  days: number,
): unknown {
  const column = dataSource.getMetadata(entity).findColumnWithPropertyName(property)!;
  return dataSource.driver.preparePersistentValue(new Date(Date.now() - days * DAY_MS), column);
}

/**
 * Deletes the rows of `table` matching `expired` (with `params`), oldest id first, a batch at a
 * time; resolves with how many went.
 */
export async function pruneExpired(
  dataSource: DataSource,
  table: string,
  expired: string,
  params: unknown[],
): Promise<number> {
  let total = 0;
  for (;;) {
    const rows: { id: number | string }[] = await dataSource.query(
      `SELECT id FROM ${table} WHERE ${expired} ORDER BY id LIMIT ${BATCH}`,
      params,
    );
    if (!rows.length) return total;
    const last = rows[rows.length - 1].id;
    await dataSource.query(`DELETE FROM ${table} WHERE id <= ? AND ${expired}`, [last, ...params]);
    total += rows.length;
  }
}

/** Runs `prune` now and then every `everyMs`; returns a stop that waits for a run in progress. */
export function pruneInBackground(
  what: string,
  prune: () => Promise<number>,
  everyMs: number,
): () => Promise<void> {
  const log = logger('retention');
  let running: Promise<unknown> = Promise.resolve();
  const run = () => {
    running = prune().then(
      (deleted) => deleted && log.info({ deleted }, `pruned ${what}`),
      (error: unknown) =>
        log.warn({ err: error }, `pruning ${what} failed; it is tried again later`),
    );
  };
  const timer = setInterval(run, everyMs);
  timer.unref();
  run();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
