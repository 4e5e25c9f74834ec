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

@InputType({ description: 'A new identity provider' })
export class IdentityProviderInput {
  @Field({
    description:
      'Its name, unique within the tenant: 1–128 characters, not starting with a space, no "/"; the IDP value of provisioning patterns',
  })
  @Length(1, 128)
  @Matches(NAME, { message: 'name must not start with a space or contain "/"' })
  name: string;

  @Field({ description: 'The tenant (Keycloak realm), e.g. carbon.super or master' })
  @Length(1, 128)
  @Matches(/^[A-Za-z0-9._-]+$/, {
    message: 'tenantDomain may contain letters, digits, ".", "_" and "-" only',
  })
  tenantDomain: string;

  @Field(() => String, {
    nullable: true,
    description: 'Free text for administrators (at most 1024 characters)',
  })
  @IsOptional()
  @MaxLength(1024)
  description?: string | null;

  @Field({
    defaultValue: true,
    description: 'Whether it provisions (default true); while false, every operation is SKIPPED',
  })
  enabled: boolean;
  @ProvisioningRolesField()
  provisioningRoles?: string[] | null;
}

@InputType({
  description:
    'Changes to an identity provider: a field left out or null keeps its value, except description (null clears it) and provisioningRoles (null: everyone)',
})
export class IdentityProviderUpdateInput {
  @Field({
    nullable: true,
    description:
      'A new name, unique within the tenant: 1–128 characters, not starting with a space, no "/". Ids built from provisioning patterns with IDP change with it',
  })
  @IsOptional()
  @Length(1, 128)
  @Matches(NAME, { message: 'name must not start with a space or contain "/"' })
  name?: string;

  @Field({
    nullable: true,
    description:
      'Moves it to another tenant (Keycloak realm), which the caller must administer too; letters, digits, ".", "_" and "-"',
  })
  @IsOptional()
  @Length(1, 128)
  @Matches(/^[A-Za-z0-9._-]+$/, {
    message: 'tenantDomain may contain letters, digits, ".", "_" and "-" only',
  })
  tenantDomain?: string;

  @Field(() => String, {
    nullable: true,
    description: 'New free text (at most 1024 characters); null clears it',
  })
  @IsOptional()
  @MaxLength(1024)
  description?: string | null;

  @Field({
    nullable: true,
    description: 'false: nothing is provisioned through it (operations SKIPPED) until true again',
  })
  @IsOptional()
  enabled?: boolean;
  @ProvisioningRolesField()
  provisioningRoles?: string[] | null;
}

@InputType({
  description: 'One claim mapping; setClaimMappings takes the whole list, in order',
})
export class ClaimMappingInput {
  @Field({
    description: 'The target attribute, e.g. ProfileId (Salesforce) or name.givenName (SCIM)',
  })
  @Length(1, 255)
  remoteClaim: string;

  @Field(() => String, {
    nullable: true,
    description:
      'A local claim URI whose value is sent, e.g. http://wso2.org/claims/emailaddress; give it, a defaultValue or both',
  })
  @IsOptional()
  @MaxLength(255)
  localClaim?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Sent when the user has no value for localClaim, or alone as a fixed value, e.g. UTF-8 (at most 1024 characters)',
  })
  @IsOptional()
  @MaxLength(1024)
  defaultValue?: string | null;
}
