// Connector inputs. A field left out keeps its stored value; an explicit null clears it.
import { IsOptional, Length } from 'class-validator';
import { Field, Float, InputType } from 'type-graphql';

const RATE_DESCRIPTION =
  "Requests a second this connector may send its target, shared by live events, syncs and tests in each process (a 429 or Retry-After from the target pauses the whole connector for that long). Null uses the type's default (connectorTypes.defaultMaxRequestsPerSecond); left out keeps the stored value";
import { ScimVersion } from './connector.types';

@InputType()
export class GoogleConnectorInput {
  @Field({ nullable: true }) enabled?: boolean;
  @Field(() => Float, { nullable: true, description: RATE_DESCRIPTION })
  maxRequestsPerSecond?: number | null;
  @Field(() => String, { nullable: true }) domain?: string | null;
  @Field(() => String, { nullable: true }) primaryEmailClaim?: string | null;
  @Field(() => String, { nullable: true }) givenNameClaim?: string | null;
  @Field(() => String, { nullable: true }) familyNameClaim?: string | null;
  @Field(() => String, { nullable: true }) serviceAccountEmail?: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'base64 PKCS#12, PEM, or a service-account JSON key',
  })
  privateKey?: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'For PKCS#12 (default notasecret) or an encrypted PEM; not stored',
  })
  privateKeyPassphrase?: string | null;
  @Field(() => String, { nullable: true }) adminEmail?: string | null;
  @Field(() => String, { nullable: true }) applicationName?: string | null;
  @Field(() => String, { nullable: true }) provisioningPattern?: string | null;
  @Field(() => String, { nullable: true }) provisioningSeparator?: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'Directory API root (default https://admin.googleapis.com/)',
  })
  apiRootUrl?: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'OAuth token endpoint (default https://oauth2.googleapis.com/token)',
  })
  tokenUrl?: string | null;
}

@InputType()
export class SalesforceConnectorInput {
  @Field({ nullable: true }) enabled?: boolean;
  @Field(() => Float, { nullable: true, description: RATE_DESCRIPTION })
  maxRequestsPerSecond?: number | null;
  @Field(() => String, { nullable: true }) apiVersion?: string | null;
  @Field(() => String, { nullable: true }) domainName?: string | null;
  @Field(() => String, { nullable: true }) clientId?: string | null;
  @Field(() => String, { nullable: true }) clientSecret?: string | null;
  @Field(() => String, { nullable: true }) username?: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'The password followed by the security token',
  })
  password?: string | null;
  @Field(() => String, { nullable: true }) tokenEndpoint?: string | null;
  @Field(() => String, { nullable: true }) provisioningPattern?: string | null;
  @Field(() => String, { nullable: true }) provisioningSeparator?: string | null;
  @Field(() => String, { nullable: true }) provisioningDomain?: string | null;
}

@InputType()
export class ScimConnectorInput {
  @Field(() => ScimVersion) version: ScimVersion;
  @Field({ nullable: true }) enabled?: boolean;
  @Field(() => Float, { nullable: true, description: RATE_DESCRIPTION })
  maxRequestsPerSecond?: number | null;
  @Field(() => String, { nullable: true }) username?: string | null;
  @Field(() => String, { nullable: true }) password?: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'Sent as Authorization: Bearer instead of Basic',
  })
  bearerToken?: string | null;
  @Field(() => String, { nullable: true }) userEndpoint?: string | null;
  @Field(() => String, { nullable: true }) groupEndpoint?: string | null;
  @Field(() => String, { nullable: true }) userStoreDomain?: string | null;
  @Field(() => Boolean, { nullable: true }) enablePasswordProvisioning?: boolean | null;
  @Field(() => String, { nullable: true }) defaultPassword?: string | null;
}

@InputType()
export class ConnectorPropertyInput {
  @Field() @Length(1, 64) name: string;
  @Field(() => String, { nullable: true, description: 'null clears the stored value' })
  @IsOptional()
  value: string | null;
}

@InputType()
export class CustomConnectorInput {
  @Field({ description: 'The code of a type loaded from CONNECTOR_MODULES' }) type: string;
  @Field({ nullable: true }) enabled?: boolean;
  @Field(() => Float, { nullable: true, description: RATE_DESCRIPTION })
  maxRequestsPerSecond?: number | null;
  @Field(() => [ConnectorPropertyInput], { defaultValue: [] }) properties: ConnectorPropertyInput[];
}
