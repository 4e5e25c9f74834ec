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

  @Query(() => [IdentityProvider])
  async identityProviders(
    @Ctx() { principal }: GraphqlContext,
    @Arg('tenantDomain', () => String, { nullable: true }) tenantDomain?: string | null,
  ): Promise<IdentityProvider[]> {
    const all = await this.services.identityProviders.list(tenantDomain);
    return all.filter((idp) => seesTenant(principal.access, idp.tenantDomain));
  }

  @Query(() => IdentityProvider, { nullable: true })
  async identityProvider(
    @Ctx() ctx: GraphqlContext,
    @Arg('id', () => ID) id: string,
  ): Promise<IdentityProvider | null> {
    return this.guard(ctx)
      .identityProvider(id, 'read')
      .catch((error: unknown) => {
        if (error instanceof NotFoundError) return null;
        throw error;
      });
  }

  @Mutation(() => IdentityProvider)
  createIdentityProvider(
    @Ctx() ctx: GraphqlContext,
    @Arg('input') input: IdentityProviderInput,
  ): Promise<IdentityProvider> {
    this.guard(ctx).createIn(input.tenantDomain);
    return this.services.identityProviders.create(input, ctx.audit);
  }

  @Mutation(() => IdentityProvider)
  async updateIdentityProvider(
    @Ctx() ctx: GraphqlContext,
    @Arg('id', () => ID) id: string,
    @Arg('input') input: IdentityProviderUpdateInput,
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
    @Arg('id', () => ID) id: string,
  ): Promise<boolean> {
    await this.guard(ctx).identityProvider(id, 'change');
    return this.services.identityProviders.delete(id, ctx.audit);
  }

  @Mutation(() => IdentityProvider, {
    description: 'Replaces all claim mappings of the identity provider',
  })
  async setClaimMappings(
    @Ctx() ctx: GraphqlContext,
    @Arg('identityProviderId', () => ID) identityProviderId: string,
    @Arg('mappings', () => [ClaimMappingInput]) mappings: ClaimMappingInput[],
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

  @FieldResolver(() => [ConnectorView])
  async connectors(@Root() idp: IdentityProvider): Promise<ConnectorView[]> {
    const snapshot = await this.services.snapshots.get(idp.id);
    return snapshot.connectors.map((c) => snapshot.views.get(c.id)!);
  }

  @FieldResolver(() => [ClaimMapping])
  claimMappings(@Root() idp: IdentityProvider): Promise<ClaimMapping[]> {
    return this.services.identityProviders.claimMappings(idp.id);
  }
}
