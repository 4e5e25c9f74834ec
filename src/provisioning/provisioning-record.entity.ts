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
  @Field(() => ID)
  // 64-bit in the database; read as a number (bigNumberStrings off), exact up to 2^53 rows.
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: number;

  @Field(() => ID, { nullable: true })
  @Column({ type: 'uuid', nullable: true })
  identityProviderId: string | null;

  @Field(() => ID, { nullable: true })
  @Column({ type: 'uuid', nullable: true })
  connectorId: string | null;

  @Field(() => String, { nullable: true })
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

  @Field(() => ProvisioningStatus)
  @Column({ length: 10 })
  status: ProvisioningStatus;

  @Field(() => Int, { description: 'Calls made to the target, retries included' })
  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Field(() => String, { nullable: true, description: 'What the target knows the entity by' })
  @Column({ type: 'varchar', length: 255, nullable: true })
  provisionedId: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 255, nullable: true })
  remoteId: string | null;

  @Field(() => String, { nullable: true })
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

  @Field(() => Int, { nullable: true })
  @Column({ type: 'int', nullable: true })
  durationMs: number | null;

  @Field({ description: '"api" or the Kafka event (topic/partition/offset)' })
  @Column({ length: 255 })
  source: string;

  @Field()
  @CreateDateColumn()
  createdAt: Date;
}
