// Syncs as the API and the CLI see them: queue one, watch it, cancel it, confirm its deletions.
// The sidecars do the work (sidecar/sync/); everything they share lives in the sync_job row.
import { randomUUID } from 'node:crypto';
import { In, type DataSource, type Repository } from 'typeorm';
import { transaction } from '../db/transaction';
import type { MutationScope } from '../audit/audit-draft';
import { ConflictError, NotFoundError, UserInputError } from '../common/errors';
import { logger } from '../common/logger';
import { isUuid } from '../common/validation';
import { Connector } from '../connector/connector.entity';
import { IdentityProvider } from '../identity-provider/identity-provider.entity';
import { OPEN_STATUSES, SyncJob, SyncStatus } from './sync-job.entity';

const log = logger('sync');

/** What started a sync; `group-deleted`: a scoping group was deleted (see Convergence). */
export type SyncTrigger = 'api' | 'cli' | 'schedule' | 'connector' | 'group-deleted';

export interface StartSync {
  identityProviderId: string;
  connectorId?: string | null;
  dryRun?: boolean;
  trigger: SyncTrigger;
}

/** The outcomes a converged object can have; the job's counters of the same names. */
export const SYNC_OUTCOMES = [
  'created',
  'updated',
  'unchanged',
  'deleted',
  'skipped',
  'failed',
] as const;
export type SyncOutcome = (typeof SYNC_OUTCOMES)[number];

const MAX_PAGE = 100;

export class SyncService {
  private readonly jobs: Repository<SyncJob>;

  constructor(private readonly dataSource: DataSource) {
    this.jobs = dataSource.getRepository(SyncJob);
  }

  /** Queues a sync; refused while another of the identity provider is queued or running. */
  async start(input: StartSync, scope?: MutationScope): Promise<SyncJob> {
    const idp = await this.identityProvider(input.identityProviderId);
    if (!idp.enabled)
      throw new UserInputError(
        `identity provider ${idp.id} is disabled: enable it before syncing`,
        'identityProviderId',
      );
    const connectorId = input.connectorId ?? null;
    if (connectorId) {
      const connector = isUuid(connectorId)
        ? await this.dataSource.getRepository(Connector).findOneBy({ id: connectorId })
        : null;
      if (!connector || connector.identityProviderId !== idp.id)
        throw new NotFoundError('Connector', `${connectorId} of identity provider ${idp.id}`);
      if (!connector.enabled)
        throw new UserInputError(
          `connector ${connectorId} is disabled: enable it before syncing`,
          'connectorId',
        );
    }
    const open = await this.openJobOf(idp.id);
    if (open)
      throw new ConflictError(
        `sync ${open.id} of identity provider ${idp.id} is ${open.status}: wait for it or cancel it`,
      );
    return this.insert(idp.id, connectorId, input.dryRun ?? false, input.trigger, scope);
  }

  /**
   * Queues a sync because something changed (a connector created, re-enabled or remapped, or the
   * schedule), unless one is already queued for the identity provider: that one will see the change.
   */
  async queue(
    identityProviderId: string,
    connectorId: string | null,
    trigger: SyncTrigger,
  ): Promise<SyncJob | null> {
    const idp = await this.dataSource
      .getRepository(IdentityProvider)
      .findOneBy({ id: identityProviderId });
    if (!idp?.enabled) return null;
    const queued = await this.jobs.findOneBy({ identityProviderId, status: SyncStatus.QUEUED });
    if (queued) {
      // One queued sync covers both: widened to every connector where they differ.
      if (queued.connectorId !== null && queued.connectorId !== connectorId)
        await this.jobs.update({ id: queued.id, status: SyncStatus.QUEUED }, { connectorId: null });
      return null;
    }
    const job = await this.insert(identityProviderId, connectorId, false, trigger);
    log.info({ jobId: job.id, identityProviderId, connectorId, trigger }, 'sync queued');
    return job;
  }

  /** The job with its counts as they stand (live while it runs). */
  async get(id: string): Promise<SyncJob> {
    const job = isUuid(id) ? await this.jobs.findOneBy({ id }) : null;
    if (!job) throw new NotFoundError('SyncJob', id);
    return this.withCounts(job);
  }

  /** An identity provider's syncs, newest first; `after` is the last job id of the page before. */
  async list(identityProviderId: string, first: number, after: string | null): Promise<SyncJob[]> {
    await this.identityProvider(identityProviderId);
    if (first < 1 || first > MAX_PAGE)
      throw new UserInputError(`first must be between 1 and ${MAX_PAGE}`, 'first');
    const query = this.jobs
      .createQueryBuilder('j')
      .where('j.identityProviderId = :identityProviderId', { identityProviderId })
      .orderBy('j.createdAt', 'DESC')
      .addOrderBy('j.id', 'DESC')
      .take(first);
    if (after) {
      const last = isUuid(after) ? await this.jobs.findOneBy({ id: after }) : null;
      if (!last || last.identityProviderId !== identityProviderId)
        throw new UserInputError(`after: no sync ${after} of this identity provider`, 'after');
      // Keyset on (createdAt, id): jobs queued in the same millisecond are neither lost nor repeated.
      query.andWhere('(j.createdAt < :at OR (j.createdAt = :at AND j.id < :id))', {
        at: last.createdAt,
        id: last.id,
      });
    }
    const jobs = await query.getMany();
    return Promise.all(jobs.map((job) => this.withCounts(job)));
  }

  /** Stops a queued, running or waiting sync: objects not converged yet are left as they are. */
  async cancel(id: string, scope?: MutationScope): Promise<SyncJob> {
    const job = await this.get(id);
    const done = await this.finish(job, SyncStatus.CANCELLED, 'cancelled', OPEN_STATUSES, scope);
    if (!done)
      throw new ConflictError(`sync ${id} is ${job.status}: it can no longer be cancelled`);
    return this.get(id);
  }

  /** Lets a sync stopped by the deletion safeguard go on and delete. */
  async confirmDeletions(id: string, scope?: MutationScope): Promise<SyncJob> {
    const job = await this.get(id);
    const confirmed = await transaction(this.dataSource, async (tx) => {
      await scope?.lockTenant(tx);
      const result = await tx.update(
        SyncJob,
        { id, status: SyncStatus.NEEDS_CONFIRMATION },
        { status: SyncStatus.RUNNING, deletionsConfirmed: true, leaseUntil: null, reason: null },
      );
      if (!result.affected) return false;
      const deletions = { field: 'pendingDeletions', old: job.pendingDeletions, new: null };
      const status = { field: 'status', old: job.status, new: SyncStatus.RUNNING };
      await scope?.saveIn(tx, [
        status,
        { field: 'deletionsConfirmed', old: false, new: true },
        deletions,
      ]);
      return true;
    });
    if (!confirmed)
      throw new ConflictError(
        `sync ${id} is ${job.status}: only NEEDS_CONFIRMATION can be confirmed`,
      );
    log.info({ jobId: id, deletions: job.pendingDeletions }, 'sync deletions confirmed');
    return this.get(id);
  }

  /**
   * Ends a job that is in one of `from`: final counts stored, its objects dropped, its identity
   * provider free for the next sync. False when it had already moved on.
   */
  async finish(
    job: SyncJob,
    status: SyncStatus,
    reason: string | null,
    from: SyncStatus[] = [SyncStatus.RUNNING],
    scope?: MutationScope,
  ): Promise<boolean> {
    const counts = await this.counts(job.id);
    const done = await transaction(this.dataSource, async (tx) => {
      await scope?.lockTenant(tx);
      const result = await tx.update(
        SyncJob,
        { id: job.id, status: In(from) },
        {
          ...counts,
          status,
          reason,
          activeIdentityProviderId: null,
          leaseOwner: null,
          leaseUntil: null,
          finishedAt: new Date(),
        },
      );
      if (!result.affected) return false;
      await scope?.saveIn(tx, [{ field: 'status', old: job.status, new: status }]);
      return true;
    });
    if (!done) return false;
    await this.dataSource.query('DELETE FROM sync_object WHERE jobId = ?', [job.id]);
    log.info({ jobId: job.id, status, reason, ...counts }, 'sync finished');
    return true;
  }

  /** Counts by outcome from the job's objects. */
  async counts(jobId: string): Promise<Pick<SyncJob, 'total' | 'processed' | SyncOutcome>> {
    const rows: { outcome: string | null; n: number | string }[] = await this.dataSource.query(
      'SELECT outcome, COUNT(*) AS n FROM sync_object WHERE jobId = ? GROUP BY outcome',
      [jobId],
    );
    const counts = { total: 0, processed: 0, ...zeroOutcomes() };
    for (const { outcome, n } of rows) {
      counts.total += Number(n);
      if (outcome === null) continue;
      counts.processed += Number(n);
      if ((SYNC_OUTCOMES as readonly string[]).includes(outcome))
        counts[outcome as SyncOutcome] += Number(n);
    }
    return counts;
  }

  private async withCounts(job: SyncJob): Promise<SyncJob> {
    if (job.finishedAt) return job;
    return Object.assign(job, await this.counts(job.id));
  }

  private async identityProvider(id: string): Promise<IdentityProvider> {
    const idp = isUuid(id)
      ? await this.dataSource.getRepository(IdentityProvider).findOneBy({ id })
      : null;
    if (!idp) throw new NotFoundError('IdentityProvider', id);
    return idp;
  }

  private openJobOf(identityProviderId: string): Promise<SyncJob | null> {
    return this.jobs.findOne({
      where: { identityProviderId, status: In(OPEN_STATUSES) },
      order: { createdAt: 'ASC' },
    });
  }

  private insert(
    identityProviderId: string,
    connectorId: string | null,
    dryRun: boolean,
    triggeredBy: SyncTrigger,
    scope?: MutationScope,
  ): Promise<SyncJob> {
    return transaction(this.dataSource, async (tx) => {
      await scope?.lockTenant(tx);
      const job = await tx.save(
        tx.create(SyncJob, {
          id: randomUUID(),
          identityProviderId,
          connectorId,
          dryRun,
          triggeredBy,
          status: SyncStatus.QUEUED,
          phase: 'USERS',
          createdAt: new Date(),
        }),
      );
      const changes = [{ field: 'status', old: null, new: SyncStatus.QUEUED }];
      await scope?.saveIn(tx, [...changes, { field: 'dryRun', old: null, new: dryRun }], {
        syncJobId: job.id,
      });
      return job;
    });
  }
}

function zeroOutcomes(): Record<SyncOutcome, number> {
  return { created: 0, updated: 0, unchanged: 0, deleted: 0, skipped: 0, failed: 0 };
}
