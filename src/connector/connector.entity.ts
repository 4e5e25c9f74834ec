// A configured outbound connector: one per type per identity provider. `secrets` is sealed
// (AES-256-GCM) and never leaves the connector service.
import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  VersionColumn,
} from 'typeorm';
import { IdentityProvider } from '../identity-provider/identity-provider.entity';
import type { FieldValues } from '../connector-types/connector-type';

@Entity('connector')
@Index('uq_connector_idp_type', ['identityProviderId', 'type'], { unique: true })
export class Connector {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  identityProviderId: string;

  @ManyToOne(() => IdentityProvider, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'identityProviderId' })
  identityProvider?: IdentityProvider;

  @Column({ length: 64 })
  type: string;

  @Column({ default: true })
  enabled: boolean;

  @Column({ type: 'simple-json' })
  config: FieldValues;

  @Column({ type: 'text', nullable: true })
  secrets: string | null;

  /** Null: the type's default pace (none for most types). */
  @Column({ type: 'double', nullable: true })
  maxRequestsPerSecond: number | null;

  @VersionColumn()
  version: number;

  @CreateDateColumn()
  createdAt: Date;

  @UpdateDateColumn()
  updatedAt: Date;
}
