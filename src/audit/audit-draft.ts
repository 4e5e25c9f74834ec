// One mutation while it runs: the guard notes the tenant it traced; the service, inside the
// transaction that makes the change, locks it and confirms it still holds (lockTenant), writes
// the audit entry (saveIn); the wrapper (audit-mutations.ts) writes the entry otherwise, with the
// outcome: a refusal, or a call to targets.
import type { EntityManager } from 'typeorm';
import { NotFoundError } from '../common/errors';
import { AuditEntry, type FieldChange } from './audit-entry.entity';

export interface AuditActor {
  subject: string;
  username: string | null;
  /** The token's issuer, or api-token / loopback. */
  issuer: string;
  clientId: string | null;
  sourceAddress: string | null;
}

/** What a service needs of the mutation it changes the database for, inside its transaction. */
export interface MutationScope {
  /**
   * First in the transaction: locks the row of the identity provider the guard checked (every
   * change to it takes this lock first, so two never wait on each other in opposite order), and
   * for a tenant administrator confirms it is still in one of their tenants: a platform
   * administrator moving it meanwhile cannot slip the change into another tenant.
   */
  lockTenant(tx: EntityManager): Promise<void>;
  /** Last in the transaction: the audit entry, committed with the change or not at all. */
  saveIn(tx: EntityManager, changes: FieldChange[], ids?: Record<string, string>): Promise<void>;
}

const HIDDEN = '[secret]';

/** Longest value per column (the entity's lengths): a long input is cut, never refused here. */
const cut = (value: string | null, max: number) => (value === null ? null : value.slice(0, max));

export class AuditDraft implements MutationScope {
  tenantDomain: string | null = null;
  identityProviderId: string | null = null;
  details: Record<string, unknown> | null = null;
  /** The entry as written in the change's transaction; null until then. */
  saved: AuditEntry | null = null;
  private traced = false;

  constructor(
    readonly operation: string,
    readonly actor: AuditActor,
    readonly objectIds: Record<string, string | string[]>,
    /** Secret values given in the input: never written, even inside an error message. */
    private readonly secrets: string[],
    /** The tenants the caller administers; null for a platform administrator. */
    private readonly confinedTo: readonly string[] | null = null,
  ) {}

  /**
   * The tenant (and identity provider) the mutation is about, as the guard traced it. A mutation
   * over objects of several tenants (a replay by a platform administrator) keeps no tenant: only
   * platform administrators see its entry.
   */
  concerns(tenantDomain: string, identityProviderId: string | null = null): void {
    if (!this.traced) {
      this.traced = true;
      this.tenantDomain = tenantDomain;
      this.identityProviderId = identityProviderId;
      return;
    }
    if (this.tenantDomain !== tenantDomain) this.tenantDomain = this.identityProviderId = null;
    else if (identityProviderId && this.identityProviderId !== identityProviderId)
      this.identityProviderId = null;
  }

  /** Whether a tenant has been noted yet. */
  get hasTenant(): boolean {
    return this.traced;
  }

  async lockTenant(tx: EntityManager): Promise<void> {
    const id = this.identityProviderId;
    if (!id) return;
    // SQLite has no row locks; it runs one write transaction at a time anyway.
    const lock = tx.connection.options.type === 'better-sqlite3' ? '' : ' FOR UPDATE';
    const rows: { tenantDomain: string }[] = await tx.query(
      `SELECT tenantDomain FROM identity_provider WHERE id = ?${lock}`,
      [id],
    );
    if (this.confinedTo === null) return;
    if (!rows.length || !this.confinedTo.includes(rows[0].tenantDomain))
      throw new NotFoundError('IdentityProvider', id);
  }

  async saveIn(
    tx: EntityManager,
    changes: FieldChange[],
    ids: Record<string, string> = {},
  ): Promise<void> {
    Object.assign(this.objectIds, ids);
    this.identityProviderId ??= ids.identityProviderId ?? null;
    this.saved = await tx.save(tx.create(AuditEntry, this.entry('OK', null, changes)));
  }

  /**
   * The row to write. Every secret value given in the input is replaced wherever free text could
   * repeat it (the message, the details of calls to targets). Ids and the changes are left as
   * they are: changes hold non-secret fields only, by construction (changes.ts), and replacing
   * there would give a secret away when a plain value equals it.
   */
  entry(outcome: string, message: string | null, changes: FieldChange[] | null) {
    const hide = (text: string) =>
      this.secrets.reduce((t, secret) => t.split(secret).join(HIDDEN), text);
    // Every string inside a value, keys left as they are.
    const hideJson = <T>(value: T): T =>
      JSON.parse(JSON.stringify(value), (_key, v: unknown): unknown =>
        typeof v === 'string' ? hide(v) : v,
      ) as T;
    return {
      operation: this.operation,
      outcome,
      message: message === null ? null : hide(message),
      actorSubject: cut(this.actor.subject, 255)!,
      actorUsername: cut(this.actor.username, 255),
      actorIssuer: cut(this.actor.issuer, 512)!,
      actorClientId: cut(this.actor.clientId, 255),
      sourceAddress: cut(this.actor.sourceAddress, 64),
      tenantDomain: cut(this.tenantDomain, 128),
      identityProviderId: this.identityProviderId,
      objectIds: this.objectIds,
      changes,
      details: hideJson(this.details),
    };
  }
}
