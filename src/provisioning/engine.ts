// The provisioning engine: one user operation on an identity provider's connectors, each connector
// independently (one's failure never stops another). In preview mode it builds the exact request
// and sends nothing; otherwise it calls the connector's Provisioner with retries, keeps links, and
// records every attempt. The API's testProvisioning and the sidecar both come here.
import { performance } from 'node:perf_hooks';
import { ConnectorError } from '../common/connector-error';
import { NotFoundError } from '../common/errors';
import type { HttpClient } from '../common/http';
import { logger } from '../common/logger';
import { withRetry, type RetryOptions } from '../common/retry';
import type { Connector } from '../connector/connector.entity';
import type { ConnectorService } from '../connector/connector.service';
import type { ConnectorView } from '../connector/connector.types';
import type { ConnectorTypeRegistry } from '../connector-types/registry';
import type { ProvisioningUser } from './claims';
import { decide } from './decision';
import type { IdpSnapshot, IdpSnapshotCache } from './idp-snapshot';
import type { LinkRef, LinkStore } from './links';
import type { NewRecord, ProvisioningLog } from './provisioning-log';
import { ProvisioningOperation, ProvisioningStatus } from './test-provisioning.types';

const log = logger('engine');

export interface UserRun {
  identityProviderId: string;
  connectorId?: string | null;
  operation: ProvisioningOperation;
  user: ProvisioningUser;
  dryRun: boolean;
  /** Event id / topic-partition-offset, or "api". */
  source: string;
}

export interface ConnectorOutcome {
  connector: ConnectorView;
  operation: ProvisioningOperation;
  status: ProvisioningStatus;
  provisionedId: string | null;
  remoteId: string | null;
  request: {
    method: string;
    url: string;
    headers: { name: string; value: string }[];
    body: unknown;
  } | null;
  reason: string | null;
  error: { code: string; message: string; retriable: boolean } | null;
  attempts: number;
  durationMs: number;
}

export class ProvisioningEngine {
  constructor(
    private readonly snapshots: IdpSnapshotCache,
    private readonly registry: ConnectorTypeRegistry,
    private readonly connectors: ConnectorService,
    private readonly links: LinkStore,
    private readonly provisioningLog: ProvisioningLog,
    private readonly http: HttpClient,
    private readonly retry: RetryOptions,
  ) {}

  async runUser(run: UserRun): Promise<ConnectorOutcome[]> {
    const snapshot = await this.snapshots.get(run.identityProviderId);
    // A user given without a tenant belongs to the identity provider's.
    if (!run.user.tenantDomain)
      run = { ...run, user: { ...run.user, tenantDomain: snapshot.identityProvider.tenantDomain } };
    const targets = targetConnectors(snapshot, run.connectorId ?? null);
    const links = await this.links.findMany(
      targets.map((c) => c.id),
      'USER',
      run.user.id,
    );
    const outcomes = await Promise.all(
      targets.map((c) => this.runOne(snapshot, c, run, links.get(c.id) ?? null)),
    );
    const records = outcomes.map((o, i) => toRecord(o, targets[i], snapshot, run));
    if (run.dryRun) this.provisioningLog.append(records);
    else await this.provisioningLog.write(records);
    return outcomes;
  }

  private async runOne(
    snapshot: IdpSnapshot,
    connector: Connector,
    run: UserRun,
    link: LinkRef | null,
  ): Promise<ConnectorOutcome> {
    const started = performance.now();
    const decision = decide(snapshot, connector, run.user, run.operation, link);
    const outcome: ConnectorOutcome = {
      connector: snapshot.views.get(connector.id)!,
      operation: decision.operation,
      status: ProvisioningStatus.SKIPPED,
      provisionedId: link?.remoteName ?? null,
      remoteId: link?.remoteId ?? null,
      request: null,
      reason: decision.skipReason,
      error: null,
      attempts: 0,
      durationMs: 0,
    };
    if (!decision.skipReason) {
      if (run.dryRun) this.preview(snapshot, connector, run, outcome);
      else await this.provision(snapshot, connector, run, outcome);
    }
    outcome.durationMs = Math.round(performance.now() - started);
    return outcome;
  }

  private preview(
    snapshot: IdpSnapshot,
    connector: Connector,
    run: UserRun,
    outcome: ConnectorOutcome,
  ): void {
    const result = this.registry.getByType(connector.type).preview({
      operation: outcome.operation,
      user: run.user,
      identityProviderName: snapshot.identityProvider.name,
      claimMappings: snapshot.claimMappings,
      config: connector.config,
      secretsConfigured: snapshot.secretNames.get(connector.id)!,
      remoteId: outcome.remoteId,
    });
    Object.assign(outcome, {
      status: ProvisioningStatus.PREVIEWED,
      provisionedId: result.provisionedId,
      request: result.request,
    });
  }

  private async provision(
    snapshot: IdpSnapshot,
    connector: Connector,
    run: UserRun,
    outcome: ConnectorOutcome,
  ): Promise<void> {
    const type = this.registry.getByType(connector.type);
    if (!type.create) {
      outcome.reason = `the ${type.label} connector type cannot provision yet: preview only`;
      return;
    }
    const provisioner = type.create({
      config: connector.config,
      secrets: this.connectors.openSecrets(connector),
      identityProviderName: snapshot.identityProvider.name,
      claimMappings: snapshot.claimMappings,
      http: this.http,
    });
    const context = { connectorId: connector.id, localId: run.user.id, source: run.source };
    const onRetry = (error: ConnectorError, attempt: number, delayMs: number) =>
      log.warn({ ...context, attempt, delayMs, code: error.code }, `retrying: ${error.message}`);
    try {
      const { value, attempts } = await withRetry(
        async () => {
          if (outcome.operation === ProvisioningOperation.CREATE)
            return provisioner.createUser(run.user);
          if (outcome.operation === ProvisioningOperation.UPDATE)
            return provisioner.updateUser(outcome.remoteId!, run.user);
          await provisioner.deleteUser(outcome.remoteId!);
          return null;
        },
        { ...this.retry, onRetry },
      );
      outcome.attempts = attempts;
      if (value) {
        await this.links.save(connector.id, 'USER', run.user.id, value);
        Object.assign(outcome, { remoteId: value.remoteId, provisionedId: value.remoteName });
      } else {
        await this.links.remove(connector.id, 'USER', run.user.id);
      }
      outcome.status = ProvisioningStatus.SUCCEEDED;
      log.info({ ...context, attempt: attempts, operation: outcome.operation }, 'provisioned');
    } catch (error) {
      const failure =
        error instanceof ConnectorError
          ? error
          : new ConnectorError((error as Error).message, 'INTERNAL', false, null, { cause: error });
      outcome.attempts = (error as { attempts?: number }).attempts ?? 1;
      outcome.status = ProvisioningStatus.FAILED;
      outcome.error = {
        code: failure.code,
        message: failure.message,
        retriable: failure.retriable,
      };
      log.warn(
        { ...context, attempt: outcome.attempts, code: failure.code },
        `provisioning failed: ${failure.message}`,
      );
    }
  }
}

function targetConnectors(snapshot: IdpSnapshot, connectorId: string | null): Connector[] {
  if (!connectorId) return snapshot.connectors.filter((c) => c.enabled);
  const connector = snapshot.connectors.find((c) => c.id === connectorId);
  if (!connector)
    throw new NotFoundError(
      'Connector',
      `${connectorId} of identity provider ${snapshot.identityProvider.id}`,
    );
  return [connector];
}

function toRecord(
  o: ConnectorOutcome,
  connector: Connector,
  snapshot: IdpSnapshot,
  run: UserRun,
): NewRecord {
  return {
    identityProviderId: snapshot.identityProvider.id,
    connectorId: connector.id,
    connectorType: connector.type,
    operation: o.operation,
    entityType: 'USER',
    localId: run.user.id,
    status: o.status,
    attempts: o.attempts,
    provisionedId: o.provisionedId,
    remoteId: o.remoteId,
    errorCode: o.error?.code ?? null,
    errorMessage: o.error?.message ?? o.reason,
    request: o.request,
    durationMs: o.durationMs,
    source: run.source,
  };
}
