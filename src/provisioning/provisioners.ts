// One live Provisioner per connector, kept while the connector, its identity provider's name and
// claim mappings stay the same, so clients with tokens (Google, Salesforce) log in once, not per call.
import type { Connector } from '../connector/connector.entity';
import type { ConnectorService } from '../connector/connector.service';
import type { Provisioner } from '../connector-types/connector-type';
import type { ConnectorTypeRegistry } from '../connector-types/registry';
import { pacedHttpClient, type HttpClient } from '../common/http';
import { ConnectorPace } from '../common/pace';
import type { IdpSnapshot } from './idp-snapshot';

export class ProvisionerCache {
  private readonly entries = new Map<
    string,
    { key: string; provisioner: Provisioner | null; secrets: string[] }
  >();

  /** Kept across provisioner rebuilds, so a reconfigured connector keeps its place in line. */
  private readonly paces = new Map<string, ConnectorPace>();

  constructor(
    private readonly registry: ConnectorTypeRegistry,
    private readonly connectors: ConnectorService,
    private readonly http: HttpClient,
    private readonly timeoutMs: number,
  ) {}

  /** The connector's Provisioner, or null for types that can only preview. */
  get(snapshot: IdpSnapshot, connector: Connector): Provisioner | null {
    const key = `${connector.version}:${snapshot.fingerprint}`;
    const hit = this.entries.get(connector.id);
    if (hit?.key === key) return hit.provisioner;
    const type = this.registry.getByType(connector.type);
    const secrets = this.connectors.openSecrets(connector);
    const pace = this.paceOf(connector.id);
    pace.setRate(connector.maxRequestsPerSecond ?? type.defaultMaxRequestsPerSecond ?? null);
    const provisioner =
      type.create?.({
        config: connector.config,
        secrets,
        identityProviderName: snapshot.identityProvider.name,
        claimMappings: snapshot.claimMappings,
        http: pacedHttpClient(this.http, pace),
        unpacedHttp: this.http,
        pace,
        timeoutMs: this.timeoutMs,
      }) ?? null;
    this.entries.set(connector.id, { key, provisioner, secrets: Object.values(secrets) });
    return provisioner;
  }

  private paceOf(connectorId: string): ConnectorPace {
    let pace = this.paces.get(connectorId);
    if (!pace) this.paces.set(connectorId, (pace = new ConnectorPace()));
    return pace;
  }

  /** The connector's secret values, to keep them out of anything a target sends back. */
  secretsOf(connector: Connector): string[] {
    return (
      this.entries.get(connector.id)?.secrets ??
      Object.values(this.connectors.openSecrets(connector))
    );
  }
}
