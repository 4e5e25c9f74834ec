// Identity providers and their claim mappings; names are unique within a tenant.
import { DataSource, Repository } from 'typeorm';
import { transaction } from '../db/transaction';
import type { MutationScope } from '../audit/audit-draft';
import { plainChanges } from '../audit/changes';
import { ConflictError, NotFoundError, UserInputError } from '../common/errors';
import { ChangeNotifier } from '../common/change-notifier';
import { isUuid, reachesPrototype } from '../common/validation';
import { ClaimMapping } from './claim-mapping.entity';
import { IdentityProvider } from './identity-provider.entity';
import type {
  ClaimMappingInput,
  IdentityProviderInput,
  IdentityProviderUpdateInput,
} from './identity-provider.input';

/** The fields an audit entry shows the old and new values of. */
function audited(idp: IdentityProvider): Record<string, unknown> {
  const { name, tenantDomain, description, enabled, provisioningRoles } = idp;
  return { name, tenantDomain, description, enabled, provisioningRoles };
}

const mappingsOf = (rows: ClaimMapping[]) =>
  rows.map(({ remoteClaim, localClaim, defaultValue }) => ({
    remoteClaim,
    localClaim,
    defaultValue,
  }));

export class IdentityProviderService extends ChangeNotifier {
  private readonly repo: Repository<IdentityProvider>;
  private readonly mappings: Repository<ClaimMapping>;

  constructor(private readonly dataSource: DataSource) {
    super();
    this.repo = dataSource.getRepository(IdentityProvider);
    this.mappings = dataSource.getRepository(ClaimMapping);
  }

  list(tenantDomain?: string | null): Promise<IdentityProvider[]> {
    return this.repo.find({
      where: tenantDomain ? { tenantDomain } : {},
      order: { tenantDomain: 'ASC', name: 'ASC' },
    });
  }

  async get(id: string): Promise<IdentityProvider> {
    const found = isUuid(id) ? await this.repo.findOneBy({ id }) : null;
    if (!found) throw new NotFoundError('IdentityProvider', id);
    return found;
  }

  async create(input: IdentityProviderInput, scope?: MutationScope): Promise<IdentityProvider> {
    await this.assertNameFree(input.tenantDomain, input.name);
    const entity = this.repo.create({
      ...input,
      description: input.description ?? null,
      provisioningRoles: input.provisioningRoles ?? [],
    });
    return this.saveUnique(entity, {}, scope);
  }

  async update(
    id: string,
    input: IdentityProviderUpdateInput,
    scope?: MutationScope,
  ): Promise<IdentityProvider> {
    const entity = await this.get(id);
    const before = audited(entity);
    const name = input.name ?? entity.name;
    const tenantDomain = input.tenantDomain ?? entity.tenantDomain;
    if (name !== entity.name || tenantDomain !== entity.tenantDomain)
      await this.assertNameFree(tenantDomain, name);
    Object.assign(entity, { name, tenantDomain });
    if (input.description !== undefined) entity.description = input.description;
    if (input.enabled !== undefined && input.enabled !== null) entity.enabled = input.enabled;
    if (input.provisioningRoles !== undefined)
      entity.provisioningRoles = input.provisioningRoles ?? [];
    return this.saveUnique(entity, before, scope);
  }

  async delete(id: string, scope?: MutationScope): Promise<boolean> {
    const entity = await this.get(id);
    const mappings = await this.claimMappings(id);
    await transaction(this.dataSource, async (tx) => {
      await scope?.lockTenant(tx);
      await tx.delete(IdentityProvider, { id });
      const claimMappings = { claimMappings: mappingsOf(mappings) };
      await scope?.saveIn(tx, plainChanges({ ...audited(entity), ...claimMappings }, {}));
    });
    this.changed();
    return true;
  }

  claimMappings(identityProviderId: string): Promise<ClaimMapping[]> {
    return this.mappings.find({ where: { identityProviderId }, order: { position: 'ASC' } });
  }

  async setClaimMappings(
    identityProviderId: string,
    input: ClaimMappingInput[],
    scope?: MutationScope,
  ): Promise<IdentityProvider> {
    await this.get(identityProviderId);
    const before = mappingsOf(await this.claimMappings(identityProviderId));
    const seen = new Set<string>();
    for (const m of input) {
      if (seen.has(m.remoteClaim))
        throw new UserInputError(`remoteClaim "${m.remoteClaim}" is mapped twice`, 'remoteClaim');
      if (!m.localClaim && !m.defaultValue) {
        throw new UserInputError(
          `remoteClaim "${m.remoteClaim}" needs a localClaim or a defaultValue`,
          'localClaim',
        );
      }
      if (reachesPrototype(m.remoteClaim)) {
        throw new UserInputError(
          `remoteClaim "${m.remoteClaim}" names __proto__, constructor or prototype, which no target attribute may`,
          'remoteClaim',
        );
      }
      seen.add(m.remoteClaim);
    }
    await transaction(this.dataSource, async (tx) => {
      await scope?.lockTenant(tx);
      await tx.delete(ClaimMapping, { identityProviderId });
      const rows = input.map((m, position) =>
        tx.create(ClaimMapping, {
          identityProviderId,
          position,
          remoteClaim: m.remoteClaim,
          localClaim: m.localClaim || null,
          defaultValue: m.defaultValue ?? null,
        }),
      );
      if (rows.length) await tx.save(rows);
      await tx.update(IdentityProvider, { id: identityProviderId }, { updatedAt: new Date() });
      const after = mappingsOf(rows);
      await scope?.saveIn(tx, plainChanges({ claimMappings: before }, { claimMappings: after }));
    });
    this.changed();
    return this.get(identityProviderId);
  }

  private async assertNameFree(tenantDomain: string, name: string): Promise<void> {
    if (await this.repo.existsBy({ tenantDomain, name })) {
      throw new ConflictError(
        `an identity provider named "${name}" already exists in tenant "${tenantDomain}"`,
      );
    }
  }

  /** The unique index is the final word when two requests race for one name. */
  private async saveUnique(
    entity: IdentityProvider,
    before: Record<string, unknown>,
    scope: MutationScope | undefined,
  ): Promise<IdentityProvider> {
    try {
      const saved = await transaction(this.dataSource, async (tx) => {
        await scope?.lockTenant(tx);
        const row = await tx.save(entity);
        const changes = plainChanges(before, audited(row));
        await scope?.saveIn(tx, changes, { identityProviderId: row.id });
        return row;
      });
      this.changed();
      return saved;
    } catch (error) {
      if (/UNIQUE|Duplicate entry/i.test(String((error as Error).message))) {
        throw new ConflictError(
          `an identity provider named "${entity.name}" already exists in tenant "${entity.tenantDomain}"`,
        );
      }
      throw error;
    }
  }
}
