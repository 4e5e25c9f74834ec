import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { Guard } from '../auth/guard';
import type { GraphqlContext } from '../graphql/apollo';
import { NotFoundError } from '../common/errors';
import type { Services } from '../services';
import { claimsFrom } from './claims';
import { ProvisioningPreview, TestProvisioningInput } from './test-provisioning.types';

@Resolver()
export class TestProvisioningResolver {
  constructor(private readonly services: Services) {}

  @Mutation(() => [ProvisioningPreview], {
    description:
      'Per connector: the id the target knows the user by and the exact request. With dryRun: false it provisions now and reports each outcome',
  })
  async testProvisioning(
    @Ctx() ctx: GraphqlContext,
    @Arg('input', { description: 'The identity provider, operation and test user' })
    input: TestProvisioningInput,
  ): Promise<ProvisioningPreview[]> {
    // A preview (dry run) is a read; provisioning for real calls the targets: an administrator's.
    await new Guard(ctx, this.services).ownedBy(
      input.identityProviderId,
      input.dryRun ? 'read' : 'change',
      () => new NotFoundError('IdentityProvider', input.identityProviderId),
    );
    const u = input.user;
    const previews = await this.services.engine.runUser({
      identityProviderId: input.identityProviderId,
      connectorId: input.connectorId,
      operation: input.operation,
      dryRun: input.dryRun,
      source: 'api',
      user: {
        id: u.id || u.username,
        username: u.username,
        userStoreDomain: u.userStoreDomain || null,
        tenantDomain: u.tenantDomain || '',
        claims: claimsFrom(u.claims, u.username),
        roles: u.roles,
      },
    });
    // Provisioned for real: the audit entry says what each connector did.
    if (ctx.audit)
      ctx.audit.details = {
        results: previews.map((p) => ({
          connectorId: p.connector.id,
          operation: p.operation,
          status: p.status,
          provisionedId: p.provisionedId,
        })),
      };
    return previews;
  }
}
