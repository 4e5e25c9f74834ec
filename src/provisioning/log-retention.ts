// Keeps the provisioning log from growing for ever: records older than the retention are deleted in
// the background (db/prune.ts), FAILED ones after their own, longer retention, since they are what
// replayFailed needs.
import type { DataSource } from 'typeorm';
import { pruneExpired, pruneInBackground, storedDaysAgo } from '../db/prune';
import { ProvisioningRecord } from './provisioning-record.entity';

export interface RetentionPolicy {
  /** Days a record is kept; 0 keeps every record. */
  days: number;
  /** Days a FAILED record is kept. */
  failedDays: number;
  /** How often pruning runs. */
  everyMs: number;
}

/** Deletes every expired record; returns how many went. */
export function pruneLog(dataSource: DataSource, policy: RetentionPolicy): Promise<number> {
  if (policy.days === 0) return Promise.resolve(0);
  const daysAgo = (days: number) =>
    storedDaysAgo(dataSource, ProvisioningRecord, 'createdAt', days);
  return pruneExpired(
    dataSource,
    'provisioning_record',
    `createdAt < ? AND (status <> 'FAILED' OR createdAt < ?)`,
    [daysAgo(policy.days), daysAgo(policy.failedDays)],
  );
}

/** Runs pruneLog now and then every `everyMs`; returns a stop that waits for a run in progress. */
export function startLogRetention(
  dataSource: DataSource,
  policy: RetentionPolicy,
): () => Promise<void> {
  if (policy.days === 0) return () => Promise.resolve();
  return pruneInBackground(
    'the provisioning log',
    () => pruneLog(dataSource, policy),
    policy.everyMs,
  );
}
