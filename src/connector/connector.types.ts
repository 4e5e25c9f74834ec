// GraphQL shapes of configured connectors: the Connector interface and one type per kind.
// Secrets never appear: only whether each one is configured.
import { Field, Float, ID, InterfaceType, ObjectType, registerEnumType } from 'type-graphql';
import { IdentityProvider } from '../identity-provider/identity-provider.entity';
import { CONNECTOR, CUSTOM, GOOGLE, SALESFORCE, SCIM } from './connector.descriptions';

export enum ScimVersion {
  SCIM_1_1 = 'scim-1.1',
  SCIM_2_0 = 'scim-2',
}
registerEnumType(ScimVersion, {
  name: 'ScimVersion',
  description: 'The SCIM protocol version of a SCIM connector',
  valuesConfig: {
    SCIM_1_1: { description: 'SCIM 1.1 (type code scim-1.1): updates by GET, then PUT' },
    SCIM_2_0: {
      description: 'SCIM 2.0, RFC 7643 and 7644 (type code scim-2): updates by PATCH',
    },
  },
});

const CLASS_BY_TYPE: Record<string, string> = {
  google: 'GoogleConnector',
  salesforce: 'SalesforceConnector',
  'scim-1.1': 'ScimConnector',
  'scim-2': 'ScimConnector',
};

@InterfaceType('Connector', {
  description: "An outbound provisioning connector: one target of an identity provider's users",
  resolveType: (value: { type: string }) => CLASS_BY_TYPE[value.type] ?? 'CustomConnector',
})
export abstract class ConnectorView {
  @Field(() => ID, { description: CONNECTOR.id })
  id: string;

  @Field({ description: CONNECTOR.type })
  type: string;

  @Field({ description: CONNECTOR.enabled })
  enabled: boolean;

  @Field(() => Float, {
    nullable: true,
    description:
      "Requests a second this connector may send (set on the connector, else its type's default); null: unpaced",
  })
  maxRequestsPerSecond: number | null;

  @Field(() => IdentityProvider, { description: CONNECTOR.identityProvider })
  identityProvider: IdentityProvider;

  @Field({ description: CONNECTOR.updatedAt })
  updatedAt: Date;
}

@ObjectType({ implements: ConnectorView, description: GOOGLE.type })
export class GoogleConnector extends ConnectorView {
  @Field({ description: GOOGLE.domain }) domain: string;
  @Field({ description: GOOGLE.primaryEmailClaim }) primaryEmailClaim: string;
  @Field({ description: GOOGLE.givenNameClaim }) givenNameClaim: string;
  @Field({ description: GOOGLE.familyNameClaim }) familyNameClaim: string;
  @Field({ description: GOOGLE.serviceAccountEmail }) serviceAccountEmail: string;
  @Field({ description: GOOGLE.adminEmail }) adminEmail: string;
  @Field(() => String, { nullable: true, description: GOOGLE.applicationName })
  applicationName: string | null;
  @Field({ description: GOOGLE.provisioningPattern }) provisioningPattern: string;
  @Field({ description: GOOGLE.provisioningSeparator }) provisioningSeparator: string;
  @Field({ description: GOOGLE.privateKeyConfigured }) privateKeyConfigured: boolean;
  @Field({ description: GOOGLE.apiRootUrl })
  apiRootUrl: string;
  @Field({ description: GOOGLE.tokenUrl })
  tokenUrl: string;
}

@ObjectType({ implements: ConnectorView, description: SALESFORCE.type })
export class SalesforceConnector extends ConnectorView {
  @Field({ description: SALESFORCE.apiVersion }) apiVersion: string;
  @Field({ description: SALESFORCE.domainName }) domainName: string;
  @Field({ description: SALESFORCE.clientId }) clientId: string;
  @Field(() => String, {
    nullable: true,
    description: SALESFORCE.username,
  })
  username: string | null;
  @Field({ description: SALESFORCE.tokenEndpoint }) tokenEndpoint: string;
  @Field({ description: SALESFORCE.provisioningPattern }) provisioningPattern: string;
  @Field({ description: SALESFORCE.provisioningSeparator }) provisioningSeparator: string;
  @Field(() => String, { nullable: true, description: SALESFORCE.provisioningDomain })
  provisioningDomain: string | null;
  @Field({ description: SALESFORCE.clientSecretConfigured }) clientSecretConfigured: boolean;
  @Field({ description: SALESFORCE.passwordConfigured }) passwordConfigured: boolean;
}

@ObjectType({ implements: ConnectorView, description: SCIM.type })
export class ScimConnector extends ConnectorView {
  @Field(() => ScimVersion, { description: SCIM.version }) version: ScimVersion;
  @Field(() => String, { nullable: true, description: SCIM.username }) username: string | null;
  @Field({ description: SCIM.userEndpoint }) userEndpoint: string;
  @Field(() => String, { nullable: true, description: SCIM.groupEndpoint })
  groupEndpoint: string | null;
  @Field(() => String, { nullable: true, description: SCIM.userStoreDomain })
  userStoreDomain: string | null;
  @Field({ description: SCIM.enablePasswordProvisioning }) enablePasswordProvisioning: boolean;
  @Field({ description: SCIM.useBulk }) useBulk: boolean;
  @Field({ description: SCIM.passwordConfigured }) passwordConfigured: boolean;
  @Field({ description: SCIM.defaultPasswordConfigured }) defaultPasswordConfigured: boolean;
  @Field({ description: SCIM.bearerTokenConfigured }) bearerTokenConfigured: boolean;
}

@ObjectType({
  description: 'One field of a custom connector: its value, or for a secret only whether it is set',
})
export class ConnectorProperty {
  @Field({ description: "The field's name, as connectorTypes lists it" }) name: string;
  @Field(() => String, {
    nullable: true,
    description:
      "The stored value, else the type's default; null for secrets and for unset fields without a default",
  })
  value: string | null;
  @Field({ description: 'Whether a value is stored (a default alone does not count)' })
  configured: boolean;
  @Field({ description: 'Whether the field is a secret: write-only, stored encrypted' })
  secret: boolean;
}

@ObjectType({ implements: ConnectorView, description: CUSTOM.type })
export class CustomConnector extends ConnectorView {
  @Field(() => [ConnectorProperty], { description: CUSTOM.properties })
  properties: ConnectorProperty[];
}

@ObjectType({ description: 'One configurable field of a connector type' })
export class ConnectorFieldInfo {
  @Field({ description: "The field's name in the configure input (for custom types: a property)" })
  name: string;
  @Field({ description: 'The form label, e.g. Google Domain' }) label: string;
  @Field({ description: 'STRING, TEXT, URL, EMAIL, DOMAIN, BOOLEAN or PATTERN' }) kind: string;
  @Field({ description: 'Whether a connector of this type must have a value' })
  required: boolean;
  @Field({
    description:
      'Whether it is write-only: stored encrypted, never returned; given again when a URL field changes',
  })
  secret: boolean;
  @Field(() => String, {
    nullable: true,
    description: 'The default value, as text (e.g. "true"); null for none',
  })
  default: string | null;
  @Field({ description: 'What the field is for; empty where the type says nothing more' })
  description: string;
}

@ObjectType({ description: 'A connector type this server can configure, with its fields' })
export class ConnectorTypeInfo {
  @Field({
    description: "The type code: google, salesforce, scim-1.1, scim-2 or a custom type's",
  })
  type: string;
  @Field({ description: 'Its display name, e.g. Google Workspace' }) label: string;
  @Field({ description: 'False for types loaded from CONNECTOR_MODULES' }) builtIn: boolean;
  @Field(() => Float, {
    nullable: true,
    description:
      "The pace of a connector that sets no maxRequestsPerSecond: the target's published per-second limit; null where it has none",
  })
  defaultMaxRequestsPerSecond: number | null;
  @Field(() => [ConnectorFieldInfo], { description: 'Its configurable fields, in form order' })
  fields: ConnectorFieldInfo[];
}
