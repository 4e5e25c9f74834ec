// Re-runs failed provisioning records on their connector: a user or group is converged to what
// Keycloak has now through the path every event and sync takes (a replay must not send stale
// data); a membership change is replayed only while Keycloak still has it that way. Used by the replayFailed
// mutation and the sidecar's `replay` command.
import { In, type DataSource } from 'typeorm';
import { NotFoundError, UserInputError } from '../common/errors';
import { deletedUser, NOT_FOUND, type Convergence } from '../convergence/convergence';
import type { KeycloakDirectory } from '../keycloak/directory';
import type { ProvisioningEngine } from './engine';
import type { ConnectorOutcome } from './outcome';
import { ProvisioningRecord } from './provisioning-record.entity';
import { ProvisioningOperation, ProvisioningStatus } from './test-provisioning.types';
import type { IdentityProviderService } from '../identity-provider/identity-provider.service';

export const MAX_REPLAY = 100;

export interface ReplayResult {
  recordId: string;
  status: ProvisioningStatus;
  reason: string | null;
  error: ConnectorOutcome['error'];
}

export class Replayer {
  constructor(
    private readonly dataSource: DataSource,
    private readonly identityProviders: IdentityProviderService,
    private readonly engine: ProvisioningEngine,
    private readonly keycloak: KeycloakDirectory | null,
    private readonly convergence: Convergence | null,
  ) {}

  /**
   * Checks every id first (unknown, or refused by `allowed` → NOT_FOUND; not FAILED →
   * BAD_USER_INPUT), then replays in order: one id refused and nothing runs.
   */
  async replay(
    ids: string[],
    allowed: (record: ProvisioningRecord) => Promise<boolean> = () => Promise.resolve(true),
  ): Promise<ReplayResult[]> {
    if (!ids.length || ids.length > MAX_REPLAY)
      throw new UserInputError(`give between 1 and ${MAX_REPLAY} record ids`, 'ids');
    const numeric = ids.map((id) => {
      const n = Number(id);
      if (!Number.isSafeInteger(n) || n < 1)
        throw new UserInputError(`"${id}" is not a record id`, 'ids');
      return n;
    });
    const rows = await this.dataSource
      .getRepository(ProvisioningRecord)
      .findBy({ id: In(numeric) });
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const id of numeric) {
      const record = byId.get(id);
      if (!record || !(await allowed(record)))
        throw new NotFoundError('ProvisioningRecord', String(id));
      if (record.status !== ProvisioningStatus.FAILED)
        throw new UserInputError(
          `record ${id} is ${record.status}: only FAILED records can be replayed`,
          'ids',
        );
      if (!record.identityProviderId || !record.connectorId)
        throw new UserInputError(`record ${id} names no identity provider and connector`, 'ids');
    }
    const results: ReplayResult[] = [];
    for (const id of numeric) results.push(await this.replayOne(byId.get(id)!));
    return results;
  }

  private async replayOne(record: ProvisioningRecord): Promise<ReplayResult> {
    const result = (
      status: ProvisioningStatus,
      reason: string | null,
      error: ReplayResult['error'] = null,
    ) => ({
      recordId: String(record.id),
      status,
      reason,
      error,
    });
    const idp = await this.identityProviders.get(record.identityProviderId!).catch(() => null);
    if (!idp) return result(ProvisioningStatus.SKIPPED, 'the identity provider no longer exists');
    const realm = idp.tenantDomain;
    const run = {
      identityProviderId: idp.id,
      connectorId: record.connectorId,
      source: `replay:${record.id}`,
    };
    const operation = record.operation as ProvisioningOperation | 'ADD_MEMBER' | 'REMOVE_MEMBER';
    if (operation !== ProvisioningOperation.DELETE && !this.keycloak)
      throw new UserInputError(
        `replaying record ${record.id} reads Keycloak: set KEYCLOAK_URL, KEYCLOAK_CLIENT_ID and KEYCLOAK_CLIENT_SECRET`,
        'ids',
      );
    let outcomes: ConnectorOutcome[];
    const member = (record.request as { member?: unknown } | null)?.member;
    if (operation === 'ADD_MEMBER' || operation === 'REMOVE_MEMBER') {
      const group = await this.keycloak!.getGroup(realm, record.localId);
      if (!group) return result(ProvisioningStatus.SKIPPED, 'the group is no longer in Keycloak');
      if (typeof member !== 'string')
        return result(ProvisioningStatus.SKIPPED, 'the record does not name the member');
      // Replaying a membership change the user has since undone would undo their latest change.
      const isMember = await this.keycloak!.isMember(realm, member, group.id);
      if (isMember === null)
        return result(ProvisioningStatus.SKIPPED, 'the user is no longer in Keycloak');
      if (isMember !== (operation === 'ADD_MEMBER'))
        return result(
          ProvisioningStatus.SKIPPED,
          isMember
            ? 'the user is in the group again, so the removal no longer applies'
            : 'the user has left the group since, so the addition no longer applies',
        );
      outcomes = await this.engine.runMembership({
        ...run,
        change: operation,
        group,
        userId: member,
      });
    } else if (this.convergence) {
      // The object as Keycloak has it now, whatever the failed record tried: the path every
      // event and sync takes (deleted where Keycloak no longer has it).
      const entity = record.entityType === 'USER' ? 'user' : 'group';
      const signal = { kind: 'converge', entity, id: record.localId, dryRun: false } as const;
      const reads = this.convergence.reads(
        signal,
        realm,
        await this.convergence.userReads([idp.id], true),
      );
      const converged = await this.convergence.apply(signal, realm, run, run.source, reads);
      if (converged === NOT_FOUND || !converged.length)
        return result(ProvisioningStatus.SKIPPED, 'nothing to converge');
      outcomes = converged;
    } else {
      // Without Keycloak only a delete can be replayed: it needs nothing but the link.
      outcomes =
        record.entityType === 'USER'
          ? await this.engine.runUser({
              ...run,
              operation: ProvisioningOperation.DELETE,
              user: deletedUser(record.localId, realm),
              dryRun: false,
            })
          : await this.engine.runGroup({
              ...run,
              operation: ProvisioningOperation.DELETE,
              group: {
                id: record.localId,
                name: record.provisionedId ?? record.localId,
                tenantDomain: realm,
              },
            });
    }
    const [outcome] = outcomes;
    return result(outcome.status, outcome.reason, outcome.error);
  }
}
