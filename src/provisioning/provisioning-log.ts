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
   * that finds the target's copy and adopts it. Says which of the two failed, so a retry writes
   * only that part again and never a second copy of the other.
   */
  private async store(
    batch: Pending[],
    parts: { records: boolean; links: boolean } = { records: true, links: true },
  ): Promise<{ records: unknown; links: unknown }> {
    const records = parts.records ? batch.flatMap((p) => p.records) : [];
    const links = parts.links ? batch.flatMap((p) => p.links) : [];
    const [linkResult, recordResult] = await Promise.allSettled([
      links.length ? applyLinkChanges(this.dataSource.manager, links) : null,
      records.length ? this.dataSource.query(...insertSql(records)) : null,
    ]);
    const failure = (r: PromiseSettledResult<unknown>): unknown =>
      r.status === 'rejected' ? ((r.reason as unknown) ?? new Error('write failed')) : null;
    return { records: failure(recordResult), links: failure(linkResult) };
  }

  /** Each caller's part on its own, only what failed as a batch, so one bad entry fails alone. */
  private async storeEach(batch: Pending[], failed: { records: unknown; links: unknown }) {
    const parts = { records: failed.records !== null, links: failed.links !== null };
    await Promise.all(
      batch.map(async (p) => {
        const again = await this.store([p], parts);
        const error = again.records ?? again.links;
        if (error === null) p.resolve();
        else p.reject(error);
      }),
    );
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
      const failed = await this.store(batch);
      const error = failed.records ?? failed.links;
      if (error === null) batch.forEach((p) => p.resolve());
      else if (batch.length === 1) batch[0].reject(error);
      else await this.storeEach(batch, failed);
    }
    this.flushing = false;
  }
}
