// Writes the provisioning log with group commit: records (and the link changes they report)
// queued while a write is in flight go out together in the next multi-row statements, and each
// caller resolves once its rows are stored. One write serves many provisioning calls.
import type { DataSource } from 'typeorm';
import { logger } from '../common/logger';
import { applyLinkChanges, type LinkChange } from './links';
import type { ProvisioningRecord } from './provisioning-record.entity';

const log = logger('provisioning-log');

export type NewRecord = Omit<ProvisioningRecord, 'id' | 'createdAt'>;

interface Pending {
  records: NewRecord[];
  links: LinkChange[];
  resolve(): void;
  reject(error: unknown): void;
}

const MAX_ROWS_PER_INSERT = 500;
const COLUMNS = [
  'identityProviderId',
  'connectorId',
  'connectorType',
  'operation',
  'entityType',
  'localId',
  'status',
  'attempts',
  'provisionedId',
  'remoteId',
  'errorCode',
  'errorMessage',
  'request',
  'durationMs',
  'source',
] as const satisfies readonly (keyof NewRecord)[];
const ROW_PLACEHOLDERS = `(${COLUMNS.map(() => '?').join(', ')})`;

/** One multi-row INSERT in plain SQL (valid in MariaDB and SQLite); id and createdAt are defaults. */
function insertSql(records: NewRecord[]): [string, unknown[]] {
  const sql = `INSERT INTO provisioning_record (${COLUMNS.join(', ')}) VALUES ${records.map(() => ROW_PLACEHOLDERS).join(', ')}`;
  const params = records.flatMap((r) =>
    COLUMNS.map((c) =>
      c === 'request' ? (r.request === null ? null : JSON.stringify(r.request)) : r[c],
    ),
  );
  return [sql, params];
}

export class ProvisioningLog {
  private queue: Pending[] = [];
  private flushing = false;

  constructor(private readonly dataSource: DataSource) {}

  /**
   * Queues records for the next group INSERT. Previews do not wait for it (they change nothing
   * remote, so a crash may lose only their log lines); provisioning attempts await `written`.
   */
  append(records: NewRecord[]): void {
    this.write(records).catch((error: unknown) =>
      log.error({ err: error, records: records.length }, 'provisioning log write failed'),
    );
  }

  /** Resolves once everything queued so far is stored (used at shutdown). */
  async drain(): Promise<void> {
    while (this.flushing || this.queue.length)
      await new Promise((resolve) => setTimeout(resolve, 5));
  }

  /**
   * Resolves when the records, and the link changes they report, are stored in one transaction;
   * payloads must already be redacted.
   */
  write(records: NewRecord[], links: LinkChange[] = []): Promise<void> {
    if (!records.length && !links.length) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ records, links, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  /**
   * The records and the link changes, as two statements side by side rather than one transaction
   * (measured: half the wait). A crash between them heals on the retried event: a link without
   * its record makes the retry an idempotent update; a record without its link makes it a create
   * that finds the target's copy and adopts it.
   */
  private async store(batch: Pending[]): Promise<void> {
    const records = batch.flatMap((p) => p.records);
    const links = batch.flatMap((p) => p.links);
    await Promise.all([
      links.length ? applyLinkChanges(this.dataSource.manager, links) : null,
      records.length ? this.dataSource.query(...insertSql(records)) : null,
    ]);
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.queue.length) {
      const batch: Pending[] = [];
      let rows = 0;
      while (
        this.queue.length &&
        (rows === 0 || rows + this.queue[0].records.length <= MAX_ROWS_PER_INSERT)
      ) {
        const next = this.queue.shift()!;
        rows += next.records.length;
        batch.push(next);
      }
      try {
        await this.store(batch);
        batch.forEach((p) => p.resolve());
      } catch (error) {
        if (batch.length === 1) batch[0].reject(error);
        // One bad entry must not fail the others: store each caller's part on its own.
        else
          await Promise.all(
            batch.map((p) =>
              this.store([p]).then(
                () => p.resolve(),
                (e: unknown) => p.reject(e),
              ),
            ),
          );
      }
    }
    this.flushing = false;
  }
}
