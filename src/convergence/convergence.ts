// The one question every path asks — a live event, a sync's converge message, a replay: "make this
// user (or group) at these connectors match what Keycloak has now". An event is only a signal that
// something may have changed: Keycloak is read at handling time and the engine converges to what
// it holds, so the order in which signals arrive never matters. The sidecar keeps only the Kafka
// plumbing (parse, key, order, retry, commit, dead letters).
import type { KeycloakDirectory, PagedUser } from '../keycloak/directory';
import type { ProvisioningGroup, ProvisioningUser } from '../provisioning/claims';
import type { ProvisioningEngine } from '../provisioning/engine';
import type { ConnectorOutcome, MembershipChange } from '../provisioning/outcome';
import { ProvisioningOperation, ProvisioningStatus } from '../provisioning/test-provisioning.types';
import type { SyncService } from '../sync/sync.service';

export type ChangeOperation = 'CREATE' | 'UPDATE' | 'DELETE';

/** Group deletions of one identity provider this close together queue a single sync. */
const RESCOPE_COALESCE_MS = 5_000;

/** What a signal says may have changed. */
export type Signal =
  | { kind: 'user'; operation: ChangeOperation; userId: string }
  | { kind: 'group'; operation: ChangeOperation; groupId: string; name: string | null }
  | { kind: 'membership'; change: MembershipChange; userId: string; groupId: string }
  /**
   * From a sync or a replay: converge the object whatever it is now, deleting it where Keycloak has
   * none. A group converges with its members. `viaGroups`: the user's memberships are left to
   * their groups' convergence (a sync's walk converges every group after every user).
   */
  | {
      kind: 'converge';
      entity: 'user' | 'group';
      id: string;
      dryRun: boolean;
      viaGroups?: boolean;
    };

/**
 * How a user converges. `absentMeansDeleted`: a sync deletes what Keycloak no longer has; a live
 * event leaves that to the DELETE event that follows. `memberships`: converged here, user-side.
 */
interface UserConvergence {
  absentMeansDeleted: boolean;
  dryRun: boolean;
  memberships: boolean;
}

const LIVE: UserConvergence = { absentMeansDeleted: false, dryRun: false, memberships: true };

/** One identity provider and one of its connectors, or null for every enabled one. */
export interface Target {
  identityProviderId: string;
  connectorId: string | null;
}

/** Keycloak has no such object (any more): nothing was done. */
export const NOT_FOUND = Symbol('not found in Keycloak');

export type Converged = ConnectorOutcome[] | typeof NOT_FOUND;

/** What getUser reads beside the user: see KeycloakDirectory.getUser. */
export interface UserReads {
  withGroups: boolean;
  withRoles: boolean;
}

/** One round's Keycloak reads, made once and shared by every identity provider of the realm. */
export interface KeycloakReads {
  user(): Promise<ProvisioningUser | null>;
  group(): Promise<ProvisioningGroup | null>;
  /** Whether the signal's user is in its group now; null when the user is gone. */
  member(): Promise<boolean | null>;
  /** The ids of the signal's group's direct members; null when the group is gone. */
  members(): Promise<string[] | null>;
}

/** Calls `read` the first time only; later calls share its promise. */
function once<T>(read: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | null = null;
  return () => (result ??= read());
}

const userIdOf = (s: Signal) =>
  s.kind === 'converge' ? (s.entity === 'user' ? s.id : '') : 'userId' in s ? s.userId : '';
const groupIdOf = (s: Signal) =>
  s.kind === 'converge' ? (s.entity === 'group' ? s.id : '') : 'groupId' in s ? s.groupId : '';

export class Convergence {
  constructor(
    private readonly engine: ProvisioningEngine,
    private readonly keycloak: KeycloakDirectory,
    /** Where syncs are queued; absent where nothing runs them. */
    private readonly syncs?: Pick<SyncService, 'queue'>,
  ) {}

  private readonly rescopeQueuedAt = new Map<string, number>();

  /**
   * How much of a user to read from Keycloak for these identity providers: roles (with groups)
   * for a scope or a mapping that names them; groups alone to converge memberships at targets
   * with groups (`withMemberships`: user signals and replays; a sync's users leave theirs to
   * their groups); otherwise the user alone.
   */
  async userReads(identityProviderIds: string[], withMemberships: boolean): Promise<UserReads> {
    const withRoles = await this.engine.readsRoles(identityProviderIds);
    const withGroups =
      withRoles || (withMemberships && (await this.engine.hasGroupTargets(identityProviderIds)));
    return { withRoles, withGroups };
  }

  /** `paged`: the user as a page of the realm was just read (a sync), completed here. */
  reads(signal: Signal, realm: string, options: UserReads, paged?: PagedUser): KeycloakReads {
    const { keycloak } = this;
    return {
      user: once(() =>
        paged
          ? keycloak.completeUser(realm, paged, options)
          : keycloak.getUser(realm, userIdOf(signal), options),
      ),
      group: once(() => keycloak.getGroup(realm, groupIdOf(signal))),
      member: once(() =>
        signal.kind === 'membership'
          ? keycloak.isMember(realm, signal.userId, signal.groupId, signal.change === 'ADD_MEMBER')
          : Promise.resolve(null),
      ),
      members: once(() => keycloak.groupMemberIds(realm, groupIdOf(signal))),
    };
  }

  /** One round on one identity provider (all its connectors, or one). */
  async apply(
    signal: Signal,
    realm: string,
    target: Target,
    source: string,
    reads: KeycloakReads,
  ): Promise<Converged> {
    const run = { ...target, source };
    switch (signal.kind) {
      case 'user':
        return this.user(signal.operation, signal.userId, realm, run, reads, LIVE);
      case 'group': {
        const outcomes = await this.group(
          signal.operation,
          signal.groupId,
          signal.name,
          realm,
          run,
          reads,
          { absentMeansDeleted: false, dryRun: false },
        );
        if (signal.operation === 'DELETE') await this.rescopeFormerMembers(target);
        return outcomes;
      }
      case 'membership':
        return this.membership(signal, run, reads);
      case 'converge':
        return signal.entity === 'user'
          ? this.user('UPDATE', signal.id, realm, run, reads, {
              absentMeansDeleted: true,
              dryRun: signal.dryRun,
              memberships: !signal.viaGroups,
            })
          : this.group('UPDATE', signal.id, null, realm, run, reads, {
              absentMeansDeleted: true,
              dryRun: signal.dryRun,
            });
    }
  }

  /**
   * A deleted user can no longer be read: the links say where it went. Otherwise the user as
   * Keycloak has them now, and their memberships (where Keycloak's answer holds them).
   */
  private async user(
    operation: ChangeOperation,
    userId: string,
    realm: string,
    run: Target & { source: string },
    reads: KeycloakReads,
    { absentMeansDeleted, dryRun, memberships }: UserConvergence,
  ): Promise<Converged> {
    const { engine } = this;
    const user = operation === 'DELETE' ? null : await reads.user();
    if (!user && operation !== 'DELETE' && !absentMeansDeleted) return NOT_FOUND;
    if (!user) {
      const gone = deletedUser(userId, realm);
      return engine.runUser({
        ...run,
        operation: ProvisioningOperation.DELETE,
        user: gone,
        dryRun,
      });
    }
    // A sync also reads the target: drift there (deleted or edited by someone else) is repaired.
    const outcomes = await engine.runUser({
      ...run,
      operation: ProvisioningOperation[operation],
      user,
      dryRun,
      verifyTarget: absentMeansDeleted,
    });
    if (!user.groups || !memberships) return outcomes;
    const joined = await engine.memberships.ofUser({ ...run, user, groups: user.groups, dryRun });
    return [...outcomes, ...joined];
  }

  private async group(
    operation: ChangeOperation,
    groupId: string,
    name: string | null,
    realm: string,
    run: Target & { source: string },
    reads: KeycloakReads,
    { absentMeansDeleted, dryRun }: { absentMeansDeleted: boolean; dryRun: boolean },
  ): Promise<Converged> {
    const group =
      operation === 'DELETE'
        ? { id: groupId, name: name ?? groupId, tenantDomain: realm }
        : await reads.group();
    if (!group && !absentMeansDeleted) return NOT_FOUND;
    const deleted = operation === 'DELETE' || !group;
    const outcomes = await this.engine.runGroup({
      ...run,
      operation: deleted ? ProvisioningOperation.DELETE : ProvisioningOperation[operation],
      group: group ?? { id: groupId, name: name ?? groupId, tenantDomain: realm },
      dryRun,
      // A sync also reads the target: a group deleted or renamed there is repaired.
      verifyTarget: absentMeansDeleted,
    });
    // A sync (or a replay) converges the group's members too, in batches, rather than user by user.
    if (!group || !absentMeansDeleted) return outcomes;
    if (!(await this.engine.hasGroupTargets([run.identityProviderId]))) return outcomes;
    const memberIds = await reads.members();
    if (!memberIds) return outcomes; // deleted meanwhile: its own convergence follows
    const ofGroup = (ids: string[]) =>
      this.engine.memberships.ofGroup({
        ...run,
        group,
        memberIds: ids,
        dryRun,
        confirmRemoval: async (userId) =>
          (await this.keycloak.isMember(realm, userId, group.id)) !== true,
      });
    const members = await ofGroup(memberIds);
    // A member who left after the listing (their live removal done meanwhile, perhaps by another
    // sidecar) was just added back: after any add the group is listed again, and whoever is no
    // longer in it is removed.
    const added = members.some(
      (o) => o.operation === 'ADD_MEMBER' && o.status === ProvisioningStatus.SUCCEEDED,
    );
    const now = added ? await this.keycloak.groupMemberIds(realm, group.id) : null;
    const again = now ? await ofGroup(now) : [];
    return [...outcomes, ...members, ...again];
  }

  /**
   * Keycloak sends no event per member when a group is deleted, and can no longer say who they
   * were: where the identity provider has a provisioning scope, a sync re-decides every user's
   * scope (deprovisioning former members that no other group or role keeps in it).
   */
  private async rescopeFormerMembers(target: Target): Promise<void> {
    const idp = target.identityProviderId;
    if (!this.syncs || !(await this.engine.hasScope(idp))) return;
    // Each connector of the identity provider hears the same deletion at once: one sync covers all.
    const now = Date.now();
    if (now - (this.rescopeQueuedAt.get(idp) ?? 0) < RESCOPE_COALESCE_MS) return;
    this.rescopeQueuedAt.set(idp, now);
    await this.syncs.queue(idp, null, 'group-deleted');
  }

  /**
   * A membership signal is applied only while Keycloak still has the group and the membership (an
   * old "add" after the group was deleted must not create it again at the target).
   */
  private async membership(
    signal: Extract<Signal, { kind: 'membership' }>,
    run: Target & { source: string },
    reads: KeycloakReads,
  ): Promise<Converged> {
    const { engine } = this;
    const group = await reads.group();
    const isMember = await reads.member();
    if (isMember === null) return NOT_FOUND; // the user is gone: their DELETE follows
    const holds = group !== null && isMember === (signal.change === 'ADD_MEMBER');
    // Leaving a group (or its deletion) can take the user out of the provisioning scope.
    const rescoped =
      signal.change === 'REMOVE_MEMBER' && (await engine.hasScope(run.identityProviderId))
        ? await this.rescope(run, reads)
        : [];
    if (!holds) return rescoped.length ? rescoped : NOT_FOUND;
    const members =
      signal.change === 'ADD_MEMBER' ? await this.provisionMember(signal.userId, run, reads) : [];
    if (members === NOT_FOUND) return NOT_FOUND;
    const changed = await engine.runMembership({
      ...run,
      change: signal.change,
      group,
      userId: signal.userId,
    });
    return [...members, ...changed, ...rescoped];
  }

  /** The user as Keycloak has them now, with their roles: deprovisioned where out of scope. */
  private async rescope(
    run: Target & { source: string },
    reads: KeycloakReads,
  ): Promise<ConnectorOutcome[]> {
    const user = await reads.user();
    if (!user) return [];
    const operation = ProvisioningOperation.UPDATE;
    return this.engine.runUser({ ...run, operation, user, dryRun: false });
  }

  /**
   * A user added to a group before their own CREATE was handled (unkeyed events on other
   * partitions carry no order) is provisioned first, where missing, so the membership applies.
   * A user who fails here fails the round for that connector, which then runs again.
   */
  private async provisionMember(
    userId: string,
    run: Target & { source: string },
    reads: KeycloakReads,
  ): Promise<Converged> {
    const { engine } = this;
    const missing = await engine.connectorsWithoutUser(
      run.identityProviderId,
      userId,
      run.connectorId,
    );
    if (!missing.length) return [];
    const user = await reads.user();
    if (!user) return NOT_FOUND;
    const created = await Promise.all(
      missing.map((connectorId) =>
        engine.runUser({
          ...run,
          connectorId,
          operation: ProvisioningOperation.CREATE,
          user,
          dryRun: false,
        }),
      ),
    );
    return created.flat();
  }
}

/** A user Keycloak no longer has, as far as a delete needs one. */
export function deletedUser(id: string, realm: string): ProvisioningUser {
  return {
    id,
    username: id,
    userStoreDomain: null,
    tenantDomain: realm,
    claims: new Map(),
    roles: null,
  };
}
