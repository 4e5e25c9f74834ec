// The checks every resolver makes before it reads or changes anything: each object is traced to
// its identity provider's tenant and checked against the caller's Access (see access.ts). A
// platform administrator costs no lookup beyond what the resolver does anyway, except in an
// audited mutation, whose entry names the tenant it concerned (even when the answer is NOT_FOUND).
import type { AuditDraft } from '../audit/audit-draft';
import { ForbiddenError, NotFoundError } from '../common/errors';
import type { GraphqlContext } from '../graphql/apollo';
import type { IdentityProvider } from '../identity-provider/identity-provider.entity';
import type { Services } from '../services';
import {
  changesEveryTenant,
  changesTenant,
  seesEveryTenant,
  seesTenant,
  type Access,
} from './access';

export type Need = 'read' | 'change';

export class Guard {
  readonly access: Access;
  private readonly audit: AuditDraft | undefined;

  constructor(
    ctx: GraphqlContext,
    private readonly services: Pick<Services, 'identityProviders' | 'connectors' | 'snapshots'>,
  ) {
    this.access = ctx.principal.access;
    this.audit = ctx.audit;
  }

  /** The identity provider, if the caller may `need` it; NOT_FOUND when it cannot see it. */
  async identityProvider(id: string, need: Need): Promise<IdentityProvider> {
    const idp = await this.services.identityProviders.get(id);
    this.check(idp, need, () => new NotFoundError('IdentityProvider', id));
    return idp;
  }

  /** A connector's identity provider, checked as above (NOT_FOUND names the connector). */
  async connector(id: string, need: Need): Promise<void> {
    const connector = await this.services.connectors.get(id);
    const idp = await this.services.identityProviders.get(connector.identityProviderId);
    this.check(idp, need, () => new NotFoundError('Connector', id));
  }

  /** An object that names its identity provider (a sync job, a record), checked as above. */
  async ownedBy(identityProviderId: string, need: Need, notFound: () => Error): Promise<void> {
    if (changesEveryTenant(this.access)) {
      // Nothing to refuse; an audited mutation's entry still names the tenant where it can.
      if (this.audit) await this.traceForAudit(identityProviderId, need);
      return;
    }
    const idp = await this.tenantOf(identityProviderId, need).catch((error: unknown) => {
      if (error instanceof NotFoundError) return null;
      throw error;
    });
    if (!idp) throw notFound();
    this.check(idp, need, notFound);
  }

  /** Notes the identity provider's tenant in the audit entry; one deleted since is left out. */
  private async traceForAudit(identityProviderId: string, need: Need): Promise<void> {
    const idp = await this.tenantOf(identityProviderId, need).catch(() => null);
    if (idp) this.audit?.concerns(idp.tenantDomain, idp.id);
  }

  /** Creating something for a tenant: FORBIDDEN unless the caller administers it. */
  createIn(tenantDomain: string): void {
    if (!this.audit?.hasTenant) this.audit?.concerns(tenantDomain);
    if (!changesTenant(this.access, tenantDomain))
      throw new ForbiddenError(`you do not administer the tenant "${tenantDomain}"`);
  }

  /** The identity providers the caller sees; null for all (no filter needed). */
  async visibleIdentityProviderIds(): Promise<string[] | null> {
    if (seesEveryTenant(this.access)) return null;
    const all = await this.services.identityProviders.list();
    return all.filter((idp) => seesTenant(this.access, idp.tenantDomain)).map((idp) => idp.id);
  }

  /**
   * A read may use the identity provider as this process has it cached (a preview does anyway); a
   * change reads the database, so a tenant moved by another instance a moment ago counts.
   */
  private async tenantOf(identityProviderId: string, need: Need): Promise<IdentityProvider> {
    if (need === 'read')
      return (await this.services.snapshots.get(identityProviderId)).identityProvider;
    return this.services.identityProviders.get(identityProviderId);
  }

  private check(idp: IdentityProvider, need: Need, notFound: () => Error): void {
    const { tenantDomain } = idp;
    this.audit?.concerns(tenantDomain, idp.id);
    if (!seesTenant(this.access, tenantDomain)) throw notFound();
    if (need === 'change' && !changesTenant(this.access, tenantDomain))
      throw new ForbiddenError('a viewer changes nothing: this needs an administrator');
  }
}
