// Whether and how one connector handles one user operation: scope checks, then the link rules.
import type { Connector } from '../connector/connector.entity';
import type { ProvisioningUser } from './claims';
import type { IdpSnapshot } from './idp-snapshot';
import type { LinkRef } from './links';
import { ProvisioningOperation } from './test-provisioning.types';

export interface Decision {
  operation: ProvisioningOperation;
  skipReason: string | null;
}

/** DESIGN §6 link rules: an unlinked UPDATE creates, a linked CREATE updates, an unlinked DELETE is skipped. */
export function decideOperation(
  requested: ProvisioningOperation,
  remoteId: string | null,
): Decision {
  if (requested === ProvisioningOperation.DELETE && !remoteId) {
    return {
      operation: requested,
      skipReason: 'never provisioned through this connector: nothing to delete',
    };
  }
  if (requested === ProvisioningOperation.UPDATE && !remoteId)
    return { operation: ProvisioningOperation.CREATE, skipReason: null };
  if (requested === ProvisioningOperation.CREATE && remoteId)
    return { operation: ProvisioningOperation.UPDATE, skipReason: null };
  return { operation: requested, skipReason: null };
}

export function decide(
  snapshot: IdpSnapshot,
  connector: Connector,
  user: ProvisioningUser,
  requested: ProvisioningOperation,
  link: LinkRef | null,
): Decision {
  const idp = snapshot.identityProvider;
  const decision = decideOperation(requested, link?.remoteId ?? null);
  const skip = (reason: string) => ({ operation: decision.operation, skipReason: reason });
  if (!idp.enabled) return skip('identity provider disabled');
  if (!connector.enabled) return skip('connector disabled');
  if (user.tenantDomain !== idp.tenantDomain) {
    return skip(
      `user is in tenant "${user.tenantDomain}", identity provider serves "${idp.tenantDomain}"`,
    );
  }
  return decision;
}
