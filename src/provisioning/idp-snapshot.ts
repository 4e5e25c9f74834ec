// An identity provider with its connectors and claim mappings, as provisioning reads it on every
// call. Cached per process: this process's writes invalidate at once; a short TTL bounds how long
// another instance's change can go unseen.
import type { Connector } from '../connector/connector.entity';
import type { ConnectorView } from '../connector/connector.types';
import type { ClaimMapping } from '../identity-provider/claim-mapping.entity';
import type { IdentityProvider } from '../identity-provider/identity-provider.entity';

export interface IdpSnapshot {
  identityProvider: IdentityProvider;
  connectors: Connector[];
  claimMappings: ClaimMapping[];
  /** Secret names per connector id (which secrets are set; never their values). */
  secretNames: Map<string, Set<string>>;
  /** Each connector's GraphQL shape, built once per snapshot. */
  views: Map<string, ConnectorView>;
}

export class IdpSnapshotCache {
  private readonly entries = new Map<string, { at: number; value: Promise<IdpSnapshot> }>();

  constructor(
    private readonly load: (id: string) => Promise<IdpSnapshot>,
    private readonly ttlMs = 2000,
  ) {}

  get(id: string): Promise<IdpSnapshot> {
    const hit = this.entries.get(id);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value;
    const value = this.load(id);
    this.entries.set(id, { at: Date.now(), value });
    value.catch(() => this.entries.get(id)?.value === value && this.entries.delete(id));
    return value;
  }

  /** Called after any change to identity providers, connectors or mappings. */
  invalidate(): void {
    this.entries.clear();
  }
}
