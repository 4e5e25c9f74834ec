// The provisioning log: one row per attempt or preview. Payloads are stored redacted.
import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { ProvisioningStatus } from './test-provisioning.types';

@ObjectType({ description: 'One provisioning attempt, skip or preview of one connector' })
@Entity('provisioning_record')
@Index('ix_record_connector', ['connectorId', 'id'])
@Index('ix_record_local', ['localId', 'id'])
@Index('ix_record_idp', ['identityProviderId', 'id'])
@Index('ix_record_status', ['status', 'id'])
@Index('ix_record_created', ['createdAt'])
@Index('ix_record_source', ['source', 'id'])
export class ProvisioningRecord {
  @Field(() => ID, { description: "The record's id: what replayFailed takes" })
  // 64-bit in the database; read as a number (bigNumberStrings off), exact up to 2^53 rows.
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: number;

  @Field(() => ID, {
    nullable: true,
    description: 'The identity provider it ran for (kept after the identity provider is deleted)',
  })
  @Column({ type: 'uuid', nullable: true })
  identityProviderId: string | null;

  @Field(() => ID, {
    nullable: true,
    description: 'The connector it ran through (kept after the connector is removed)',
  })
  @Column({ type: 'uuid', nullable: true })
  connectorId: string | null;

  @Field(() => String, {
    nullable: true,
    description: "The connector's type code: google, salesforce, scim-1.1, scim-2 or a custom type",
  })
  @Column({ length: 64, nullable: true, type: 'varchar' })
  connectorType: string | null;

  @Field({ description: 'CREATE, UPDATE, DELETE, ADD_MEMBER or REMOVE_MEMBER' })
  @Column({ length: 16 })
  operation: string;

  @Field({ description: 'USER or GROUP' })
  @Column({ length: 8 })
  entityType: string;

  @Field({ description: 'The Keycloak user or group id' })
  @Column({ length: 255 })
  localId: string;

  @Field(() => ProvisioningStatus, { description: 'How it ended' })
  @Column({ length: 10 })
  status: ProvisioningStatus;

  @Field(() => Int, { description: 'Calls made to the target, retries included' })
  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Field(() => String, { nullable: true, description: 'What the target knows the entity by' })
  @Column({ type: 'varchar', length: 255, nullable: true })
  provisionedId: string | null;

  @Field(() => String, {
    nullable: true,
    description: "The target's id for the entity, where known",
  })
  @Column({ type: 'varchar', length: 255, nullable: true })
  remoteId: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'When FAILED, the error code, e.g. HTTP_503, TIMEOUT or CONNECTOR_UNUSABLE',
  })
  @Column({ type: 'varchar', length: 64, nullable: true })
  errorCode: string | null;

  @Field(() => String, { nullable: true, description: 'The error, or why it was skipped' })
  @Column({ type: 'text', nullable: true })
  errorMessage: string | null;

  @Field(() => GraphQLJSON, {
    nullable: true,
    description:
      'The previewed request (secrets redacted), or details such as the member of a membership change',
  })
  @Column({ type: 'simple-json', nullable: true })
  request: object | null;

  @Field(() => Int, {
    nullable: true,
    description: 'How long the connector took, in milliseconds (retries and waits included)',
  })
  @Column({ type: 'int', nullable: true })
  durationMs: number | null;

  @Field({
    description:
      'Where it came from: api (testProvisioning), sync:<sync id>, replay:<record id>, or the Kafka event (topic/partition/offset#event id)',
  })
  @Column({ length: 255 })
  source: string;

  @Field({
    description:
      'When it was written. Kept PROVISIONING_LOG_RETENTION_DAYS (default 90), FAILED ones PROVISIONING_LOG_FAILED_RETENTION_DAYS (default 365)',
  })
  @CreateDateColumn()
  createdAt: Date;
}
