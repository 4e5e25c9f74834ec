// One claim mapping of an identity provider: remote claim ← local claim, else the default value.
import { Field, ObjectType } from 'type-graphql';
import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { IdentityProvider } from './identity-provider.entity';

@ObjectType({
  description:
    "What one target attribute is sent: the user's value of the local claim, else the default value; neither, and it is left out",
})
@Entity('claim_mapping')
export class ClaimMapping {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  identityProviderId: string;

  @ManyToOne(() => IdentityProvider, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'identityProviderId' })
  identityProvider?: IdentityProvider;

  @Column({ type: 'int' })
  position: number;

  @Field({ description: 'The target attribute, e.g. a Salesforce field or a SCIM path' })
  @Column({ length: 255 })
  remoteClaim: string;

  @Field(() => String, {
    nullable: true,
    description: 'A local claim URI, e.g. http://wso2.org/claims/emailaddress',
  })
  @Column({ type: 'varchar', length: 255, nullable: true })
  localClaim: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Sent when the user has no value for the local claim, or no local claim is set',
  })
  @Column({ type: 'varchar', length: 1024, nullable: true })
  defaultValue: string | null;
}
