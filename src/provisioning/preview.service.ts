// testProvisioning in preview mode: for each connector, the provisioned id and the exact request
// it would send, after the link rules. Nothing is sent; every preview is written to the log.
import { performance } from 'node:perf_hooks';
import { NotFoundError } from '../common/errors';
import { logger } from '../common/logger';
import type { Connector } from '../connector/connector.entity';
import type { ConnectorTypeRegistry } from '../connector-types/registry';
import type { IdentityProvider } from '../identity-provider/identity-provider.entity';
import { claimsFrom, type ProvisioningUser } from './claims';
import type { IdpSnapshot, IdpSnapshotCache } from './idp-snapshot';
import type { LinkRef, LinkStore } from './links';
import type { NewRecord, ProvisioningLog } from './provisioning-log';
import {
  ProvisioningOperation,
  ProvisioningStatus,
  type ProvisioningPreview,
  type TestProvisioningInput,
} from './test-provisioning.types';

const log = logger('preview');

interface Decision {
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

export class PreviewService {
  constructor(
    private readonly snapshots: IdpSnapshotCache,
    private readonly registry: ConnectorTypeRegistry,
    private readonly links: LinkStore,
    private readonly provisioningLog: ProvisioningLog,
  ) {}

  async preview(input: TestProvisioningInput): Promise<ProvisioningPreview[]> {
    const snapshot = await this.snapshots.get(input.identityProviderId);
    const idp = snapshot.identityProvider;
    const targets = this.targetConnectors(snapshot, input.connectorId ?? null);
    const user = toUser(input, idp);
    const links = await this.links.findMany(
      targets.map((c) => c.id),
      'USER',
      user.id,
    );
    const results: ProvisioningPreview[] = [];
    const records: NewRecord[] = [];
    for (const connector of targets) {
      const started = performance.now();
      const link = links.get(connector.id) ?? null;
      const preview = this.previewOne(snapshot, connector, user, input.operation, link);
      results.push(preview);
      records.push(
        toRecord(preview, connector, idp, user, Math.round(performance.now() - started)),
      );
    }
    this.provisioningLog.append(records);
    log.debug(
      { identityProviderId: idp.id, localId: user.id, connectors: targets.length },
      'previewed',
    );
    return results;
  }

  private targetConnectors(snapshot: IdpSnapshot, connectorId: string | null): Connector[] {
    if (!connectorId) return snapshot.connectors.filter((c) => c.enabled);
    const connector = snapshot.connectors.find((c) => c.id === connectorId);
    if (!connector) {
      throw new NotFoundError(
        'Connector',
        `${connectorId} of identity provider ${snapshot.identityProvider.id}`,
      );
    }
    return [connector];
  }

  private previewOne(
    snapshot: IdpSnapshot,
    connector: Connector,
    user: ProvisioningUser,
    requested: ProvisioningOperation,
    link: LinkRef | null,
  ): ProvisioningPreview {
    const { identityProvider: idp, claimMappings } = snapshot;
    const type = this.registry.getByType(connector.type);
    const view = snapshot.views.get(connector.id)!;
    const secretNames = snapshot.secretNames.get(connector.id)!;
    const decision = decideOperation(requested, link?.remoteId ?? null);
    const skip = (reason: string): ProvisioningPreview => ({
      connector: view,
      operation: decision.operation,
      provisionedId: link?.remoteName ?? null,
      request: null,
      status: ProvisioningStatus.SKIPPED,
      reason,
    });
    if (!idp.enabled) return skip('identity provider disabled');
    if (!connector.enabled) return skip('connector disabled');
    if (user.tenantDomain !== idp.tenantDomain)
      return skip(
        `user is in tenant "${user.tenantDomain}", identity provider serves "${idp.tenantDomain}"`,
      );
    if (decision.skipReason) return skip(decision.skipReason);
    const result = type.preview({
      operation: decision.operation,
      user,
      identityProviderName: idp.name,
      claimMappings,
      config: connector.config,
      secretsConfigured: secretNames,
      remoteId: link?.remoteId ?? null,
    });
    return {
      connector: view,
      operation: decision.operation,
      provisionedId: result.provisionedId,
      request: result.request,
      status: ProvisioningStatus.PREVIEWED,
      reason: null,
    };
  }
}

function toUser(input: TestProvisioningInput, idp: IdentityProvider): ProvisioningUser {
  const u = input.user;
  return {
    id: u.id || u.username,
    username: u.username,
    userStoreDomain: u.userStoreDomain || null,
    tenantDomain: u.tenantDomain || idp.tenantDomain,
    claims: claimsFrom(u.claims, u.username),
  };
}

function toRecord(
  p: ProvisioningPreview,
  connector: Connector,
  idp: IdentityProvider,
  user: ProvisioningUser,
  durationMs: number,
): NewRecord {
  return {
    identityProviderId: idp.id,
    connectorId: connector.id,
    connectorType: connector.type,
    operation: p.operation,
    entityType: 'USER',
    localId: user.id,
    status: p.status,
    attempts: 0,
    provisionedId: p.provisionedId,
    remoteId: null,
    errorCode: null,
    errorMessage: p.reason,
    request: p.request,
    durationMs,
    source: 'api',
  };
}
