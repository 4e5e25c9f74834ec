// Wires the services over one data source; resolvers get them through the type-graphql container.
import type { DataSource } from 'typeorm';
import { AuditTrail } from './audit/audit-trail';
import type { CallGate } from './common/held-slot';
import type { SecretBox } from './common/secrets';
import { ConnectorService } from './connector/connector.service';
import type { Connector } from './connector/connector.entity';
import { CustomConnector, type ConnectorView } from './connector/connector.types';
import { toConnectorView } from './connector/connector.view';
import type { IdentityProvider } from './identity-provider/identity-provider.entity';
import type { ConnectorTypeRegistry } from './connector-types/registry';
import { IdentityProviderService } from './identity-provider/identity-provider.service';
import {
  TtlCache,
  usesRoles,
  type IdpSnapshot,
  type IdpSnapshotCache,
} from './provisioning/idp-snapshot';
import { LinkStore } from './provisioning/links';
import { ProvisioningEngine } from './provisioning/engine';
import { createHttpClient } from './common/http';
import type { Config } from './config';
import { ProvisioningLog } from './provisioning/provisioning-log';
import { ProvisionerCache } from './provisioning/provisioners';
import { ProvisioningHistory } from './provisioning/provisioning-history';
import { Replayer } from './provisioning/replay';
import { KeycloakAdminClient } from './keycloak/admin-client';
import type { KeycloakDirectory } from './keycloak/directory';
import { Convergence } from './convergence/convergence';
import { SyncService } from './sync/sync.service';

export interface Services {
  audit: AuditTrail;
  identityProviders: IdentityProviderService;
  connectors: ConnectorService;
  registry: ConnectorTypeRegistry;
  links: LinkStore;
  provisioningLog: ProvisioningLog;
  snapshots: IdpSnapshotCache;
  engine: ProvisioningEngine;
  history: ProvisioningHistory;
  /** Keycloak's admin API, where configured (KEYCLOAK_URL). */
  keycloak: KeycloakDirectory | null;
  replayer: Replayer;
  syncs: SyncService;
  /** Where configured (KEYCLOAK_URL): the one path that converges an object to Keycloak's state. */
  convergence: Convergence | null;
  /** Closes the HTTP connections kept alive to targets and Keycloak. */
  closeConnections(): Promise<void>;
}

/** Why this process cannot run a connector, or null when it can. */
function whyUnusable(
  connector: Connector,
  registry: ConnectorTypeRegistry,
  connectors: ConnectorService,
): string | null {
  if (!registry.has(connector.type))
    return `connector type "${connector.type}" is not loaded in this process (CONNECTOR_MODULES)`;
  try {
    connectors.openSecrets(connector);
    return null;
  } catch {
    return 'its secrets cannot be opened with this SECRETS_KEY (sealed under another key): configure them again';
  }
}

/** A connector of a type this process does not load: its common fields only. */
function unknownTypeView(connector: Connector, identityProvider: IdentityProvider): ConnectorView {
  return Object.assign(new CustomConnector(), {
    id: connector.id,
    type: connector.type,
    enabled: connector.enabled,
    identityProvider,
    updatedAt: connector.updatedAt,
    properties: [],
  });
}

/** What a process adds to the configuration: the sidecar bounds its calls to targets. */
export interface CoreOptions {
  targetCalls?: CallGate;
}

export function createServices(
  dataSource: DataSource,
  registry: ConnectorTypeRegistry,
  secretBox: SecretBox,
  config: Pick<
    Config,
    | 'provisioningTimeoutMs'
    | 'retryAttempts'
    | 'retryBaseDelayMs'
    | 'keycloak'
    | 'syncOnConnectorChange'
  >,
  { targetCalls }: CoreOptions = {},
): Services {
  const identityProviders = new IdentityProviderService(dataSource);
  const connectors = new ConnectorService(dataSource, registry, secretBox);
  const links = new LinkStore(dataSource);
  const provisioningLog = new ProvisioningLog(dataSource);
  const snapshots: IdpSnapshotCache = new TtlCache<IdpSnapshot>(async (id) => {
    const [identityProvider, connectorRows, claimMappings] = await Promise.all([
      identityProviders.get(id),
      connectors.listFor(id),
      identityProviders.claimMappings(id),
    ]);
    // A connector this process cannot use (a custom type it does not load, secrets sealed under
    // another key) fails alone with the reason; the identity provider's other connectors run.
    const unusable = new Map<string, string>();
    const secretNames = new Map<string, Set<string>>();
    const views = new Map<string, ConnectorView>();
    for (const c of connectorRows) {
      const problem = whyUnusable(c, registry, connectors);
      if (problem) unusable.set(c.id, problem);
      secretNames.set(c.id, problem ? new Set() : connectors.secretNames(c));
      views.set(
        c.id,
        registry.has(c.type)
          ? toConnectorView(c, registry.getByType(c.type), identityProvider, secretNames.get(c.id)!)
          : unknownTypeView(c, identityProvider),
      );
    }
    const usable = connectorRows.filter((c) => !unusable.has(c.id));
    const fingerprint = JSON.stringify([
      identityProvider.name,
      claimMappings.map((m) => [m.remoteClaim, m.localClaim, m.defaultValue]),
    ]);
    return {
      identityProvider,
      connectors: connectorRows,
      claimMappings,
      secretNames,
      views,
      unusable,
      fingerprint,
      usesRoles: usesRoles(identityProvider, usable, claimMappings, (type) =>
        registry.getByType(type),
      ),
    };
  });
  identityProviders.onChange(() => snapshots.invalidate());
  connectors.onChange(() => snapshots.invalidate());
  const http = createHttpClient(config.provisioningTimeoutMs);
  const engine = new ProvisioningEngine({
    snapshots,
    registry,
    identityProviders,
    provisioners: new ProvisionerCache(registry, connectors, http, config.provisioningTimeoutMs),
    links,
    provisioningLog,
    retry: {
      attempts: config.retryAttempts,
      baseDelayMs: config.retryBaseDelayMs,
      maxDelayMs: 30_000,
    },
    targetCalls,
  });
  const history = new ProvisioningHistory(dataSource);
  const keycloakClient = config.keycloak ? new KeycloakAdminClient(config.keycloak) : null;
  const keycloak: KeycloakDirectory | null = keycloakClient;
  const syncs = new SyncService(dataSource);
  const convergence = keycloak ? new Convergence(engine, keycloak, syncs) : null;
  const replayer = new Replayer(dataSource, identityProviders, engine, keycloak, convergence);
  if (config.syncOnConnectorChange)
    connectors.onNeedsSync = async (identityProviderId, connectorId) => {
      await syncs.queue(identityProviderId, connectorId, 'connector');
    };
  return {
    audit: new AuditTrail(dataSource),
    syncs,
    convergence,
    identityProviders,
    connectors,
    registry,
    links,
    provisioningLog,
    snapshots,
    engine,
    history,
    keycloak,
    replayer,
    async closeConnections() {
      await Promise.all([http.close(), keycloakClient?.close()]);
    },
  };
}
