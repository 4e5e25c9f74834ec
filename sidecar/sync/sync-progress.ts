// What a sync's converge messages report back: each object's outcome, stored on its sync_object
// row before the message's offset is committed (so a restart never loses a count, and a message
// handled twice counts once). A page's outcomes go out together when the page ends; others, with
// whatever else is recorded in the same tick.
import type { DataSource } from 'typeorm';
import { retryOnDeadlock } from '../../src/db/deadlock';
import { TtlCache } from '../../src/provisioning/idp-snapshot';
import type { ConnectorOutcome } from '../../src/provisioning/outcome';
import { UNCHANGED } from '../../src/provisioning/representation';
import {
  ProvisioningOperation,
  ProvisioningStatus,
} from '../../src/provisioning/test-provisioning.types';
import { OPEN_STATUSES, SyncStatus } from '../../src/sync/sync-job.entity';
import { SYNC_OUTCOMES, type SyncOutcome } from '../../src/sync/sync.service';
import type { Metrics } from '../metrics';
import type { ConvergeChange } from './converge-message';

const ENTITY_TYPES = { user: 'USER', group: 'GROUP' } as const;

/** One object's outcome from its connectors' outcomes; null means it was dead-lettered. */
export function syncOutcome(outcomes: ConnectorOutcome[] | null): SyncOutcome {
  if (!outcomes) return 'failed';
  if (outcomes.some((o) => o.status === ProvisioningStatus.FAILED)) return 'failed';
  const acted = outcomes.filter(
    (o) => o.status === ProvisioningStatus.SUCCEEDED || o.status === ProvisioningStatus.PREVIEWED,
  );
  const did = (op: ProvisioningOperation) => acted.some((o) => o.operation === op);
  if (did(ProvisioningOperation.DELETE)) return 'deleted';
  if (did(ProvisioningOperation.CREATE)) return 'created';
  if (acted.length) return 'updated';
  if (outcomes.length && outcomes.every((o) => o.reason === UNCHANGED)) return 'unchanged';
  return 'skipped';
}

/**
 * How much a success says about what a job did to an object. An object converged twice in one
 * job (the walk reads it again when users are added before its position, a message is handled
 * again after a restart) keeps the success that says more: a second read that finds nothing to do
 * must not hide the create of the first. Between a failure and a success the later one stands, so
 * a failure stays visible until a later read puts the object right.
 */
const WEIGHT: Record<Exclude<SyncOutcome, 'failed'>, number> = {
  skipped: 0,
  unchanged: 0,
  updated: 1,
  created: 2,
  deleted: 3,
};

/** The stored outcomes an outcome may replace (besides none yet). */
export function replaceable(outcome: SyncOutcome): SyncOutcome[] {
  return SYNC_OUTCOMES.filter((stored) =>
    outcome === 'failed' || stored === 'failed'
      ? stored !== outcome
      : WEIGHT[stored] < WEIGHT[outcome],
  );
}

/** One object's outcome, as stored on its sync_object row. */
export interface SyncOutcomeRow {
  jobId: string;
  entityType: string;
  localId: string;
  outcome: SyncOutcome;
}

interface Pending extends SyncOutcomeRow {
  resolve(): void;
  reject(error: unknown): void;
}

export class SyncProgress {
  private pending: Pending[] = [];
  private readonly statuses: TtlCache<SyncStatus | null>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly metrics: Metrics,
  ) {
    this.statuses = new TtlCache(async (id) => {
      const rows: { status: SyncStatus }[] = await dataSource.query(
        'SELECT status FROM sync_job WHERE id = ?',
        [id],
      );
      return rows[0]?.status ?? null;
    }, 1000);
  }

  /** Whether the job still wants its objects converged (a cancel is seen within a second). */
  async isOpen(jobId: string): Promise<boolean> {
    const status = await this.statuses.get(jobId);
    return status !== null && OPEN_STATUSES.includes(status);
  }

  /**
   * Records an object's outcome: with its page's (change.outcomes, stored by the page handler
   * through store()), or else with whatever else is recorded in the same tick.
   */
  record(change: ConvergeChange, outcomes: ConnectorOutcome[] | null): Promise<void> {
    const outcome = syncOutcome(outcomes);
    this.metrics.syncObjects.inc({ outcome });
    const row = {
      jobId: change.syncJobId,
      entityType: ENTITY_TYPES[change.entity],
      localId: change.id,
      outcome,
    };
    if (change.outcomes) {
      change.outcomes.push(row);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      if (!this.pending.length) setImmediate(() => void this.flush());
      this.pending.push({ ...row, resolve, reject });
    });
  }

  /** Stores outcomes, each where it may replace what is stored: one UPDATE per job, entity type and outcome. */
  async store(rows: SyncOutcomeRow[]): Promise<void> {
    // One row per object: two outcomes of one object stored together resolve here, in order,
    // as they would one after the other (the UPDATEs below run side by side).
    const byObject = new Map<string, SyncOutcomeRow>();
    for (const row of rows) {
      const key = `${row.jobId}|${row.entityType}|${row.localId}`;
      const before = byObject.get(key);
      byObject.set(
        key,
        !before || replaceable(row.outcome).includes(before.outcome) ? row : before,
      );
    }
    const groups = new Map<string, SyncOutcomeRow[]>();
    for (const row of byObject.values()) {
      const key = `${row.jobId}|${row.entityType}|${row.outcome}`;
      const group = groups.get(key);
      if (group) group.push(row);
      else groups.set(key, [row]);
    }
    await Promise.all(
      [...groups.values()].map((group) => {
        const { jobId, entityType, outcome } = group[0];
        const over = replaceable(outcome);
        return retryOnDeadlock(() =>
          this.dataSource.query(
            `UPDATE sync_object SET outcome = ?
              WHERE jobId = ? AND entityType = ? AND localId IN (${group.map(() => '?').join(', ')})
                AND (outcome IS NULL${over.length ? ` OR outcome IN (${over.map(() => '?').join(', ')})` : ''})`,
            [outcome, jobId, entityType, ...group.map((r) => r.localId), ...over],
          ),
        );
      }),
    );
  }

  /** Everything recorded in the same tick, stored together. */
  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    try {
      await this.store(batch);
      batch.forEach((p) => p.resolve());
    } catch (error) {
      batch.forEach((p) => p.reject(error));
    }
  }
}
