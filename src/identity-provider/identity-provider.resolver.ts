import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { seesTenant } from '../auth/access';
import { Guard } from '../auth/guard';
import type { GraphqlContext } from '../graphql/apollo';
import { NotFoundError } from '../common/errors';
import { ConnectorView } from '../connector/connector.types';
import type { Services } from '../services';
import { ClaimMapping } from './claim-mapping.entity';
import { IdentityProvider } from './identity-provider.entity';
import {
  ClaimMappingInput,
  IdentityProviderInput,
  IdentityProviderUpdateInput,
} from './identity-provider.input';

@Resolver(() => IdentityProvider)
export class IdentityProviderResolver {
  constructor(private readonly services: Services) {}

  @Query(() => [IdentityProvider], {
    description: "The identity providers of the caller's tenants, by tenant, then name",
  })
  async identityProviders(
    @Ctx() { principal }: GraphqlContext,
    @Arg('tenantDomain', () => String, {
      nullable: true,
      description: "Only this tenant's (Keycloak realm); left out: every tenant the caller sees",
    })
    tenantDomain?: string | null,
  ): Promise<IdentityProvider[]> {
    const all = await this.services.identityProviders.list(tenantDomain);
    return all.filter((idp) => seesTenant(principal.access, idp.tenantDomain));
  }

  @Query(() => IdentityProvider, {
    nullable: true,
    description: "One identity provider; null when the caller's tenants have none with this id",
  })
  async identityProvider(
    @Ctx() ctx: GraphqlContext,
    @Arg('id', () => ID, { description: "The identity provider's id" }) id: string,
  ): Promise<IdentityProvider | null> {
    return this.guard(ctx)
      .identityProvider(id, 'read')
      .catch((error: unknown) => {
        if (error instanceof NotFoundError) return null;
        throw error;
      });
  }

  @Mutation(() => IdentityProvider, {
    description:
      'Registers an identity provider in a tenant the caller administers; CONFLICT when the tenant already has one of that name',
  })
  createIdentityProvider(
    @Ctx() ctx: GraphqlContext,
    @Arg('input', { description: 'Its name, tenant and settings' }) input: IdentityProviderInput,
  ): Promise<IdentityProvider> {
    this.guard(ctx).createIn(input.tenantDomain);
    return this.services.identityProviders.create(input, ctx.audit);
  }

  @Mutation(() => IdentityProvider, {
    description:
      'Changes an identity provider; fields left out keep their values. CONFLICT when the new name is taken in its tenant',
  })
  async updateIdentityProvider(
    @Ctx() ctx: GraphqlContext,
    @Arg('id', () => ID, { description: 'The identity provider to change' }) id: string,
    @Arg('input', { description: 'The changes' }) input: IdentityProviderUpdateInput,
  ): Promise<IdentityProvider> {
    const guard = this.guard(ctx);
    await guard.identityProvider(id, 'change');
    // Moving it to another tenant needs that tenant too.
    if (input.tenantDomain) guard.createIn(input.tenantDomain);
    return this.services.identityProviders.update(id, input, ctx.audit);
  }

  @Mutation(() => Boolean, {
    description: 'Deletes the identity provider with its connectors, mappings and links',
  })
  async deleteIdentityProvider(
    @Ctx() ctx: GraphqlContext,
    @Arg('id', () => ID, { description: 'The identity provider to delete' }) id: string,
  ): Promise<boolean> {
    await this.guard(ctx).identityProvider(id, 'change');
    return this.services.identityProviders.delete(id, ctx.audit);
  }

  @Mutation(() => IdentityProvider, {
    description: 'Replaces all claim mappings of the identity provider',
  })
  async setClaimMappings(
    @Ctx() ctx: GraphqlContext,
    @Arg('identityProviderId', () => ID, {
      description: 'The identity provider whose mappings are replaced',
    })
    identityProviderId: string,
    @Arg('mappings', () => [ClaimMappingInput], {
      description: 'The whole new list, in order: each remoteClaim at most once; [] removes all',
    })
    mappings: ClaimMappingInput[],
  ): Promise<IdentityProvider> {
    await this.guard(ctx).identityProvider(identityProviderId, 'change');
    return this.services.identityProviders.setClaimMappings(
      identityProviderId,
      mappings,
      ctx.audit,
    );
  }

  private guard(ctx: GraphqlContext): Guard {
    return new Guard(ctx, this.services);
  }

  @FieldResolver(() => [ConnectorView], {
    description: 'Its outbound provisioning connectors, at most one per type',
  })
  async connectors(@Root() idp: IdentityProvider): Promise<ConnectorView[]> {
    const snapshot = await this.services.snapshots.get(idp.id);
    return snapshot.connectors.map((c) => snapshot.views.get(c.id)!);
  }

  @FieldResolver(() => [ClaimMapping], {
    description: 'Its claim mappings, in order: what each target attribute is sent',
  })
  claimMappings(@Root() idp: IdentityProvider): Promise<ClaimMapping[]> {
    return this.services.identityProviders.claimMappings(idp.id);
  }
}
