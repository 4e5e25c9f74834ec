// The audit trail, read-only: no mutation updates or deletes an entry.
import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import type { GraphqlContext } from '../graphql/apollo';
import type { Services } from '../services';
import { MAX_AUDIT_PAGE } from './audit-trail';
import { AuditLogFilter, AuditLogPage } from './audit.types';

@Resolver()
export class AuditResolver {
  constructor(private readonly services: Services) {}

  @Query(() => AuditLogPage, {
    description:
      "Who changed what and who called which target, newest first, within the caller's tenants (platform administrators: all, and entries of no tenant)",
  })
  auditLog(
    @Ctx() ctx: GraphqlContext,
    @Arg('filter', () => AuditLogFilter, {
      defaultValue: {},
      description: 'Narrows the trail; left out: every entry the caller sees',
    })
    filter: AuditLogFilter,
    @Arg('first', () => Int, { defaultValue: 20, description: `At most ${MAX_AUDIT_PAGE}` })
    first: number,
    @Arg('after', () => String, {
      nullable: true,
      description: 'The endCursor of the previous page',
    })
    after?: string | null,
  ): Promise<AuditLogPage> {
    return this.services.audit.page(filter, first, after ?? null, ctx.principal.access.tenants);
  }
}
