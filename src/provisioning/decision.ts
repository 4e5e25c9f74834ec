// Whether and how one connector handles one operation: tenant and scope checks, then the link rules.
import type { Connector } from '../connector/connector.entity';
import type { IdentityProvider } from '../identity-provider/identity-provider.entity';
import type { ProvisioningGroup, ProvisioningUser } from './claims';
import type { LinkRef } from './links';
import { ProvisioningOperation } from './test-provisioning.types';

export interface Decision {
  operation: ProvisioningOperation;
  skipReason: string | null;
  /** Why the operation differs from the one asked for, where the scope changed it. */
  note: string | null;
}

const NOTHING_TO_DELETE = 'never provisioned through this connector: nothing to delete';

/** DESIGN §6 link rules: an unlinked UPDATE creates, a linked CREATE updates, an unlinked DELETE is skipped. */
export function decideOperation(
  requested: ProvisioningOperation,
  remoteId: string | null,
): Decision {
  const go = (operation: ProvisioningOperation): Decision => ({
    operation,
    skipReason: null,
    note: null,
  });
  if (requested === ProvisioningOperation.DELETE && !remoteId)
    return { operation: requested, skipReason: NOTHING_TO_DELETE, note: null };
  if (requested === ProvisioningOperation.UPDATE && !remoteId)
    return go(ProvisioningOperation.CREATE);
  if (requested === ProvisioningOperation.CREATE && remoteId)
    return go(ProvisioningOperation.UPDATE);
  return go(requested);
}

/** Why this identity provider or connector does not run at all for the tenant, or null. */
function notServing(
  idp: IdentityProvider,
  connector: Connector,
  what: 'user' | 'group',
  tenant: string,
): string | null {
  if (!idp.enabled) return 'identity provider disabled';
  if (!connector.enabled) return 'connector disabled';
  if (tenant !== idp.tenantDomain)
    return `${what} is in tenant "${tenant}", identity provider serves "${idp.tenantDomain}"`;
  return null;
}

/** The provisioning scope: empty means everyone; otherwise the user needs one of these roles or groups. */
export function inScope(scope: readonly string[], memberships: readonly string[]): boolean {
  return !scope.length || memberships.some((m) => scope.includes(m));
}

export function decideUser(
  idp: IdentityProvider,
  connector: Connector,
  user: ProvisioningUser,
  requested: ProvisioningOperation,
  link: LinkRef | null,
): Decision {
  const decision = decideOperation(requested, link?.remoteId ?? null);
  const blocked = notServing(idp, connector, 'user', user.tenantDomain);
  if (blocked) return { ...decision, skipReason: blocked };
  const scope = idp.provisioningRoles ?? [];
  if (requested === ProvisioningOperation.DELETE || inScope(scope, user.roles ?? []))
    return decision;
  // Unknown roles never deprovision anyone: only a known membership list can say "left the scope".
  if (!user.roles)
    return {
      ...decision,
      skipReason: `the user's roles are unknown, so the provisioning scope (${scope.join(', ')}) cannot be checked`,
    };
  const why = `outside the provisioning scope (needs one of: ${scope.join(', ')})`;
  // A user who left the scope is deprovisioned where we provisioned them before.
  if (link) {
    return {
      operation: ProvisioningOperation.DELETE,
      skipReason: null,
      note: `${why}: deprovisioned`,
    };
  }
  return { ...decision, skipReason: why };
}

export function decideGroup(
  idp: IdentityProvider,
  connector: Connector,
  group: ProvisioningGroup,
  requested: ProvisioningOperation,
  link: LinkRef | null,
): Decision {
  const decision = decideOperation(requested, link?.remoteId ?? null);
  const blocked = notServing(idp, connector, 'group', group.tenantDomain);
  if (blocked) return { ...decision, skipReason: blocked };
  const scope = idp.provisioningRoles ?? [];
  if (requested !== ProvisioningOperation.DELETE && !inScope(scope, [group.name])) {
    return {
      ...decision,
      skipReason: `group outside the provisioning scope (${scope.join(', ')})`,
    };
  }
  return decision;
}

export function decideMembership(
  idp: IdentityProvider,
  connector: Connector,
  run: { change: 'ADD_MEMBER' | 'REMOVE_MEMBER'; group: ProvisioningGroup },
  groupLink: LinkRef | null,
  member: LinkRef | null,
): Decision {
  // The group's own checks (tenant, scope), as for creating it; a removal from a linked group is
  // never out of scope (the group may have left the scope: its members go too).
  const removal = run.change === 'REMOVE_MEMBER' && groupLink;
  const operation = removal ? ProvisioningOperation.DELETE : ProvisioningOperation.CREATE;
  const asGroup = decideGroup(idp, connector, run.group, operation, groupLink);
  const skip = (skipReason: string) => ({ ...asGroup, skipReason });
  if (asGroup.skipReason) return asGroup;
  if (!member) return skip('member never provisioned through this connector');
  if (run.change === 'REMOVE_MEMBER' && !groupLink)
    return skip('group never provisioned through this connector');
  return asGroup;
}
