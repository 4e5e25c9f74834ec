// A link: what a connector's target knows a local user or group by. Deletes rely on it, since a
// deleted Keycloak user can no longer be read.
import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Connector } from '../connector/connector.entity';

@ObjectType()
@Entity('provisioned_entity')
@Index('uq_provisioned_entity', ['connectorId', 'entityType', 'localId'], { unique: true })
@Index('ix_link_local', ['localId'])
export class ProvisionedEntity {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field(() => ID)
  @Column({ type: 'uuid' })
  connectorId: string;

  @ManyToOne(() => Connector, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'connectorId' })
  connector?: Connector;

  @Field({ description: 'USER or GROUP' })
  @Column({ length: 8 })
  entityType: string;

  @Field()
  @Column({ length: 255 })
  localId: string;

  @Field()
  @Column({ length: 255 })
  remoteId: string;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 255, nullable: true })
  remoteName: string | null;

  @Field()
  @Column({ type: 'datetime' })
  lastSyncedAt: Date;

  @Column({ type: 'varchar', length: 64, nullable: true })
  attributesHash: string | null;
}
