// What one connector did with one operation, and the provisioning-log row that records it.
import type { Connector } from '../connector/connector.entity';
import type { ConnectorView } from '../connector/connector.types';
import { ConnectorError } from '../common/connector-error';
import type { Decision } from './decision';
import type { IdpSnapshot } from './idp-snapshot';
import type { EntityType, LinkRef } from './links';
import type { NewRecord } from './provisioning-log';
import { ProvisioningOperation, ProvisioningStatus } from './test-provisioning.types';

export type MembershipChange = 'ADD_MEMBER' | 'REMOVE_MEMBER';
export type RecordOperation = ProvisioningOperation | MembershipChange;

export interface ConnectorOutcome<Op extends RecordOperation = RecordOperation> {
  connector: ConnectorView;
  operation: Op;
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
  error: {
    code: string;
    message: string;
    retriable: boolean;
    /** The target's Retry-After, for whoever tries again later. */
    retryAfterMs?: number | null;
  } | null;
  attempts: number;
  durationMs: number;
}

/** What a record is about: the entity, the identity provider, where the change came from. */
export interface RecordSubject {
  identityProviderId: string;
  entityType: EntityType;
  localId: string;
  source: string;
  /** Extra facts stored in the record's request column (e.g. the member of a membership change). */
  detail?: object;
}

export function toRecord(
  outcome: ConnectorOutcome,
  connector: Connector,
  subject: RecordSubject,
): NewRecord {
  return {
    identityProviderId: subject.identityProviderId,
    connectorId: connector.id,
    connectorType: connector.type,
    operation: outcome.operation,
    entityType: subject.entityType,
    localId: subject.localId,
    status: outcome.status,
    attempts: outcome.attempts,
    provisionedId: clip(outcome.provisionedId, 255),
    remoteId: clip(outcome.remoteId, 255),
    errorCode: clip(outcome.error?.code, 64),
    errorMessage: clip(outcome.error?.message ?? outcome.reason, 8000),
    request: outcome.request ?? subject.detail ?? null,
    durationMs: outcome.durationMs,
    source: clip(subject.source, 255)!,
  };
}

/** Values cut to their column's size, so one long target message cannot fail a shared INSERT. */
function clip(value: string | null | undefined, max: number): string | null {
  if (value === null || value === undefined) return null;
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

/** The outcome before anything is sent: SKIPPED with the decision's reason, or about to run. */
export function start(
  snapshot: IdpSnapshot,
  connector: Connector,
  decision: Decision,
  link: LinkRef | null,
): ConnectorOutcome {
  return {
    connector: snapshot.views.get(connector.id)!,
    operation: decision.operation,
    status: ProvisioningStatus.SKIPPED,
    provisionedId: link?.remoteName ?? null,
    remoteId: link?.remoteId ?? null,
    request: null,
    reason: decision.skipReason ?? decision.note,
    error: null,
    attempts: 0,
    durationMs: 0,
  };
}

/** For a connector that broke before it could decide. */
export const NO_DECISION: Decision = {
  operation: ProvisioningOperation.CREATE,
  skipReason: null,
  note: null,
};

export function internalError(error: unknown): ConnectorError {
  const message = error instanceof Error ? error.message : String(error);
  return new ConnectorError(`internal error: ${message}`, 'INTERNAL', false, null, {
    cause: error,
  });
}

export function failed(
  outcome: ConnectorOutcome,
  failure: ConnectorError,
  attempts = 0,
  scrub: (text: string) => string = (text) => text,
): ConnectorOutcome {
  return Object.assign(outcome, {
    status: ProvisioningStatus.FAILED,
    attempts,
    error: {
      code: failure.code,
      message: scrub(failure.message),
      retriable: failure.retriable,
      retryAfterMs: failure.retryAfterMs,
    },
  });
}
