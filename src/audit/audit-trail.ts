// Writes audit entries that are not part of a change's transaction (refusals, calls to targets),
// logs every entry as one JSON line once it is committed, reads the trail newest first within the
// caller's tenants, and prunes it after AUDIT_RETENTION_DAYS.
import type { DataSource } from 'typeorm';
import { idCursor, type Page } from '../common/cursor';
import { UserInputError } from '../common/errors';
import { logger } from '../common/logger';
import { isUuid } from '../common/validation';
import { pruneExpired, pruneInBackground, storedDaysAgo } from '../db/prune';
import type { AuditDraft } from './audit-draft';
import { AuditEntry, type FieldChange } from './audit-entry.entity';

const log = logger('audit');
const cursor = idCursor('audit');
export const MAX_AUDIT_PAGE = 100;

export interface AuditFilter {
  tenantDomain?: string | null;
  identityProviderId?: string | null;
  /** A token subject or username. */
  actor?: string | null;
  operation?: string | null;
  since?: Date | null;
  until?: Date | null;
}

export class AuditTrail {
  constructor(private readonly dataSource: DataSource) {}

  /** Writes the entry of a mutation that made no change in a transaction of its own. */
  async write(
    draft: AuditDraft,
    outcome: string,
    message: string | null = null,
    changes: FieldChange[] | null = null,
  ): Promise<AuditEntry> {
    const repo = this.dataSource.getRepository(AuditEntry);
    return repo.save(repo.create(draft.entry(outcome, message, changes)));
  }

  /** Whether an entry written inside a transaction was committed. */
  committed(entry: AuditEntry): Promise<boolean> {
    return this.dataSource.getRepository(AuditEntry).existsBy({ id: entry.id });
  }

  /** The JSON log line of a committed entry: what log collectors keep beside the database. */
  logged(entry: AuditEntry): void {
    log.info({ audit: { ...entry } }, `audit: ${entry.operation} ${entry.outcome}`);
  }

  /** `tenants`: those the caller sees, null for all; entries of no tenant are the platform's. */
  async page(
    filter: AuditFilter,
    first: number,
    after: string | null,
    tenants: readonly string[] | null,
  ): Promise<Page<AuditEntry>> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_AUDIT_PAGE)
      throw new UserInputError(
        `first must be between 1 and ${MAX_AUDIT_PAGE}, got ${first}`,
        'first',
      );
    if (filter.identityProviderId && !isUuid(filter.identityProviderId))
      throw new UserInputError('identityProviderId must be a UUID', 'identityProviderId');
    const query = this.dataSource
      .getRepository(AuditEntry)
      .createQueryBuilder('a')
      .orderBy('a.id', 'DESC')
      .take(first + 1);
    if (tenants) {
      if (!tenants.length) return cursor.page([], first);
      query.andWhere('a.tenantDomain IN (:...tenants)', { tenants });
    }
    const { tenantDomain, identityProviderId, actor, operation, since, until } = filter;
    if (tenantDomain) query.andWhere('a.tenantDomain = :tenantDomain', { tenantDomain });
    if (identityProviderId)
      query.andWhere('a.identityProviderId = :idp', { idp: identityProviderId });
    if (actor) query.andWhere('(a.actorSubject = :actor OR a.actorUsername = :actor)', { actor });
    if (operation) query.andWhere('a.operation = :operation', { operation });
    if (since) query.andWhere('a.at >= :since', { since });
    if (until) query.andWhere('a.at < :until', { until });
    if (after) query.andWhere('a.id < :after', { after: cursor.decode(after) });
    const rows = await query.getMany();
    return cursor.page(rows, first);
  }

  /** Deletes entries older than `days`; returns how many went. */
  prune(days: number): Promise<number> {
    const cutoff = storedDaysAgo(this.dataSource, AuditEntry, 'at', days);
    return pruneExpired(this.dataSource, 'audit_entry', 'at < ?', [cutoff]);
  }

  /** Prunes now and every `everyMs` while the process runs; 0 days keeps every entry. */
  startRetention(days: number, everyMs: number): () => Promise<void> {
    if (days === 0) return () => Promise.resolve();
    return pruneInBackground('the audit trail', () => this.prune(days), everyMs);
  }
}
