// GraphQL shapes of configured connectors: the Connector interface and one type per kind.
// Secrets never appear: only whether each one is configured.
import { Field, Float, ID, InterfaceType, ObjectType, registerEnumType } from 'type-graphql';
import { IdentityProvider } from '../identity-provider/identity-provider.entity';

export enum ScimVersion {
  SCIM_1_1 = 'scim-1.1',
  SCIM_2_0 = 'scim-2',
}
registerEnumType(ScimVersion, { name: 'ScimVersion' });

const CLASS_BY_TYPE: Record<string, string> = {
  google: 'GoogleConnector',
  salesforce: 'SalesforceConnector',
  'scim-1.1': 'ScimConnector',
  'scim-2': 'ScimConnector',
};

@InterfaceType('Connector', {
  resolveType: (value: { type: string }) => CLASS_BY_TYPE[value.type] ?? 'CustomConnector',
})
export abstract class ConnectorView {
  @Field(() => ID)
  id: string;

  @Field({
    description: 'The connector type code: google, salesforce, scim-1.1, scim-2 or a custom type',
  })
  type: string;

  @Field()
  enabled: boolean;

  @Field(() => Float, {
    nullable: true,
    description:
      "Requests a second this connector may send (set on the connector, else its type's default); null: unpaced",
  })
  maxRequestsPerSecond: number | null;

  @Field(() => IdentityProvider)
  identityProvider: IdentityProvider;

  @Field()
  updatedAt: Date;
}

@ObjectType({ implements: ConnectorView })
export class GoogleConnector extends ConnectorView {
  @Field() domain: string;
  @Field() primaryEmailClaim: string;
  @Field() givenNameClaim: string;
  @Field() familyNameClaim: string;
  @Field() serviceAccountEmail: string;
  @Field() adminEmail: string;
  @Field(() => String, { nullable: true }) applicationName: string | null;
  @Field() provisioningPattern: string;
  @Field() provisioningSeparator: string;
  @Field() privateKeyConfigured: boolean;
  @Field({ description: 'Directory API root (default https://admin.googleapis.com/)' })
  apiRootUrl: string;
  @Field({ description: 'OAuth2 token URL (default https://oauth2.googleapis.com/token)' })
  tokenUrl: string;
}

@ObjectType({ implements: ConnectorView })
export class SalesforceConnector extends ConnectorView {
  @Field() apiVersion: string;
  @Field() domainName: string;
  @Field() clientId: string;
  @Field(() => String, {
    nullable: true,
    description: 'Nullable only to match ScimConnector.username',
  })
  username: string | null;
  @Field() tokenEndpoint: string;
  @Field() provisioningPattern: string;
  @Field() provisioningSeparator: string;
  @Field(() => String, { nullable: true }) provisioningDomain: string | null;
  @Field() clientSecretConfigured: boolean;
  @Field() passwordConfigured: boolean;
}

@ObjectType({ implements: ConnectorView })
export class ScimConnector extends ConnectorView {
  @Field(() => ScimVersion) version: ScimVersion;
  @Field(() => String, { nullable: true }) username: string | null;
  @Field() userEndpoint: string;
  @Field(() => String, { nullable: true }) groupEndpoint: string | null;
  @Field(() => String, { nullable: true }) userStoreDomain: string | null;
  @Field() enablePasswordProvisioning: boolean;
  @Field() passwordConfigured: boolean;
  @Field() defaultPasswordConfigured: boolean;
  @Field() bearerTokenConfigured: boolean;
}

@ObjectType()
export class ConnectorProperty {
  @Field() name: string;
  @Field(() => String, { nullable: true, description: 'null for secrets and unset fields' }) value:
    string | null;
  @Field() configured: boolean;
  @Field() secret: boolean;
}

@ObjectType({ implements: ConnectorView })
export class CustomConnector extends ConnectorView {
  @Field(() => [ConnectorProperty]) properties: ConnectorProperty[];
}

@ObjectType({ description: 'One configurable field of a connector type' })
export class ConnectorFieldInfo {
  @Field() name: string;
  @Field() label: string;
  @Field({ description: 'STRING, TEXT, URL, EMAIL, DOMAIN, BOOLEAN or PATTERN' }) kind: string;
  @Field() required: boolean;
  @Field() secret: boolean;
  @Field(() => String, { nullable: true }) default: string | null;
  @Field() description: string;
}

@ObjectType()
export class ConnectorTypeInfo {
  @Field() type: string;
  @Field() label: string;
  @Field({ description: 'False for types loaded from CONNECTOR_MODULES' }) builtIn: boolean;
  @Field(() => Float, {
    nullable: true,
    description:
      "The pace of a connector that sets no maxRequestsPerSecond: the target's published per-second limit; null where it has none",
  })
  defaultMaxRequestsPerSecond: number | null;
  @Field(() => [ConnectorFieldInfo]) fields: ConnectorFieldInfo[];
}
