// The audit trail: one row per mutation that changes configuration or reaches a target, refused
// attempts included. Append-only: nothing in the API updates or deletes a row; only retention
// (AUDIT_RETENTION_DAYS) removes old ones. No secret value is ever stored here (changes.ts).
import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One changed field: its old and new values, or for a secret only whether it changed. */
export type FieldChange =
  { field: string; old: unknown; new: unknown } | { field: string; secret: 'changed' | 'cleared' };

@ObjectType({
  description:
    'Who did what, when, to which tenant and objects, and how it ended: one per audited mutation',
})
@Entity('audit_entry')
@Index('ix_audit_at', ['at'])
@Index('ix_audit_tenant', ['tenantDomain', 'id'])
@Index('ix_audit_idp', ['identityProviderId', 'id'])
@Index('ix_audit_subject', ['actorSubject', 'id'])
@Index('ix_audit_username', ['actorUsername', 'id'])
@Index('ix_audit_operation', ['operation', 'id'])
export class AuditEntry {
  @Field(() => ID, { description: "The entry's id" })
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: number;

  @Field({ description: 'When the mutation ended' })
  @CreateDateColumn({ precision: 3 })
  at: Date;

  @Field({ description: 'The mutation, e.g. configureScimConnector' })
  @Column({ length: 64 })
  operation: string;

  @Field({
    description:
      'OK, or the error code it was refused with: FORBIDDEN, BAD_USER_INPUT, NOT_FOUND, CONFLICT, INTERNAL_SERVER_ERROR',
  })
  @Column({ length: 32 })
  outcome: string;

  @Field(() => String, { nullable: true, description: 'Why it was refused or failed' })
  @Column({ type: 'text', nullable: true })
  message: string | null;

  @Field({ description: "The caller's token subject (sub), or api-token / local" })
  @Column({ length: 255 })
  actorSubject: string;

  @Field(() => String, { nullable: true, description: "The token's preferred_username" })
  @Column({ type: 'varchar', length: 255, nullable: true })
  actorUsername: string | null;

  @Field({ description: "The token's issuer, or api-token (the static token) / loopback" })
  @Column({ length: 512 })
  actorIssuer: string;

  @Field(() => String, {
    nullable: true,
    description: 'The OAuth client the token was issued to (azp)',
  })
  @Column({ type: 'varchar', length: 255, nullable: true })
  actorClientId: string | null;

  @Field(() => String, {
    nullable: true,
    description: "The caller's IP address as this server saw it",
  })
  @Column({ type: 'varchar', length: 64, nullable: true })
  sourceAddress: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'The tenant the mutation concerned; null when it concerned no object the server could trace (only platform administrators see these)',
  })
  @Column({ type: 'varchar', length: 128, nullable: true })
  tenantDomain: string | null;

  @Field(() => ID, {
    nullable: true,
    description: 'The identity provider the mutation concerned; null when it concerned none',
  })
  @Column({ type: 'uuid', nullable: true })
  identityProviderId: string | null;

  @Field(() => GraphQLJSON, {
    description: 'The ids the mutation named or made: connectorId, syncJobId, recordIds, userId, …',
  })
  @Column({ type: 'simple-json' })
  objectIds: Record<string, string | string[]>;

  @Field(() => GraphQLJSON, {
    nullable: true,
    description:
      'What changed: [{ field, old, new }]; a secret only as { field, secret: "changed" | "cleared" }',
  })
  @Column({ type: 'simple-json', nullable: true })
  changes: FieldChange[] | null;

  @Field(() => GraphQLJSON, {
    nullable: true,
    description: 'For calls to targets: what each did (statuses per connector or record)',
  })
  @Column({ type: 'simple-json', nullable: true })
  details: Record<string, unknown> | null;
}
