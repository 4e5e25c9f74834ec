// The provisioning log: one row per attempt or preview. Payloads are stored redacted.
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type RecordStatus = 'PREVIEWED' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED';

@Entity('provisioning_record')
@Index('ix_record_connector', ['connectorId', 'id'])
@Index('ix_record_local', ['localId', 'id'])
@Index('ix_record_idp', ['identityProviderId', 'id'])
export class ProvisioningRecord {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'uuid', nullable: true })
  identityProviderId: string | null;

  @Column({ type: 'uuid', nullable: true })
  connectorId: string | null;

  @Column({ length: 64, nullable: true, type: 'varchar' })
  connectorType: string | null;

  @Column({ length: 16 })
  operation: string;

  @Column({ length: 8 })
  entityType: string;

  @Column({ length: 255 })
  localId: string;

  @Column({ length: 10 })
  status: RecordStatus;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Column({ type: 'varchar', length: 255, nullable: true })
  provisionedId: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  remoteId: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  errorCode: string | null;

  @Column({ type: 'text', nullable: true })
  errorMessage: string | null;

  @Column({ type: 'simple-json', nullable: true })
  request: object | null;

  @Column({ type: 'int', nullable: true })
  durationMs: number | null;

  @Column({ length: 255 })
  source: string;

  @CreateDateColumn()
  createdAt: Date;
}
