// What one connector did with one operation, and the provisioning-log row that records it.
import type { Connector } from '../connector/connector.entity';
import type { ConnectorView } from '../connector/connector.types';
import type { EntityType } from './links';
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
  error: { code: string; message: string; retriable: boolean } | null;
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
    provisionedId: outcome.provisionedId,
    remoteId: outcome.remoteId,
    errorCode: outcome.error?.code ?? null,
    errorMessage: outcome.error?.message ?? outcome.reason,
    request: outcome.request ?? subject.detail ?? null,
    durationMs: outcome.durationMs,
    source: subject.source,
  };
}
