// A sync: one identity provider's realm (optionally for one connector) walked in Keycloak and
// converged at the targets. Its state lives here, so any sidecar can carry it on after a restart.
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export enum SyncStatus {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  NEEDS_CONFIRMATION = 'NEEDS_CONFIRMATION',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}

registerEnumType(SyncStatus, {
  name: 'SyncStatus',
  description: 'Where a sync is',
  valuesConfig: {
    QUEUED: {
      description: 'Waiting for a sidecar (or for the running sync of its identity provider)',
    },
    RUNNING: { description: 'A sidecar is walking the realm; objects are being converged' },
    NEEDS_CONFIRMATION: {
      description:
        'Stopped before deleting more than SYNC_DELETE_THRESHOLD of the linked users: confirmSyncDeletions goes on, cancelSync drops it',
    },
    SUCCEEDED: { description: 'Every object was converged (some may have failed: see `failed`)' },
    FAILED: { description: 'The sync could not go on: `reason` says why; nothing more is deleted' },
    CANCELLED: { description: 'Cancelled: objects not yet converged were left as they were' },
  },
});

/** Statuses that hold their identity provider: no other sync of it runs meanwhile. */
export const ACTIVE_STATUSES = [SyncStatus.RUNNING, SyncStatus.NEEDS_CONFIRMATION];
export const OPEN_STATUSES = [SyncStatus.QUEUED, ...ACTIVE_STATUSES];

/**
 * The walk, in order: users, groups (with sub-groups, each with its members), then links Keycloak
 * no longer has (see sidecar/sync/sync-runner.ts).
 */
export type SyncPhase = 'USERS' | 'USERS_SETTLE' | 'GROUPS' | 'SETTLE' | 'DELETIONS' | 'FINISH';

@ObjectType({
  description:
    "A sync of one identity provider's realm to its connectors (or one of them): progress counts are objects (users and groups)",
})
@Entity('sync_job')
@Index('ix_sync_job_idp', ['identityProviderId', 'createdAt'])
@Index('uq_sync_job_active', ['activeIdentityProviderId'], { unique: true })
export class SyncJob {
  @Field(() => ID, { description: "The sync's id" })
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Field(() => ID, { description: 'The identity provider whose realm it syncs' })
  @Column({ type: 'varchar', length: 36 })
  identityProviderId: string;

  @Field(() => ID, {
    nullable: true,
    description: 'Only this connector; null for every enabled one',
  })
  @Column({ type: 'varchar', length: 36, nullable: true })
  connectorId: string | null;

  /** Set while RUNNING or NEEDS_CONFIRMATION: a unique index keeps one active sync per identity provider. */
  @Column({ type: 'varchar', length: 36, nullable: true })
  activeIdentityProviderId: string | null;

  @Field(() => SyncStatus, { description: 'Where it is' })
  @Column({ type: 'varchar', length: 24 })
  status: SyncStatus;

  @Field({ description: 'Computes and records every decision, changes nothing at any target' })
  @Column({ default: false })
  dryRun: boolean;

  @Field({
    description:
      'What started it: api, cli, schedule, connector (created, re-enabled or remapped) or group-deleted (a group of an identity provider with a provisioning scope was deleted)',
  })
  @Column({ type: 'varchar', length: 16 })
  triggeredBy: string;

  @Field(() => String, { nullable: true, description: 'Why it failed, or what it waits for' })
  @Column({ type: 'text', nullable: true })
  reason: string | null;

  @Field(() => Int, {
    nullable: true,
    description: 'NEEDS_CONFIRMATION: how many linked users it would delete (or deactivate)',
  })
  @Column({ type: 'int', nullable: true })
  pendingDeletions: number | null;

  @Column({ default: false })
  deletionsConfirmed: boolean;

  @Column({ type: 'varchar', length: 16, default: 'GROUPS' })
  phase: SyncPhase;

  /** Where the walk of the current phase stands (JSON), so a restart resumes there. */
  @Column({ type: 'text', nullable: true })
  walkState: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  leaseOwner: string | null;

  @Column({ type: 'datetime', precision: 3, nullable: true })
  leaseUntil: Date | null;

  @Field({ description: 'When it was queued' })
  @Column({ type: 'datetime', precision: 3 })
  createdAt: Date;

  @Field(() => Date, {
    nullable: true,
    description: 'When a sidecar began walking the realm; null while QUEUED',
  })
  @Column({ type: 'datetime', precision: 3, nullable: true })
  startedAt: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: 'When it ended (SUCCEEDED, FAILED or CANCELLED); null until then',
  })
  @Column({ type: 'datetime', precision: 3, nullable: true })
  finishedAt: Date | null;

  // Final counts; while a sync runs they are read live from sync_object.
  @Field(() => Int, {
    description: 'Objects found so far (users, groups, and links Keycloak no longer has)',
  })
  @Column({ type: 'int', default: 0 })
  total: number;

  @Field(() => Int, { description: 'Objects converged so far' })
  @Column({ type: 'int', default: 0 })
  processed: number;

  @Field(() => Int, { description: 'Created at a target' })
  @Column({ type: 'int', default: 0 })
  created: number;

  @Field(() => Int, { description: 'Changed at a target (attributes or memberships)' })
  @Column({ type: 'int', default: 0 })
  updated: number;

  @Field(() => Int, { description: 'Already as Keycloak has them: no call was made' })
  @Column({ type: 'int', default: 0 })
  unchanged: number;

  @Field(() => Int, {
    description:
      'Deleted (Salesforce: deactivated) because Keycloak no longer has them or they left the scope',
  })
  @Column({ type: 'int', default: 0 })
  deleted: number;

  @Field(() => Int, {
    description:
      'Not provisioned (out of scope, no connector serves them, gone from Keycloak before they were read)',
  })
  @Column({ type: 'int', default: 0 })
  skipped: number;

  @Field(() => Int, {
    description:
      'Failed at a target: see provisioningLog with this job as source; they are dead-lettered as events are',
  })
  @Column({ type: 'int', default: 0 })
  failed: number;
}

/**
 * One object a sync converges: written when the walk finds it (or when it is a deletion
 * candidate), given its outcome when a sidecar has converged it. Idempotent both ways, so a
 * message handled twice or produced again after a restart counts once.
 */
@Entity('sync_object')
export class SyncObject {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  jobId: string;

  @PrimaryColumn({ type: 'varchar', length: 8 })
  entityType: string;

  @PrimaryColumn({ type: 'varchar', length: 255 })
  localId: string;

  /** created, updated, unchanged, deleted, skipped or failed; null until converged. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  outcome: string | null;
}
