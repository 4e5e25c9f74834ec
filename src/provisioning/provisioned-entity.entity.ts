// A link: what a connector's target knows a local user or group by. Deletes rely on it, since a
// deleted Keycloak user can no longer be read.
import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Connector } from '../connector/connector.entity';

@ObjectType({
  description: "A link: what one connector's target knows a local user, group or membership by",
})
@Entity('provisioned_entity')
@Index('uq_provisioned_entity', ['connectorId', 'entityType', 'localId'], { unique: true })
@Index('ix_link_local', ['localId'])
@Index('ix_link_remote', ['connectorId', 'entityType', 'remoteId'])
export class ProvisionedEntity {
  @Field(() => ID, { description: "The link's id" })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field(() => ID, { description: 'The connector whose target it is' })
  @Column({ type: 'uuid' })
  connectorId: string;

  @ManyToOne(() => Connector, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'connectorId' })
  connector?: Connector;

  @Field({ description: 'USER, GROUP or MEMBER (a membership made at the target)' })
  @Column({ length: 8 })
  entityType: string;

  @Field({
    description: 'The Keycloak user or group id; for a membership, <user id>/<group id>',
  })
  @Column({ length: 255 })
  localId: string;

  @Field({ description: "The target's id for it, where updates and deletes go" })
  @Column({ length: 255 })
  remoteId: string;

  @Field(() => String, {
    nullable: true,
    description:
      'The name the target knows it by, e.g. the Google primary email, the Salesforce Username or the SCIM userName',
  })
  @Column({ type: 'varchar', length: 255, nullable: true })
  remoteName: string | null;

  @Field({ description: 'When a call to the target last succeeded for it' })
  @Column({ type: 'datetime' })
  lastSyncedAt: Date;

  @Column({ type: 'varchar', length: 64, nullable: true })
  attributesHash: string | null;
}
