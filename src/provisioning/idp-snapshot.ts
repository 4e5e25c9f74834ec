// An identity provider with its connectors and claim mappings, as provisioning reads it on every
// call. Cached per process: this process's writes invalidate at once; a short TTL bounds how long
// another instance's change can go unseen.
import type { Connector } from '../connector/connector.entity';
import type { ConnectorView } from '../connector/connector.types';
import type { ClaimMapping } from '../identity-provider/claim-mapping.entity';
import type { IdentityProvider } from '../identity-provider/identity-provider.entity';
import type { ConnectorType } from '../connector-types/connector-type';
import { NotFoundError } from '../common/errors';
import { GROUPS_CLAIM, ROLES_CLAIM } from './claims';

export interface IdpSnapshot {
  identityProvider: IdentityProvider;
  connectors: Connector[];
  claimMappings: ClaimMapping[];
  /** Secret names per connector id (which secrets are set; never their values). */
  secretNames: Map<string, Set<string>>;
  /** Each connector's GraphQL shape, built once per snapshot. */
  views: Map<string, ConnectorView>;
  /** Connectors this process cannot run, with the reason: each fails alone. */
  unusable: Map<string, string>;
  /** Changes when the identity provider's name or claim mappings change (live provisioners use both). */
  fingerprint: string;
  /** Whether provisioning for this identity provider can depend on a user's groups or roles. */
  usesRoles: boolean;
}

const ROLE_CLAIMS = new Set([GROUPS_CLAIM, ROLES_CLAIM]);

/**
 * A user's groups and roles cost two more Keycloak reads per event; they matter only for a
 * provisioning scope, a claim mapping or connector field that names them, or a connector type
 * that may read any claim.
 */
export function usesRoles(
  identityProvider: IdentityProvider,
  connectors: Connector[],
  claimMappings: ClaimMapping[],
  typeOf: (type: string) => ConnectorType,
): boolean {
  if (identityProvider.provisioningRoles?.length) return true;
  if (claimMappings.some((m) => m.localClaim && ROLE_CLAIMS.has(m.localClaim))) return true;
  return connectors.some(
    (c) =>
      c.enabled &&
      (!typeOf(c.type).claimsThroughMappings ||
        Object.values(c.config).some((value) => ROLE_CLAIMS.has(String(value)))),
  );
}

/** A keyed cache of loads with a short TTL, cleared at once by this process's own writes. */
export class TtlCache<T> {
  private readonly entries = new Map<string, { at: number; value: Promise<T> }>();

  constructor(
    private readonly load: (key: string) => Promise<T>,
    private readonly ttlMs = 2000,
  ) {}

  get(key: string): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value;
    const value = this.load(key);
    this.entries.set(key, { at: Date.now(), value });
    value.catch(() => this.entries.get(key)?.value === value && this.entries.delete(key));
    return value;
  }

  /** Drops one key: its next get loads it again. */
  forget(key: string): void {
    this.entries.delete(key);
  }

  /** Called after any change to identity providers, connectors or mappings. */
  invalidate(): void {
    this.entries.clear();
  }
}

export type IdpSnapshotCache = TtlCache<IdpSnapshot>;

/** The connectors a change goes to: the one named (NotFoundError when gone), or every enabled one. */
export function targetConnectors(snapshot: IdpSnapshot, connectorId: string | null): Connector[] {
  if (!connectorId) return snapshot.connectors.filter((c) => c.enabled);
  const connector = snapshot.connectors.find((c) => c.id === connectorId);
  if (!connector)
    throw new NotFoundError(
      'Connector',
      `${connectorId} of identity provider ${snapshot.identityProvider.id}`,
    );
  return [connector];
}
