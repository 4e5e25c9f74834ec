import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { seesEveryTenant } from '../auth/access';
import { requirePublicDestinations } from '../auth/destinations';
import { Guard } from '../auth/guard';
import type { GraphqlContext } from '../graphql/apollo';
import { UserInputError } from '../common/errors';
import type { FieldInput } from '../connector-types/field-values';
import type { Services } from '../services';
import type { ConnectorSettings } from './connector.service';
import {
  CustomConnectorInput,
  GoogleConnectorInput,
  SalesforceConnectorInput,
  ScimConnectorInput,
} from './connector.input';
import {
  ConnectorTypeInfo,
  ConnectorView,
  CustomConnector,
  GoogleConnector,
  SalesforceConnector,
  ScimConnector,
} from './connector.types';
import { toConnectorView } from './connector.view';
import { CONNECTOR } from './connector.descriptions';

function fieldsOf(input: object): { settings: ConnectorSettings; values: FieldInput } {
  const {
    enabled,
    maxRequestsPerSecond,
    version: _version,
    ...values
  } = input as Record<string, unknown>;
  return {
    settings: { enabled, maxRequestsPerSecond } as ConnectorSettings,
    values: values as FieldInput,
  };
}

@Resolver()
export class ConnectorResolver {
  constructor(private readonly services: Services) {}

  @Query(() => [ConnectorTypeInfo], {
    description: 'Every connector type with the fields it takes',
  })
  connectorTypes(): ConnectorTypeInfo[] {
    const { registry } = this.services;
    return registry.all().map((t) => ({
      type: t.type,
      label: t.label,
      builtIn: registry.isBuiltIn(t.type),
      defaultMaxRequestsPerSecond: t.defaultMaxRequestsPerSecond ?? null,
      fields: t.fields,
    }));
  }

  @Mutation(() => GoogleConnector, {
    description: CONNECTOR.configure('Google Workspace connector'),
  })
  configureGoogleConnector(
    @Ctx() ctx: GraphqlContext,
    @Arg('identityProviderId', () => ID, { description: CONNECTOR.identityProviderIdArg })
    idpId: string,
    @Arg('input', { description: CONNECTOR.inputArg }) input: GoogleConnectorInput,
  ): Promise<ConnectorView> {
    return this.configure(ctx, idpId, 'google', fieldsOf(input));
  }

  @Mutation(() => SalesforceConnector, { description: CONNECTOR.configure('Salesforce connector') })
  configureSalesforceConnector(
    @Ctx() ctx: GraphqlContext,
    @Arg('identityProviderId', () => ID, { description: CONNECTOR.identityProviderIdArg })
    idpId: string,
    @Arg('input', { description: CONNECTOR.inputArg }) input: SalesforceConnectorInput,
  ): Promise<ConnectorView> {
    return this.configure(ctx, idpId, 'salesforce', fieldsOf(input));
  }

  @Mutation(() => ScimConnector, {
    description: CONNECTOR.configure('SCIM connector of the given version'),
  })
  configureScimConnector(
    @Ctx() ctx: GraphqlContext,
    @Arg('identityProviderId', () => ID, { description: CONNECTOR.identityProviderIdArg })
    idpId: string,
    @Arg('input', { description: CONNECTOR.inputArg }) input: ScimConnectorInput,
  ): Promise<ConnectorView> {
    return this.configure(ctx, idpId, input.version, fieldsOf(input));
  }

  @Mutation(() => CustomConnector, {
    description: CONNECTOR.configure('connector of a custom type'),
  })
  configureCustomConnector(
    @Ctx() ctx: GraphqlContext,
    @Arg('identityProviderId', () => ID, { description: CONNECTOR.identityProviderIdArg })
    idpId: string,
    @Arg('input', { description: CONNECTOR.inputArg }) input: CustomConnectorInput,
  ): Promise<ConnectorView> {
    if (this.services.registry.isBuiltIn(input.type)) {
      throw new UserInputError(
        `"${input.type}" is a built-in type: use its own configure mutation`,
        'type',
      );
    }
    const values = this.services.connectors.customProperties(input.properties);
    const { enabled, maxRequestsPerSecond } = input;
    return this.configure(ctx, idpId, input.type, {
      settings: { enabled, maxRequestsPerSecond },
      values,
    });
  }

  @Mutation(() => Boolean, {
    description:
      'Deletes a connector and its links (what its target knows users and groups by); nothing is deleted at the target',
  })
  async removeConnector(
    @Ctx() ctx: GraphqlContext,
    @Arg('id', () => ID, { description: "The connector's id" }) id: string,
  ): Promise<boolean> {
    await new Guard(ctx, this.services).connector(id, 'change');
    return this.services.connectors.remove(id, ctx.audit);
  }

  private async configure(
    ctx: GraphqlContext,
    idpId: string,
    type: string,
    input: { settings: ConnectorSettings; values: FieldInput },
  ): Promise<ConnectorView> {
    const { connectors, registry } = this.services;
    const idp = await new Guard(ctx, this.services).identityProvider(idpId, 'change');
    if (!seesEveryTenant(ctx.principal.access)) await requirePublicDestinations(input.values);
    const row = await connectors.configure(idpId, type, input.settings, input.values, ctx.audit);
    return toConnectorView(row, registry.getByType(type), idp, connectors.secretNames(row));
  }
}
