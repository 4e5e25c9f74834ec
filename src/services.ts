// Wires the services over one data source; resolvers get them through the type-graphql container.
import type { DataSource } from 'typeorm';
import type { SecretBox } from './common/secrets';
import { ConnectorService } from './connector/connector.service';
import { toConnectorView } from './connector/connector.view';
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

export interface Services {
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
  /** Closes the HTTP connections kept alive to targets and Keycloak. */
  closeConnections(): Promise<void>;
}

export function createServices(
  dataSource: DataSource,
  registry: ConnectorTypeRegistry,
  secretBox: SecretBox,
  config: Pick<Config, 'provisioningTimeoutMs' | 'retryAttempts' | 'retryBaseDelayMs' | 'keycloak'>,
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
    const secretNames = new Map(connectorRows.map((c) => [c.id, connectors.secretNames(c)]));
    const views = new Map(
      connectorRows.map((c) => [
        c.id,
        toConnectorView(c, registry.getByType(c.type), identityProvider, secretNames.get(c.id)!),
      ]),
    );
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
      fingerprint,
      usesRoles: usesRoles(identityProvider, connectorRows, claimMappings, (type) =>
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
  });
  const history = new ProvisioningHistory(dataSource);
  const keycloakClient = config.keycloak ? new KeycloakAdminClient(config.keycloak) : null;
  const keycloak: KeycloakDirectory | null = keycloakClient;
  const replayer = new Replayer(dataSource, identityProviders, engine, keycloak);
  return {
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
