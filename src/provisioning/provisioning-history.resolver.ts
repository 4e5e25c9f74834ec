import { Arg, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
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
  provisioningLog(
    @Arg('filter', () => ProvisioningLogFilter, { defaultValue: {} })
    filter: ProvisioningLogFilter,
    @Arg('first', () => Int, { defaultValue: 50, description: 'At most 500' }) first: number,
    @Arg('after', () => String, {
      nullable: true,
      description: 'The endCursor of the previous page',
    })
    after?: string | null,
  ): Promise<ProvisioningLogPage> {
    return this.services.history.page(filter, first, after ?? null);
  }

  @Query(() => [ProvisionedEntity], {
    description: 'What each target knows local users and groups by (the links)',
  })
  provisionedEntities(
    @Arg('connectorId', () => ID, { nullable: true }) connectorId?: string | null,
    @Arg('localId', () => String, { nullable: true }) localId?: string | null,
  ): Promise<ProvisionedEntity[]> {
    return this.services.history.links(connectorId ?? null, localId ?? null);
  }

  @Mutation(() => [ReplayResult], {
    description:
      'Re-runs FAILED records (at most 100): the same operation on the same connector, with the user or group as Keycloak has it now',
  })
  replayFailed(@Arg('ids', () => [ID]) ids: string[]): Promise<ReplayResult[]> {
    return this.services.replayer.replay(ids);
  }
}
