import { ArrayMaxSize, ArrayUnique, IsOptional, Length, Matches, MaxLength } from 'class-validator';
import { Field, InputType } from 'type-graphql';

const NAME = /^[^\s/][^/]*$/;

/** The scope field, the same on create and update. */
function ProvisioningRolesField(): PropertyDecorator {
  const decorators = [
    Field(() => [String], {
      nullable: true,
      description:
        'Keycloak group or role names whose members are provisioned (WSO2 "Outbound Provisioning Roles"); empty means everyone',
    }),
    IsOptional(),
    ArrayMaxSize(200),
    ArrayUnique(),
    Length(1, 255, { each: true }),
  ];
  return (target, key) => decorators.forEach((decorate) => decorate(target, key));
}

@InputType()
export class IdentityProviderInput {
  @Field()
  @Length(1, 128)
  @Matches(NAME, { message: 'name must not start with a space or contain "/"' })
  name: string;

  @Field({ description: 'The tenant (Keycloak realm), e.g. carbon.super or master' })
  @Length(1, 128)
  @Matches(/^[A-Za-z0-9._-]+$/, {
    message: 'tenantDomain may contain letters, digits, ".", "_" and "-" only',
  })
  tenantDomain: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(1024)
  description?: string | null;

  @Field({ defaultValue: true })
  enabled: boolean;
  @ProvisioningRolesField()
  provisioningRoles?: string[] | null;
}

@InputType()
export class IdentityProviderUpdateInput {
  @Field({ nullable: true })
  @IsOptional()
  @Length(1, 128)
  @Matches(NAME, { message: 'name must not start with a space or contain "/"' })
  name?: string;

  @Field({ nullable: true })
  @IsOptional()
  @Length(1, 128)
  @Matches(/^[A-Za-z0-9._-]+$/, {
    message: 'tenantDomain may contain letters, digits, ".", "_" and "-" only',
  })
  tenantDomain?: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(1024)
  description?: string | null;

  @Field({ nullable: true })
  @IsOptional()
  enabled?: boolean;
  @ProvisioningRolesField()
  provisioningRoles?: string[] | null;
}

@InputType()
export class ClaimMappingInput {
  @Field({
    description: 'The target attribute, e.g. ProfileId (Salesforce) or name.givenName (SCIM)',
  })
  @Length(1, 255)
  remoteClaim: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(255)
  localClaim?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(1024)
  defaultValue?: string | null;
}
