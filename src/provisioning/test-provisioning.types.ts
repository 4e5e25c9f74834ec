// GraphQL shapes of testProvisioning: the test user, and per connector what would be (or was) sent.
import { GraphQLJSON } from 'graphql-scalars';
import { IsOptional, Length, MaxLength, ArrayMaxSize, ValidateNested } from 'class-validator';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectorView } from '../connector/connector.types';

export enum ProvisioningOperation {
  CREATE = 'CREATE',
  UPDATE = 'UPDATE',
  DELETE = 'DELETE',
}
registerEnumType(ProvisioningOperation, { name: 'ProvisioningOperation' });

export enum ProvisioningStatus {
  PREVIEWED = 'PREVIEWED',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  SKIPPED = 'SKIPPED',
}
registerEnumType(ProvisioningStatus, { name: 'ProvisioningStatus' });

@InputType()
export class ClaimValueInput {
  @Field({ description: 'A local claim URI, e.g. http://wso2.org/claims/emailaddress' })
  @Length(1, 255)
  uri: string;

  @Field()
  @MaxLength(4096)
  value: string;
}

@InputType()
export class TestUserInput {
  @Field(() => ID, { nullable: true, description: 'The local user id; defaults to the username' })
  @IsOptional()
  @Length(1, 255)
  id?: string;

  @Field()
  @Length(1, 255)
  username: string;

  @Field(() => String, {
    nullable: true,
    description: 'The user store (Keycloak federation provider); UD in patterns',
  })
  @IsOptional()
  @MaxLength(128)
  userStoreDomain?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "Defaults to the identity provider's tenant",
  })
  @IsOptional()
  @MaxLength(128)
  tenantDomain?: string | null;

  @Field(() => [ClaimValueInput], { defaultValue: [] })
  @ArrayMaxSize(200)
  @ValidateNested()
  claims: ClaimValueInput[];

  @Field(() => [String], {
    nullable: true,
    description:
      "The user's Keycloak groups and roles, checked against provisioningRoles; where the identity provider has a scope and this is left out, the user is skipped",
  })
  @IsOptional()
  @ArrayMaxSize(500)
  @Length(1, 255, { each: true })
  roles?: string[] | null;
}

@InputType()
export class TestProvisioningInput {
  @Field(() => ID)
  identityProviderId: string;

  @Field(() => ID, {
    nullable: true,
    description: 'Only this connector; otherwise every enabled one',
  })
  connectorId?: string | null;

  @Field(() => ProvisioningOperation, { defaultValue: ProvisioningOperation.CREATE })
  operation: ProvisioningOperation;

  @Field(() => TestUserInput)
  @ValidateNested()
  user: TestUserInput;

  @Field({
    defaultValue: true,
    description: 'true: preview only; false: provision now through each connector',
  })
  dryRun: boolean;
}

@ObjectType()
export class ProvisioningError {
  @Field({ description: "The target's error code, e.g. HTTP_503, SCIM_uniqueness, TIMEOUT" })
  code: string;
  @Field() message: string;
  @Field({ description: 'Whether trying again later can succeed' }) retriable: boolean;
}

@ObjectType()
export class HttpHeader {
  @Field() name: string;
  @Field() value: string;
}

@ObjectType({
  description: 'An HTTP request as the connector sends it; secrets and tokens redacted',
})
export class HttpRequest {
  @Field() method: string;
  @Field() url: string;
  @Field(() => [HttpHeader]) headers: HttpHeader[];
  @Field(() => GraphQLJSON, { nullable: true }) body: unknown;
}

@ObjectType()
export class ProvisioningPreview {
  @Field(() => ConnectorView) connector: ConnectorView;
  @Field(() => ProvisioningOperation, {
    description: 'The operation after link rules (an unlinked UPDATE is a CREATE)',
  })
  operation: ProvisioningOperation;
  @Field(() => String, { nullable: true, description: 'What the target knows the user by' })
  provisionedId: string | null;
  @Field(() => HttpRequest, { nullable: true }) request: HttpRequest | null;
  @Field(() => ProvisioningStatus) status: ProvisioningStatus;
  @Field(() => String, { nullable: true }) reason: string | null;
  @Field(() => String, {
    nullable: true,
    description: "The target's id for the user, from the link",
  })
  remoteId: string | null;
  @Field(() => ProvisioningError, { nullable: true }) error: ProvisioningError | null;
  @Field(() => Int, { description: 'Calls made to the target, retries included; 0 for previews' })
  attempts: number;
  @Field(() => Int) durationMs: number;
}
