import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { changesEveryTenant } from '../auth/access';
import { Guard } from '../auth/guard';
import { NotFoundError } from '../common/errors';
import type { GraphqlContext } from '../graphql/apollo';
import type { Services } from '../services';
import { ProvisionedEntity } from './provisioned-entity.entity';
import {
  ProvisioningLogFilter,
  ProvisioningLogPage,
  ReplayResult,
} from './provisioning-history.types';

@Resolver()
export class ProvisioningHistoryResolver {
  constructor(private readonly services: Services) {}

  @Query(() => ProvisioningLogPage, {
    description: 'Every provisioning attempt, skip and preview, newest first',
  })
  async provisioningLog(
    @Ctx() ctx: GraphqlContext,
    @Arg('filter', () => ProvisioningLogFilter, {
      defaultValue: {},
      description: 'Narrows the log; left out: every record the caller sees',
    })
    filter: ProvisioningLogFilter,
    @Arg('first', () => Int, { defaultValue: 50, description: 'At most 500' }) first: number,
    @Arg('after', () => String, {
      nullable: true,
      description: 'The endCursor of the previous page',
    })
    after?: string | null,
  ): Promise<ProvisioningLogPage> {
    const visible = await this.guard(ctx).visibleIdentityProviderIds();
    return this.services.history.page(filter, first, after ?? null, visible);
  }

  @Query(() => [ProvisionedEntity], {
    description:
      'What each target knows local users and groups by (the links), most recently synced first, at most 500',
  })
  async provisionedEntities(
    @Ctx() ctx: GraphqlContext,
    @Arg('connectorId', () => ID, {
      nullable: true,
      description: "Only this connector's links; give connectorId, localId or both",
    })
    connectorId?: string | null,
    @Arg('localId', () => String, {
      nullable: true,
      description: 'Only the links of this Keycloak user or group id',
    })
    localId?: string | null,
  ): Promise<ProvisionedEntity[]> {
    const visible = await this.guard(ctx).visibleIdentityProviderIds();
    const connectors = visible && (await this.services.connectors.idsOf(visible));
    return this.services.history.links(connectorId ?? null, localId ?? null, connectors);
  }

  @Mutation(() => [ReplayResult], {
    description:
      'Re-runs FAILED records (at most 100): the same operation on the same connector, with the user or group as Keycloak has it now',
  })
  async replayFailed(
    @Ctx() ctx: GraphqlContext,
    @Arg('ids', () => [ID], {
      description:
        'Ids of FAILED records, as provisioningLog shows them; if one is unknown or did not fail, nothing runs',
    })
    ids: string[],
  ): Promise<ReplayResult[]> {
    const guard = this.guard(ctx);
    // Replaying calls the target: an administrator of the record's tenant, else NOT_FOUND.
    const results = await this.services.replayer.replay(ids, async (record) => {
      const notFound = () => new NotFoundError('ProvisioningRecord', String(record.id));
      // A record of no identity provider is the platform's: only its administrators see it.
      if (!record.identityProviderId) return changesEveryTenant(guard.access);
      await guard.ownedBy(record.identityProviderId, 'change', notFound);
      return true;
    });
    if (ctx.audit)
      ctx.audit.details = {
        results: results.map(({ recordId, status }) => ({ recordId, status })),
      };
    return results;
  }

  private guard(ctx: GraphqlContext): Guard {
    return new Guard(ctx, this.services);
  }
}
