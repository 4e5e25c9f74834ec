// Connector inputs. A field left out keeps its stored value; an explicit null clears it.
import { IsOptional, Length } from 'class-validator';
import { Field, Float, InputType } from 'type-graphql';

const RATE_DESCRIPTION =
  "Requests a second this connector may send its target, shared by live events, syncs and tests in each process (a 429 or Retry-After from the target pauses the whole connector for that long). Null uses the type's default (connectorTypes.defaultMaxRequestsPerSecond); left out keeps the stored value";
import { ScimVersion } from './connector.types';
import { CONNECTOR, CUSTOM, GOOGLE, SALESFORCE, SCIM } from './connector.descriptions';

@InputType({ description: GOOGLE.input })
export class GoogleConnectorInput {
  @Field({ nullable: true, description: CONNECTOR.enabledInput }) enabled?: boolean;
  @Field(() => Float, { nullable: true, description: RATE_DESCRIPTION })
  maxRequestsPerSecond?: number | null;
  @Field(() => String, { nullable: true, description: GOOGLE.domain }) domain?: string | null;
  @Field(() => String, { nullable: true, description: GOOGLE.primaryEmailClaim })
  primaryEmailClaim?: string | null;
  @Field(() => String, { nullable: true, description: GOOGLE.givenNameClaim })
  givenNameClaim?: string | null;
  @Field(() => String, { nullable: true, description: GOOGLE.familyNameClaim })
  familyNameClaim?: string | null;
  @Field(() => String, { nullable: true, description: GOOGLE.serviceAccountEmail })
  serviceAccountEmail?: string | null;
  @Field(() => String, {
    nullable: true,
    description: GOOGLE.privateKey,
  })
  privateKey?: string | null;
  @Field(() => String, {
    nullable: true,
    description: GOOGLE.privateKeyPassphrase,
  })
  privateKeyPassphrase?: string | null;
  @Field(() => String, { nullable: true, description: GOOGLE.adminEmail })
  adminEmail?: string | null;
  @Field(() => String, { nullable: true, description: GOOGLE.applicationName })
  applicationName?: string | null;
  @Field(() => String, { nullable: true, description: GOOGLE.provisioningPattern })
  provisioningPattern?: string | null;
  @Field(() => String, { nullable: true, description: GOOGLE.provisioningSeparator })
  provisioningSeparator?: string | null;
  @Field(() => String, {
    nullable: true,
    description: GOOGLE.apiRootUrlInput,
  })
  apiRootUrl?: string | null;
  @Field(() => String, {
    nullable: true,
    description: GOOGLE.tokenUrlInput,
  })
  tokenUrl?: string | null;
}

@InputType({ description: SALESFORCE.input })
export class SalesforceConnectorInput {
  @Field({ nullable: true, description: CONNECTOR.enabledInput }) enabled?: boolean;
  @Field(() => Float, { nullable: true, description: RATE_DESCRIPTION })
  maxRequestsPerSecond?: number | null;
  @Field(() => String, { nullable: true, description: SALESFORCE.apiVersion })
  apiVersion?: string | null;
  @Field(() => String, { nullable: true, description: SALESFORCE.domainName })
  domainName?: string | null;
  @Field(() => String, { nullable: true, description: SALESFORCE.clientId })
  clientId?: string | null;
  @Field(() => String, { nullable: true, description: SALESFORCE.clientSecret })
  clientSecret?: string | null;
  @Field(() => String, { nullable: true, description: SALESFORCE.usernameInput })
  username?: string | null;
  @Field(() => String, {
    nullable: true,
    description: SALESFORCE.password,
  })
  password?: string | null;
  @Field(() => String, { nullable: true, description: SALESFORCE.tokenEndpoint })
  tokenEndpoint?: string | null;
  @Field(() => String, { nullable: true, description: SALESFORCE.provisioningPattern })
  provisioningPattern?: string | null;
  @Field(() => String, { nullable: true, description: SALESFORCE.provisioningSeparator })
  provisioningSeparator?: string | null;
  @Field(() => String, { nullable: true, description: SALESFORCE.provisioningDomain })
  provisioningDomain?: string | null;
}

@InputType({ description: SCIM.input })
export class ScimConnectorInput {
  @Field(() => ScimVersion, { description: SCIM.versionInput }) version: ScimVersion;
  @Field({ nullable: true, description: CONNECTOR.enabledInput }) enabled?: boolean;
  @Field(() => Float, { nullable: true, description: RATE_DESCRIPTION })
  maxRequestsPerSecond?: number | null;
  @Field(() => String, { nullable: true, description: SCIM.username }) username?: string | null;
  @Field(() => String, { nullable: true, description: SCIM.password }) password?: string | null;
  @Field(() => String, {
    nullable: true,
    description: SCIM.bearerToken,
  })
  bearerToken?: string | null;
  @Field(() => String, { nullable: true, description: SCIM.userEndpoint })
  userEndpoint?: string | null;
  @Field(() => String, { nullable: true, description: SCIM.groupEndpoint })
  groupEndpoint?: string | null;
  @Field(() => String, { nullable: true, description: SCIM.userStoreDomain })
  userStoreDomain?: string | null;
  @Field(() => Boolean, { nullable: true, description: SCIM.enablePasswordProvisioning })
  enablePasswordProvisioning?: boolean | null;
  @Field(() => String, { nullable: true, description: SCIM.defaultPassword })
  defaultPassword?: string | null;
  @Field(() => Boolean, { nullable: true, description: SCIM.useBulk })
  useBulk?: boolean | null;
}

@InputType({ description: 'One field of a custom connector type to set' })
export class ConnectorPropertyInput {
  @Field({ description: "The field's name, as connectorTypes lists it (1–64 characters)" })
  @Length(1, 64)
  name: string;
  @Field(() => String, {
    nullable: true,
    description: 'The value as text (BOOLEAN fields: true or false); null or "" clears it',
  })
  @IsOptional()
  value: string | null;
}

@InputType({ description: CUSTOM.input })
export class CustomConnectorInput {
  @Field({ description: 'The code of a type loaded from CONNECTOR_MODULES' }) type: string;
  @Field({ nullable: true, description: CONNECTOR.enabledInput }) enabled?: boolean;
  @Field(() => Float, { nullable: true, description: RATE_DESCRIPTION })
  maxRequestsPerSecond?: number | null;
  @Field(() => [ConnectorPropertyInput], { defaultValue: [], description: CUSTOM.propertiesInput })
  properties: ConnectorPropertyInput[];
}
