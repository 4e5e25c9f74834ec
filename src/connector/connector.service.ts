// Configured connectors: upsert (one per type per identity provider), secrets sealed on the way in
// and opened only for the provisioning engine; nothing here returns a secret to the API.
import { DataSource, In, Repository } from 'typeorm';
import { transaction } from '../db/transaction';
import type { MutationScope } from '../audit/audit-draft';
import type { FieldChange } from '../audit/audit-entry.entity';
import { plainChanges, secretChanges } from '../audit/changes';
import { ConflictError, NotFoundError, UserInputError } from '../common/errors';
import { ChangeNotifier } from '../common/change-notifier';
import { isUuid } from '../common/validation';
import { logger } from '../common/logger';
import type { SecretBox } from '../common/secrets';
import type { FieldValues } from '../connector-types/connector-type';
import {
  mergeValues,
  requireSecretsForNewAddress,
  type FieldInput,
} from '../connector-types/field-values';
import type { ConnectorTypeRegistry } from '../connector-types/registry';
import { payloadSettings } from '../connector-types/transport-settings';
import { IdentityProvider } from '../identity-provider/identity-provider.entity';
import { Connector } from './connector.entity';

const log = logger('connector');

/** What every connector has beside its type's fields. Left out: kept; null: cleared. */
export interface ConnectorSettings {
  enabled?: boolean | null;
  maxRequestsPerSecond?: number | null;
}

/** Highest pace accepted: above it no target limits anyone, and a typo should not pass. */
export const MAX_REQUESTS_PER_SECOND = 10_000;

function checkRate(perSecond: number | null | undefined): void {
  if (perSecond === undefined || perSecond === null) return;
  if (!(perSecond > 0 && perSecond <= MAX_REQUESTS_PER_SECOND))
    throw new UserInputError(
      `maxRequestsPerSecond must be above 0 and at most ${MAX_REQUESTS_PER_SECOND} (got ${perSecond}); null uses the type's default`,
      'maxRequestsPerSecond',
    );
}

/** A connector's audited values: its common settings and its type's plain (non-secret) fields. */
function plainOf(connector: Connector): Record<string, unknown> {
  const { enabled, maxRequestsPerSecond, config } = connector;
  return { enabled, maxRequestsPerSecond, ...config };
}

export class ConnectorService extends ChangeNotifier {
  private readonly repo: Repository<Connector>;
  private readonly idps: Repository<IdentityProvider>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly registry: ConnectorTypeRegistry,
    private readonly secretBox: SecretBox,
  ) {
    super();
    this.repo = dataSource.getRepository(Connector);
    this.idps = dataSource.getRepository(IdentityProvider);
  }

  /** Called when a connector needs a sync (created, re-enabled, or its fields changed). */
  onNeedsSync?: (identityProviderId: string, connectorId: string) => Promise<void>;

  listFor(identityProviderId: string): Promise<Connector[]> {
    return this.repo.find({ where: { identityProviderId }, order: { type: 'ASC' } });
  }

  /** The ids of the connectors of these identity providers. */
  async idsOf(identityProviderIds: string[]): Promise<string[]> {
    if (!identityProviderIds.length) return [];
    const rows = await this.repo.find({
      select: { id: true },
      where: { identityProviderId: In(identityProviderIds) },
    });
    return rows.map((r) => r.id);
  }

  async get(id: string): Promise<Connector> {
    const found = isUuid(id) ? await this.repo.findOneBy({ id }) : null;
    if (!found) throw new NotFoundError('Connector', id);
    return found;
  }

  async configure(
    identityProviderId: string,
    typeCode: string,
    settings: ConnectorSettings,
    input: FieldInput,
    scope?: MutationScope,
  ): Promise<Connector> {
    const { enabled, maxRequestsPerSecond } = settings;
    checkRate(maxRequestsPerSecond);
    const type = this.registry.getByType(typeCode);
    if (!isUuid(identityProviderId) || !(await this.idps.existsBy({ id: identityProviderId })))
      throw new NotFoundError('IdentityProvider', identityProviderId);
    const existing = await this.repo.findOneBy({ identityProviderId, type: typeCode });
    const storedSecrets = existing ? this.openSecrets(existing) : {};
    const stored: FieldValues = existing ? { ...existing.config, ...storedSecrets } : {};
    const merged = mergeValues(type, stored, input);
    requireSecretsForNewAddress(type, stored, merged, input);
    const { config, secrets } = type.validate(merged);
    const before = existing && {
      enabled: existing.enabled,
      settings: JSON.stringify(payloadSettings(existing.type, existing.config)),
    };
    // Taken before the row (the same object when it exists) is changed.
    const beforeValues = existing && plainOf(existing);
    const row = existing ?? this.repo.create({ identityProviderId, type: typeCode, enabled: true });
    row.config = config;
    row.secrets = Object.keys(secrets).length ? this.secretBox.sealJson(secrets) : null;
    if (enabled !== undefined && enabled !== null) row.enabled = enabled;
    if (maxRequestsPerSecond !== undefined) row.maxRequestsPerSecond = maxRequestsPerSecond;
    try {
      const saved = await transaction(this.dataSource, async (tx) => {
        await scope?.lockTenant(tx);
        const saved = await tx.save(row);
        const changes = this.changesOf(beforeValues, storedSecrets, saved, secrets);
        await scope?.saveIn(tx, changes, { connectorId: saved.id });
        return saved;
      });
      this.changed();
      log.info(
        { connectorId: saved.id, type: typeCode, identityProviderId },
        existing ? 'connector updated' : 'connector created',
      );
      // Created, re-enabled or remapped: the realm's existing users must reach it too.
      const settings = JSON.stringify(payloadSettings(saved.type, saved.config));
      const changed = !before || !before.enabled || before.settings !== settings;
      if (saved.enabled && changed) await this.onNeedsSync?.(identityProviderId, saved.id);
      return saved;
    } catch (error) {
      if (/UNIQUE|Duplicate entry/i.test(String((error as Error).message))) {
        throw new ConflictError(
          `a ${typeCode} connector was created concurrently for this identity provider; retry`,
        );
      }
      throw error;
    }
  }

  async remove(id: string, scope?: MutationScope): Promise<boolean> {
    const connector = await this.get(id);
    await transaction(this.dataSource, async (tx) => {
      await scope?.lockTenant(tx);
      await tx.delete(Connector, { id });
      const changes = plainChanges({ type: connector.type, ...plainOf(connector) }, {});
      const cleared = this.storedSecretNames(connector).map((field) => ({
        field,
        secret: 'cleared' as const,
      }));
      await scope?.saveIn(tx, [...changes, ...cleared]);
    });
    this.changed();
    return true;
  }

  /** A configure's changes: common settings and fields old and new, secrets changed or cleared. */
  private changesOf(
    before: Record<string, unknown> | null,
    storedSecrets: Record<string, string>,
    after: Connector,
    secrets: Record<string, string>,
  ): FieldChange[] {
    const created = before ? [] : [{ field: 'type', old: null, new: after.type }];
    return [
      ...created,
      ...plainChanges(before ?? {}, plainOf(after)),
      ...secretChanges(storedSecrets, secrets),
    ];
  }

  /** The plain secrets, for the provisioning engine only. */
  openSecrets(connector: Connector): Record<string, string> {
    return this.secretBox.openJson(connector.secrets);
  }

  /**
   * The names of the secrets stored, also for secrets sealed under another key (which cannot be
   * opened): then the type's secret fields, so such a connector can still be removed.
   */
  private storedSecretNames(connector: Connector): string[] {
    if (!connector.secrets) return [];
    try {
      return Object.keys(this.openSecrets(connector));
    } catch {
      const type = this.registry.has(connector.type)
        ? this.registry.getByType(connector.type)
        : null;
      return type ? type.fields.filter((f) => f.secret).map((f) => f.name) : ['secrets'];
    }
  }

  secretNames(connector: Connector): Set<string> {
    return new Set(Object.keys(this.openSecrets(connector)));
  }

  customProperties(input: { name: string; value: string | null }[]): FieldInput {
    const values: FieldInput = {};
    for (const { name, value } of input) {
      if (Object.hasOwn(values, name))
        throw new UserInputError(`property "${name}" is given twice`, name);
      values[name] = value;
    }
    return values;
  }
}
