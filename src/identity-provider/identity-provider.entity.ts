// An identity provider: a named set of outbound connectors and claim mappings within one tenant.
import { Field, ID, ObjectType } from 'type-graphql';
import {
  AfterLoad,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

@ObjectType({ description: 'A provisioning target group in one tenant (Keycloak realm)' })
@Entity('identity_provider')
@Index('uq_identity_provider_tenant_name', ['tenantDomain', 'name'], { unique: true })
export class IdentityProvider {
  @Field(() => ID, { description: "The identity provider's id" })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field({
    description:
      'Its name, unique within its tenant; the IDP value of provisioning patterns (e.g. salesforce)',
  })
  @Column({ length: 128 })
  name: string;

  @Field({
    description: 'The tenant (Keycloak realm) whose users this identity provider provisions',
  })
  @Column({ length: 128 })
  tenantDomain: string;

  @Field(() => String, { nullable: true, description: 'Free text for administrators' })
  @Column({ type: 'varchar', length: 1024, nullable: true })
  description: string | null;

  @Field({
    description: 'Whether it provisions; while disabled, every operation through it is SKIPPED',
  })
  @Column({ default: true })
  enabled: boolean;

  @Field(() => [String], {
    description:
      "WSO2's Outbound Provisioning Roles: Keycloak group or role names; only their members (and only these groups) are provisioned. Empty means everyone",
  })
  @Column({ type: 'simple-json', nullable: true })
  provisioningRoles: string[] | null;

  /** Rows from before the column existed read as "everyone". */
  @AfterLoad()
  defaultScope(): void {
    this.provisioningRoles ??= [];
  }

  @Field({ description: 'When it was registered' })
  @CreateDateColumn()
  createdAt: Date;

  @Field({ description: 'When it or its claim mappings last changed' })
  @UpdateDateColumn()
  updatedAt: Date;
}
