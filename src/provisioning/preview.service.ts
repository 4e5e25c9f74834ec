// testProvisioning in preview mode: for each connector, the provisioned id and the exact request
// it would send, after the link rules. Nothing is sent; every preview is written to the log.
import { performance } from 'node:perf_hooks';
import { UserInputError } from '../common/errors';
import { logger } from '../common/logger';
import type { Connector } from '../connector/connector.entity';
import type { ConnectorService } from '../connector/connector.service';
import { toConnectorView } from '../connector/connector.view';
import type { ConnectorTypeRegistry } from '../connector-types/registry';
import type { IdentityProvider } from '../identity-provider/identity-provider.entity';
import type { IdentityProviderService } from '../identity-provider/identity-provider.service';
import { claimsFrom, type ClaimMappingRule, type ProvisioningUser } from './claims';
import type { LinkStore } from './links';
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
    private readonly identityProviders: IdentityProviderService,
    private readonly connectors: ConnectorService,
    private readonly registry: ConnectorTypeRegistry,
    private readonly links: LinkStore,
    private readonly provisioningLog: ProvisioningLog,
  ) {}

  async preview(input: TestProvisioningInput): Promise<ProvisioningPreview[]> {
    const idp = await this.identityProviders.get(input.identityProviderId);
    const targets = await this.targetConnectors(idp, input.connectorId ?? null);
    const mappings = await this.identityProviders.claimMappings(idp.id);
    const user = toUser(input, idp);
    const results: ProvisioningPreview[] = [];
    const records: NewRecord[] = [];
    for (const connector of targets) {
      const started = performance.now();
      const preview = await this.previewOne(connector, idp, user, mappings, input.operation);
      results.push(preview);
      records.push(
        toRecord(preview, connector, idp, user, Math.round(performance.now() - started)),
      );
    }
    await this.provisioningLog.write(records);
    log.debug(
      { identityProviderId: idp.id, localId: user.id, connectors: targets.length },
      'previewed',
    );
    return results;
  }

  private async targetConnectors(
    idp: IdentityProvider,
    connectorId: string | null,
  ): Promise<Connector[]> {
    if (!connectorId) return (await this.connectors.listFor(idp.id)).filter((c) => c.enabled);
    const connector = await this.connectors.get(connectorId);
    if (connector.identityProviderId !== idp.id) {
      throw new UserInputError(
        `connector ${connectorId} belongs to another identity provider`,
        'connectorId',
      );
    }
    return [connector];
  }

  private async previewOne(
    connector: Connector,
    idp: IdentityProvider,
    user: ProvisioningUser,
    claimMappings: ClaimMappingRule[],
    requested: ProvisioningOperation,
  ): Promise<ProvisioningPreview> {
    const type = this.registry.getByType(connector.type);
    const secretNames = this.connectors.secretNames(connector);
    const view = toConnectorView(connector, type, idp, secretNames);
    const link = await this.links.find(connector.id, 'USER', user.id);
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
