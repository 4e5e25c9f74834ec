import { AuditEntry } from '../audit/audit-entry.entity';
import { Connector } from '../connector/connector.entity';
import { ClaimMapping } from '../identity-provider/claim-mapping.entity';
import { IdentityProvider } from '../identity-provider/identity-provider.entity';
import { ProvisionedEntity } from '../provisioning/provisioned-entity.entity';
import { ProvisioningRecord } from '../provisioning/provisioning-record.entity';
import { SyncJob, SyncObject } from '../sync/sync-job.entity';

export const ENTITIES = [
  IdentityProvider,
  ClaimMapping,
  Connector,
  ProvisionedEntity,
  ProvisioningRecord,
  SyncJob,
  SyncObject,
  AuditEntry,
];
