// Walks a sync's realm in Keycloak and hands every object to the sidecars as a converge message.
// Any sidecar may run a sync: it claims the job with a lease in the database, keeps the walk's
// position in the job row after every page, and renews the lease as it goes; when it dies, the
// lease runs out and another sidecar carries the job on from that position (objects of the page
// in flight are sent again: converging twice changes nothing). The phases:
//   USERS            page by page, each object recorded in sync_object, each page sent as one
//                    message (its handler converges every user of it, without their memberships)
//   USERS_SETTLE     until every user sent has been converged
//   GROUPS           page by page, sub-groups too, sent as the users are; a group converges with
//                    its members (read from Keycloak group by group, added in batches)
//   SETTLE           until every object sent has been converged
//   DELETIONS        linked objects the walk did not find: each is sent as well (its converge reads
//                    Keycloak and deletes only what Keycloak really lacks), unless there are more
//                    than the safeguard allows: then NEEDS_CONFIRMATION, nothing deleted
//   FINISH           until those are converged; then SUCCEEDED with the counts
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { IsNull, LessThan, type DataSource, type Repository } from 'typeorm';
import { ConnectorError } from '../../src/common/connector-error';
import { logger } from '../../src/common/logger';
import { IdentityProvider } from '../../src/identity-provider/identity-provider.entity';
import type { KeycloakDirectory } from '../../src/keycloak/directory';
import { SyncJob, SyncStatus, type SyncPhase } from '../../src/sync/sync-job.entity';
import type { SyncService } from '../../src/sync/sync.service';
import type { KafkaConfig, SyncConfig } from '../config';
import type { Metrics } from '../metrics';
import { encodeConvergePage } from './converge-message';
import { deletionCandidates, recordObjects, type EntityType } from './sync-objects';

const log = logger('sync');

const IDLE_POLL_MS = 1_000;
const SETTLE_POLL_MS = 250;
/** With the last pages in flight and moving, the end is noticed sooner. */
const SETTLE_LAST_PAGES_POLL_MS = 50;
/** How often identity providers are checked for a scheduled sync. */
const SCHEDULE_CHECK_MS = 60_000;
/** Keycloak failing this many steps in a row fails the job (each waits a little longer). */
const KEYCLOAK_ATTEMPTS = 5;

export interface SyncRunnerDeps {
  dataSource: DataSource;
  kafka: Kafka;
  kafkaConfig: KafkaConfig;
  config: SyncConfig;
  keycloak: KeycloakDirectory;
  syncs: SyncService;
  metrics: Metrics;
}

type Walk = { stack: { parent: string | null; first: number }[] } | { first: number };

export class SyncRunner {
  /** Who holds a lease: this process (host, pid and a random part for restarts). */
  readonly owner = `${os.hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  private readonly jobs: Repository<SyncJob>;
  private readonly producer: Producer;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | null = null;
  private lastScheduleCheck = 0;
  private keycloakFailures = 0;
  /** Per job: the processed count last seen and when it last grew (to resend lost objects). */
  private progress = new Map<string, { processed: number; at: number }>();

  constructor(private readonly deps: SyncRunnerDeps) {
    this.jobs = deps.dataSource.getRepository(SyncJob);
    this.producer = deps.kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
  }

  /** Connects the producer (the sync topic is made at start: see topics.ts). */
  async prepare(): Promise<void> {
    await this.producer.connect();
  }

  /** Runs jobs until stopped (SYNC_RUNNER=off: never). */
  start(): void {
    if (!this.deps.config.runner) return;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    await this.producer.disconnect();
  }

  private async run(): Promise<void> {
    const signal = this.stopping.signal;
    let job: SyncJob | null = null;
    while (!signal.aborted) {
      let wait = IDLE_POLL_MS;
      try {
        await this.schedule();
        job ??= await this.claim();
        if (job) {
          const next = await this.step(job);
          if (next === null) job = null;
          wait = next ?? 0;
        }
      } catch (error) {
        log.error({ err: error, jobId: job?.id }, 'sync step failed; trying again');
      }
      if (wait > 0) await sleep(wait, undefined, { signal }).catch(() => undefined);
    }
  }

  /** SYNC_INTERVAL: queues a sync of each enabled identity provider whose last one is that old. */
  private async schedule(): Promise<void> {
    const { intervalMs } = this.deps.config;
    if (intervalMs === null || Date.now() - this.lastScheduleCheck < SCHEDULE_CHECK_MS) return;
    this.lastScheduleCheck = Date.now();
    const due: { id: string }[] = await this.deps.dataSource.query(
      `SELECT idp.id FROM identity_provider idp
       WHERE idp.enabled = ? AND EXISTS (SELECT 1 FROM connector c WHERE c.identityProviderId = idp.id AND c.enabled = ?)
         AND NOT EXISTS (SELECT 1 FROM sync_job j WHERE j.identityProviderId = idp.id AND j.createdAt > ?)`,
      [true, true, new Date(Date.now() - intervalMs)],
    );
    for (const { id } of due) await this.deps.syncs.queue(id, null, 'schedule');
  }

  /** A queued job whose identity provider is free, or a running one whose lease ran out. */
  private async claim(): Promise<SyncJob | null> {
    const now = new Date();
    const until = new Date(now.getTime() + this.deps.config.leaseMs);
    const candidates = await this.jobs.find({
      where: [
        { status: SyncStatus.QUEUED },
        { status: SyncStatus.RUNNING, leaseUntil: IsNull() },
        { status: SyncStatus.RUNNING, leaseUntil: LessThan(now) },
      ],
      order: { createdAt: 'ASC' },
      take: 10,
    });
    for (const job of candidates) {
      const lease = { leaseOwner: this.owner, leaseUntil: until };
      let claimed;
      if (job.status === SyncStatus.QUEUED) {
        // The unique index on activeIdentityProviderId refuses a second active sync of the IdP.
        claimed = await this.jobs
          .update(
            { id: job.id, status: SyncStatus.QUEUED },
            {
              ...lease,
              status: SyncStatus.RUNNING,
              activeIdentityProviderId: job.identityProviderId,
              startedAt: now,
              // A job queued by an API of the groups-first order (a rolling upgrade) starts here too.
              phase: 'USERS',
              walkState: null,
            },
          )
          .catch((error: unknown) => {
            if (/Duplicate entry|UNIQUE constraint/i.test(String(error))) return { affected: 0 };
            throw error;
          });
      } else {
        claimed = await this.jobs.update(
          {
            id: job.id,
            status: SyncStatus.RUNNING,
            leaseUntil: job.leaseUntil ? LessThan(now) : IsNull(),
          },
          lease,
        );
      }
      if (claimed.affected !== 1) continue;
      log.info(
        { jobId: job.id, identityProviderId: job.identityProviderId, phase: job.phase },
        job.status === SyncStatus.QUEUED ? 'sync started' : 'sync resumed',
      );
      this.keycloakFailures = 0;
      return { ...job, ...lease, status: SyncStatus.RUNNING };
    }
    return null;
  }

  /** One step of the job: ms until the next one, or null when the job left this runner. */
  private async step(claimed: SyncJob): Promise<number | null> {
    const job = await this.jobs.findOneBy({ id: claimed.id });
    if (!job || job.status !== SyncStatus.RUNNING || job.leaseOwner !== this.owner) return null;
    const idp = await this.deps.dataSource
      .getRepository(IdentityProvider)
      .findOneBy({ id: job.identityProviderId });
    if (!idp?.enabled) return this.end(job, SyncStatus.FAILED, 'identity provider disabled');
    try {
      const next = await this.phase(job, idp.tenantDomain);
      this.keycloakFailures = 0;
      return next;
    } catch (error) {
      if (!(error instanceof ConnectorError)) throw error;
      // Keycloak failed: nothing is deleted; a passing fault is waited out, a lasting one fails.
      this.keycloakFailures++;
      if (!error.retriable || this.keycloakFailures >= KEYCLOAK_ATTEMPTS)
        return this.end(job, SyncStatus.FAILED, `Keycloak: ${error.message}`);
      log.warn({ jobId: job.id, err: error }, 'Keycloak failed during a sync; trying again');
      return (await this.renew(job, {})) === null ? null : 500 * this.keycloakFailures;
    }
  }

  private phase(job: SyncJob, realm: string): Promise<number | null> {
    switch (job.phase) {
      case 'USERS':
        return this.walkUsers(job, realm);
      case 'USERS_SETTLE':
        return this.settle(job, 'GROUPS');
      case 'GROUPS':
        return this.walkGroups(job, realm);
      case 'SETTLE':
        return this.settle(job, 'DELETIONS');
      case 'DELETIONS':
        return this.deletions(job, realm);
      case 'FINISH':
        return this.settle(job, null);
    }
  }

  /** One page of groups, depth first: a group's sub-groups come before its next siblings. */
  private async walkGroups(job: SyncJob, realm: string): Promise<number | null> {
    const { pageSize } = this.deps.config;
    const walk = (parse(job.walkState) as { stack?: { parent: string | null; first: number }[] })
      ?.stack ?? [{ parent: null, first: 0 }];
    const top = walk.at(-1);
    if (!top) return this.renew(job, { phase: 'SETTLE', walkState: null });
    const page = await this.deps.keycloak.listGroups(
      realm,
      top.first,
      pageSize,
      top.parent ?? undefined,
    );
    top.first += page.length;
    if (page.length < pageSize) walk.pop();
    for (const group of [...page].reverse()) walk.push({ parent: group.id, first: 0 });
    await this.send(
      job,
      realm,
      'GROUP',
      page.map((g) => g.id),
    );
    return this.renew(job, { walkState: JSON.stringify({ stack: walk } satisfies Walk) });
  }

  private async walkUsers(job: SyncJob, realm: string): Promise<number | null> {
    const { pageSize } = this.deps.config;
    const first = (parse(job.walkState) as { first?: number } | null)?.first ?? 0;
    const ids = await this.deps.keycloak.listUsers(realm, first, pageSize);
    await this.send(job, realm, 'USER', ids, first);
    if (ids.length < pageSize) return this.renew(job, { phase: 'USERS_SETTLE', walkState: null });
    return this.renew(job, { walkState: JSON.stringify({ first: first + ids.length }) });
  }

  /** Waits until every object sent is converged; objects stuck too long are sent again. */
  private async settle(job: SyncJob, next: SyncPhase | null): Promise<number | null> {
    const counts = await this.deps.syncs.counts(job.id);
    if (counts.processed >= counts.total) {
      this.progress.delete(job.id);
      if (next) return this.renew(job, { phase: next, walkState: null });
      const reason = counts.failed
        ? `${counts.failed} objects failed: provisioningLog with source sync:${job.id} says why`
        : null;
      return this.end(job, SyncStatus.SUCCEEDED, reason);
    }
    const seen = this.progress.get(job.id);
    if (!seen || counts.processed > seen.processed)
      this.progress.set(job.id, { processed: counts.processed, at: Date.now() });
    else if (Date.now() - seen.at > this.deps.config.stallMs) {
      await this.resendUnconverged(job);
      this.progress.set(job.id, { processed: counts.processed, at: Date.now() });
    }
    // The last pages, still moving (not waiting out retries): their end is noticed sooner.
    const moving = Date.now() - (this.progress.get(job.id)?.at ?? 0) < 1_000;
    const lastPages = moving && counts.total - counts.processed <= 2 * this.deps.config.pageSize;
    if ((await this.renew(job, {})) === null) return null;
    return lastPages ? SETTLE_LAST_PAGES_POLL_MS : SETTLE_POLL_MS;
  }

  /**
   * Linked objects the walk did not find. More users than the safeguard allows stop the sync
   * (NEEDS_CONFIRMATION): an empty or wrong answer from Keycloak must never wipe a target.
   */
  private async deletions(job: SyncJob, realm: string): Promise<number | null> {
    const { dataSource, config } = this.deps;
    const { candidates, linked } = await deletionCandidates(dataSource, job, 'USER');
    const { fraction, min } = config.deleteThreshold;
    const tooMany = candidates.length >= min && candidates.length > fraction * linked;
    if (tooMany && !job.dryRun && !job.deletionsConfirmed) {
      const reason = `would delete ${candidates.length} of ${linked} linked users (more than ${Math.round(fraction * 100)} %): confirmSyncDeletions to go on, cancelSync to drop it`;
      const held = await this.jobs.update(
        { id: job.id, leaseOwner: this.owner, status: SyncStatus.RUNNING },
        {
          status: SyncStatus.NEEDS_CONFIRMATION,
          pendingDeletions: candidates.length,
          reason,
          leaseOwner: null,
          leaseUntil: null,
        },
      );
      if (held.affected) log.warn({ jobId: job.id, deletions: candidates.length, linked }, reason);
      return null;
    }
    const groups = await deletionCandidates(dataSource, job, 'GROUP');
    for (let i = 0; i < candidates.length; i += 500)
      await this.send(job, realm, 'USER', candidates.slice(i, i + 500));
    for (let i = 0; i < groups.candidates.length; i += 500)
      await this.send(job, realm, 'GROUP', groups.candidates.slice(i, i + 500));
    return this.renew(job, { phase: 'FINISH', pendingDeletions: candidates.length });
  }

  /**
   * Records the objects, then puts them on the sync topic in pages of SYNC_PAGE_SIZE. `first`:
   * where they start in Keycloak's listing of the realm's users (the handler reads it again).
   */
  private async send(
    job: SyncJob,
    realm: string,
    type: EntityType,
    ids: string[],
    first: number | null = null,
  ): Promise<void> {
    if (!ids.length) return;
    await recordObjects(this.deps.dataSource, job.id, type, ids);
    const { pageSize } = this.deps.config;
    const messages = [];
    for (let i = 0; i < ids.length; i += pageSize)
      messages.push(
        encodeConvergePage({
          syncJobId: job.id,
          identityProviderId: job.identityProviderId,
          connectorId: job.connectorId,
          realmName: realm,
          entity: type === 'USER' ? 'user' : 'group',
          ids: ids.slice(i, i + pageSize),
          first: first === null ? null : first + i,
          dryRun: job.dryRun,
        }),
      );
    await this.producer.send({ topic: this.deps.kafkaConfig.syncTopic, acks: -1, messages });
  }

  private async resendUnconverged(job: SyncJob): Promise<void> {
    const rows: { entityType: EntityType; localId: string }[] = await this.deps.dataSource.query(
      'SELECT entityType, localId FROM sync_object WHERE jobId = ? AND outcome IS NULL LIMIT 1000',
      [job.id],
    );
    const idp = await this.deps.dataSource
      .getRepository(IdentityProvider)
      .findOneByOrFail({ id: job.identityProviderId });
    log.warn({ jobId: job.id, objects: rows.length }, 'sync objects not converged: sending again');
    for (const type of ['USER', 'GROUP'] as const)
      await this.send(
        job,
        idp.tenantDomain,
        type,
        rows.filter((r) => r.entityType === type).map((r) => r.localId),
      );
  }

  /** Saves the job's position and renews the lease; 0 (go on) or null when the job was lost. */
  private async renew(job: SyncJob, patch: Partial<SyncJob>): Promise<number | null> {
    const ours = { id: job.id, leaseOwner: this.owner, status: SyncStatus.RUNNING };
    const result = await this.jobs.update(ours, {
      ...patch,
      leaseUntil: new Date(Date.now() + this.deps.config.leaseMs),
    });
    // MySQL counts changed rows only: an update that changed nothing still holds the lease.
    if (result.affected) return 0;
    return (await this.jobs.existsBy(ours)) ? 0 : null;
  }

  private async end(job: SyncJob, status: SyncStatus, reason: string | null): Promise<null> {
    if (await this.deps.syncs.finish(job, status, reason, [SyncStatus.RUNNING])) {
      const seconds = job.startedAt ? (Date.now() - job.startedAt.getTime()) / 1000 : 0;
      this.deps.metrics.syncDuration.set(
        { identity_provider: job.identityProviderId, status },
        seconds,
      );
    }
    return null;
  }
}

function parse(state: string | null): unknown {
  return state ? (JSON.parse(state) as unknown) : null;
}
