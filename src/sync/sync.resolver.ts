// GraphQL for syncs: start one, watch it, cancel it, confirm the deletions it stopped before.
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Guard, type Need } from '../auth/guard';
import { NotFoundError } from '../common/errors';
import type { GraphqlContext } from '../graphql/apollo';
import { ConnectorView } from '../connector/connector.types';
import { IdentityProvider } from '../identity-provider/identity-provider.entity';
import type { Services } from '../services';
import { SyncJob } from './sync-job.entity';

@Resolver(() => SyncJob)
export class SyncResolver {
  constructor(private readonly services: Services) {}

  @Mutation(() => SyncJob, {
    description:
      "Queues a sync: every user and group of the identity provider's realm in Keycloak converged at its enabled connectors (or one), and linked objects Keycloak no longer has deleted. A running sidecar carries it out; CONFLICT while another sync of the identity provider is queued or running",
  })
  async startSync(
    @Ctx() ctx: GraphqlContext,
    @Arg('identityProviderId', () => ID, {
      description: 'The identity provider whose realm is synced',
    })
    identityProviderId: string,
    @Arg('connectorId', () => ID, { nullable: true, description: 'Only this connector' })
    connectorId?: string | null,
    @Arg('dryRun', { defaultValue: false, description: 'Record every decision, change nothing' })
    dryRun?: boolean,
  ): Promise<SyncJob> {
    await this.guard(ctx).identityProvider(identityProviderId, 'change');
    return this.services.syncs.start(
      {
        identityProviderId,
        connectorId,
        dryRun: dryRun ?? false,
        trigger: 'api',
      },
      ctx.audit,
    );
  }

  @Query(() => SyncJob, { description: 'One sync with its counts as they stand' })
  syncJob(
    @Ctx() ctx: GraphqlContext,
    @Arg('id', () => ID, { description: "The sync's id" }) id: string,
  ): Promise<SyncJob> {
    return this.job(ctx, id, 'read');
  }

  @Query(() => [SyncJob], { description: "An identity provider's syncs, newest first" })
  async syncJobs(
    @Ctx() ctx: GraphqlContext,
    @Arg('identityProviderId', () => ID, {
      description: 'The identity provider whose syncs are listed',
    })
    identityProviderId: string,
    @Arg('first', () => Int, { defaultValue: 20, description: 'At most 100' }) first: number,
    @Arg('after', () => ID, {
      nullable: true,
      description: 'The id of the last sync of the previous page',
    })
    after?: string | null,
  ): Promise<SyncJob[]> {
    await this.guard(ctx).identityProvider(identityProviderId, 'read');
    return this.services.syncs.list(identityProviderId, first, after ?? null);
  }

  @Mutation(() => SyncJob, {
    description:
      'Stops a queued, running or waiting sync; objects not yet converged are left as they are',
  })
  async cancelSync(
    @Ctx() ctx: GraphqlContext,
    @Arg('id', () => ID, { description: 'The sync to stop' }) id: string,
  ): Promise<SyncJob> {
    await this.job(ctx, id, 'change');
    return this.services.syncs.cancel(id, ctx.audit);
  }

  @Mutation(() => SyncJob, {
    description:
      'Lets a sync stopped by the deletion safeguard (NEEDS_CONFIRMATION) go on and delete what Keycloak no longer has',
  })
  async confirmSyncDeletions(
    @Ctx() ctx: GraphqlContext,
    @Arg('id', () => ID, { description: 'The sync waiting in NEEDS_CONFIRMATION' }) id: string,
  ): Promise<SyncJob> {
    await this.job(ctx, id, 'change');
    return this.services.syncs.confirmDeletions(id, ctx.audit);
  }

  private guard(ctx: GraphqlContext): Guard {
    return new Guard(ctx, this.services);
  }

  /** The job, if the caller may `need` its identity provider; NOT_FOUND as for an unknown id. */
  private async job(ctx: GraphqlContext, id: string, need: Need): Promise<SyncJob> {
    const job = await this.services.syncs.get(id);
    await this.guard(ctx).ownedBy(
      job.identityProviderId,
      need,
      () => new NotFoundError('SyncJob', id),
    );
    return job;
  }

  @FieldResolver(() => IdentityProvider, {
    description: 'The identity provider whose realm it syncs',
  })
  async identityProvider(@Root() job: SyncJob): Promise<IdentityProvider> {
    return (await this.services.snapshots.get(job.identityProviderId)).identityProvider;
  }

  @FieldResolver(() => ConnectorView, {
    nullable: true,
    description: 'The one connector synced; null for every enabled connector',
  })
  async connector(@Root() job: SyncJob): Promise<ConnectorView | null> {
    if (!job.connectorId) return null;
    const snapshot = await this.services.snapshots.get(job.identityProviderId);
    return snapshot.views.get(job.connectorId) ?? null;
  }
}
