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
registerEnumType(ProvisioningOperation, {
  name: 'ProvisioningOperation',
  description: 'What to do with a user at each target',
  valuesConfig: {
    CREATE: { description: 'Create the user; one already linked at a connector is updated' },
    UPDATE: {
      description: 'Update the user; one never provisioned through a connector is created',
    },
    DELETE: {
      description:
        'Delete the user (Salesforce: deactivate); one never provisioned through a connector is SKIPPED',
    },
  },
});

export enum ProvisioningStatus {
  PREVIEWED = 'PREVIEWED',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  SKIPPED = 'SKIPPED',
}
registerEnumType(ProvisioningStatus, {
  name: 'ProvisioningStatus',
  description: 'How one operation at one connector ended',
  valuesConfig: {
    PREVIEWED: { description: 'A dry run: the request was worked out, nothing was sent' },
    SUCCEEDED: { description: 'The target did it' },
    FAILED: {
      description:
        'It did not happen (the target refused it, retries ran out, or the connector is unusable): see the error; replayFailed runs it again',
    },
    SKIPPED: {
      description:
        'Nothing was sent: the reason says why (disabled, out of scope, unchanged, nothing to delete, …)',
    },
  },
});

@InputType({ description: "One of the test user's local claims" })
export class ClaimValueInput {
  @Field({ description: 'A local claim URI, e.g. http://wso2.org/claims/emailaddress' })
  @Length(1, 255)
  uri: string;

  @Field({ description: "The claim's value (at most 4096 characters)" })
  @MaxLength(4096)
  value: string;
}

@InputType({ description: 'The user to provision, as Keycloak would describe them' })
export class TestUserInput {
  @Field(() => ID, { nullable: true, description: 'The local user id; defaults to the username' })
  @IsOptional()
  @Length(1, 255)
  id?: string;

  @Field({
    description:
      'The username; a "DOMAIN/" prefix names the user store (UD in patterns, unless userStoreDomain is given) and the rest is UN',
  })
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

  @Field(() => [ClaimValueInput], {
    defaultValue: [],
    description:
      "The user's local claims (at most 200); http://wso2.org/claims/username defaults to the username",
  })
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

@InputType({ description: 'What testProvisioning previews or provisions' })
export class TestProvisioningInput {
  @Field(() => ID, { description: 'The identity provider whose connectors run' })
  identityProviderId: string;

  @Field(() => ID, {
    nullable: true,
    description: 'Only this connector; otherwise every enabled one',
  })
  connectorId?: string | null;

  @Field(() => ProvisioningOperation, {
    defaultValue: ProvisioningOperation.CREATE,
    description:
      'The operation asked for (default CREATE); each connector may change it by its link',
  })
  operation: ProvisioningOperation;

  @Field(() => TestUserInput, { description: 'The user to provision' })
  @ValidateNested()
  user: TestUserInput;

  @Field({
    defaultValue: true,
    description: 'true: preview only; false: provision now through each connector',
  })
  dryRun: boolean;
}

@ObjectType({ description: 'Why a connector failed' })
export class ProvisioningError {
  @Field({ description: "The target's error code, e.g. HTTP_503, SCIM_uniqueness, TIMEOUT" })
  code: string;
  @Field({
    description: "The target's (or this service's) message, with the connector's secrets redacted",
  })
  message: string;
  @Field({ description: 'Whether trying again later can succeed' }) retriable: boolean;
}

@ObjectType({ description: 'One header of a request' })
export class HttpHeader {
  @Field({ description: 'The header name, e.g. Authorization' }) name: string;
  @Field({ description: 'Its value, credentials and tokens redacted' }) value: string;
}

@ObjectType({
  description: 'An HTTP request as the connector sends it; secrets and tokens redacted',
})
export class HttpRequest {
  @Field({ description: 'The HTTP method, e.g. POST' }) method: string;
  @Field({ description: 'The full URL at the target' }) url: string;
  @Field(() => [HttpHeader], { description: 'The request headers' }) headers: HttpHeader[];
  @Field(() => GraphQLJSON, {
    nullable: true,
    description: 'The JSON body (secrets redacted); null when the request has none',
  })
  body: unknown;
}

@ObjectType({
  description: 'What one connector would send for the test user (a preview), or what it did',
})
export class ProvisioningPreview {
  @Field(() => ConnectorView, { description: 'The connector this result is for' })
  connector: ConnectorView;
  @Field(() => ProvisioningOperation, {
    description: 'The operation after link rules (an unlinked UPDATE is a CREATE)',
  })
  operation: ProvisioningOperation;
  @Field(() => String, { nullable: true, description: 'What the target knows the user by' })
  provisionedId: string | null;
  @Field(() => HttpRequest, {
    nullable: true,
    description: 'The exact request (PREVIEWED only); null when skipped or provisioned for real',
  })
  request: HttpRequest | null;
  @Field(() => ProvisioningStatus, { description: 'How it ended at this connector' })
  status: ProvisioningStatus;
  @Field(() => String, {
    nullable: true,
    description:
      'Why it was SKIPPED, or a note on a changed operation (e.g. deprovisioned as out of scope)',
  })
  reason: string | null;
  @Field(() => String, {
    nullable: true,
    description: "The target's id for the user, from the link",
  })
  remoteId: string | null;
  @Field(() => ProvisioningError, {
    nullable: true,
    description: 'What went wrong when FAILED; null otherwise',
  })
  error: ProvisioningError | null;
  @Field(() => Int, { description: 'Calls made to the target, retries included; 0 for previews' })
  attempts: number;
  @Field(() => Int, {
    description: 'How long this connector took, in milliseconds (retries and waits included)',
  })
  durationMs: number;
}
