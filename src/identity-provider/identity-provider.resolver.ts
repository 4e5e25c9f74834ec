import { Arg, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
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
  identityProviders(
    @Arg('tenantDomain', () => String, { nullable: true }) tenantDomain?: string | null,
  ): Promise<IdentityProvider[]> {
    return this.services.identityProviders.list(tenantDomain);
  }

  @Query(() => IdentityProvider, { nullable: true })
  async identityProvider(@Arg('id', () => ID) id: string): Promise<IdentityProvider | null> {
    return this.services.identityProviders.get(id).catch((error: unknown) => {
      if (error instanceof NotFoundError) return null;
      throw error;
    });
  }

  @Mutation(() => IdentityProvider)
  createIdentityProvider(@Arg('input') input: IdentityProviderInput): Promise<IdentityProvider> {
    return this.services.identityProviders.create(input);
  }

  @Mutation(() => IdentityProvider)
  updateIdentityProvider(
    @Arg('id', () => ID) id: string,
    @Arg('input') input: IdentityProviderUpdateInput,
  ): Promise<IdentityProvider> {
    return this.services.identityProviders.update(id, input);
  }

  @Mutation(() => Boolean, {
    description: 'Deletes the identity provider with its connectors, mappings and links',
  })
  deleteIdentityProvider(@Arg('id', () => ID) id: string): Promise<boolean> {
    return this.services.identityProviders.delete(id);
  }

  @Mutation(() => IdentityProvider, {
    description: 'Replaces all claim mappings of the identity provider',
  })
  setClaimMappings(
    @Arg('identityProviderId', () => ID) identityProviderId: string,
    @Arg('mappings', () => [ClaimMappingInput]) mappings: ClaimMappingInput[],
  ): Promise<IdentityProvider> {
    return this.services.identityProviders.setClaimMappings(identityProviderId, mappings);
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
