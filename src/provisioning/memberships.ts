// Memberships converged as a whole, compared with the MEMBER links so that what already matches
// costs nothing: a user's (the live path: every group Keycloak has them in) or a group's (a sync:
// every member Keycloak lists, the missing ones added in batches where the target takes several).
// Each single change is the engine's runMembership.
import { performance } from 'node:perf_hooks';
import { isGone } from '../common/connector-error';
import type { Connector } from '../connector/connector.entity';
import type { ProvisioningGroup, ProvisioningUser } from './claims';
import { decideGroup, decideMembership } from './decision';
import type { EngineDeps, MembershipRun, Run, Task } from './engine';
import { targetConnectors, type IdpSnapshot } from './idp-snapshot';
import { memberKey, type LinkChange, type LinkRef } from './links';
import {
  start,
  toRecord,
  type ConnectorOutcome,
  type MembershipChange,
  type RecordSubject,
} from './outcome';
import { ProvisioningOperation, ProvisioningStatus } from './test-provisioning.types';

/** A user's memberships made to match Keycloak's at connectors with groups. */
export interface MembershipsRun extends Run {
  user: ProvisioningUser;
  /** The groups Keycloak has the user in now (direct memberships). */
  groups: readonly ProvisioningGroup[];
  dryRun: boolean;
}

/** A group's members made to match Keycloak's at connectors with groups (a sync, group by group). */
export interface GroupMembersRun extends Run {
  group: ProvisioningGroup;
  /** The group's direct members in Keycloak now. */
  memberIds: readonly string[];
  /**
   * Asked before a member the listing lacks is removed: a member can slip between the pages of a
   * listing that changes while it is read, and must not be removed for that.
   */
  confirmRemoval(userId: string): Promise<boolean>;
  dryRun: boolean;
}

/** Members added in one call where the target takes several (a SCIM PATCH lists them). */
const MEMBERS_PER_CALL = 100;
/** Removals confirmed with Keycloak at once. */
const CONFIRMATIONS_AT_ONCE = 16;

export interface MembershipDeps extends Pick<
  EngineDeps,
  'snapshots' | 'provisioners' | 'links' | 'provisioningLog'
> {
  /** One membership change (the engine's). */
  runMembership(run: MembershipRun): Promise<ConnectorOutcome[]>;
  /** A call to the target with the engine's retries and slots; fills in the outcome. */
  attempt(
    connector: Connector,
    outcome: ConnectorOutcome,
    subject: RecordSubject,
    task: Task,
  ): Promise<ConnectorOutcome>;
}

export class Memberships {
  constructor(private readonly deps: MembershipDeps) {}

  /** The run's usable connectors whose targets have groups, and the entity's links there. */
  private async withGroups(run: Run, entityType: 'USER' | 'GROUP', localId: string) {
    const snapshot = await this.deps.snapshots.get(run.identityProviderId);
    const connectors = targetConnectors(snapshot, run.connectorId ?? null).filter(
      (c) => !snapshot.unusable.has(c.id) && this.deps.provisioners.get(snapshot, c)?.groups,
    );
    const ids = connectors.map((c) => c.id);
    return {
      snapshot,
      connectors,
      links: await this.deps.links.findMany(ids, entityType, localId),
    };
  }

  /**
   * Adds the user to the groups Keycloak has them in and removes them from the others, on each
   * target connector that has groups and where the user is provisioned. What the target got is
   * known from the MEMBER links, so memberships that already match cost no call.
   */
  async ofUser(run: MembershipsRun): Promise<ConnectorOutcome[]> {
    const {
      snapshot,
      connectors,
      links: userLinks,
    } = await this.withGroups(run, 'USER', run.user.id);
    const idp = snapshot.identityProvider;
    const outcomes = await Promise.all(
      connectors.map(async (connector) => {
        if (!userLinks.has(connector.id)) return [];
        const scoped = run.groups.filter(
          (g) => !decideGroup(idp, connector, g, ProvisioningOperation.CREATE, null).skipReason,
        );
        const made = await this.deps.links.membershipsOf(connector.id, run.user.id);
        const wanted = new Set(scoped.map((g) => g.id));
        const changes = [
          ...scoped
            .filter((g) => !made.has(g.id))
            .map((group) => ({ change: 'ADD_MEMBER' as const, group })),
          ...[...made.keys()]
            .filter((id) => !wanted.has(id))
            .map((id) => ({
              change: 'REMOVE_MEMBER' as const,
              group: { id, name: id, tenantDomain: run.user.tenantDomain },
            })),
        ];
        const results = [];
        for (const { change, group } of changes)
          results.push(
            ...(await this.deps.runMembership({
              ...run,
              connectorId: connector.id,
              change,
              group,
              userId: run.user.id,
            })),
          );
        return results;
      }),
    );
    return outcomes.flat();
  }

  /**
   * Adds the group's Keycloak members to it at each target connector with groups where the group
   * is provisioned, and removes the others. What the target got is known from the MEMBER links, so
   * memberships that already match cost no call; members not provisioned at a connector are left
   * to their own convergence.
   */
  async ofGroup(run: GroupMembersRun): Promise<ConnectorOutcome[]> {
    const {
      snapshot,
      connectors,
      links: groupLinks,
    } = await this.withGroups(run, 'GROUP', run.group.id);
    const idp = snapshot.identityProvider;
    const outcomes = await Promise.all(
      connectors.map(async (connector) => {
        const groupLink = groupLinks.get(connector.id);
        const inScope = !decideGroup(idp, connector, run.group, ProvisioningOperation.CREATE, null)
          .skipReason;
        // Not at the target: it failed (its own outcome says so), or is out of scope; a dry run
        // still previews the members a real run would add once it is created.
        if (!groupLink && !(run.dryRun && inScope)) return [];
        const made = groupLink
          ? await this.deps.links.membersOfGroup(connector.id, run.group.id, groupLink.remoteId)
          : new Set<string>();
        // A group that left the provisioning scope keeps no members at the target.
        const memberIds = inScope ? run.memberIds : [];
        const wanted = new Set(memberIds);
        const joining = await this.deps.links.usersAt(
          connector.id,
          memberIds.filter((id) => !made.has(id)),
        );
        const gone = [...made].filter((id) => !wanted.has(id));
        const confirmed: boolean[] = [];
        // A group emptied in Keycloak means one read each: a few at a time, not all at once.
        for (let i = 0; i < gone.length; i += CONFIRMATIONS_AT_ONCE)
          confirmed.push(
            ...(await Promise.all(
              gone
                .slice(i, i + CONFIRMATIONS_AT_ONCE)
                .map((id) => (inScope ? run.confirmRemoval(id) : Promise.resolve(true))),
            )),
          );
        const change = (userId: string, kind: MembershipChange) =>
          this.deps.runMembership({
            identityProviderId: run.identityProviderId,
            connectorId: connector.id,
            source: run.source,
            change: kind,
            group: run.group,
            userId,
            dryRun: run.dryRun,
          });
        const removed = gone
          .filter((_, i) => confirmed[i])
          .map((id) => change(id, 'REMOVE_MEMBER'));
        const groups = this.deps.provisioners.get(snapshot, connector)!.groups!;
        const ids = [...joining.keys()];
        const added: Promise<ConnectorOutcome[]>[] = [];
        if (!groups.addMembers || run.dryRun || !groupLink)
          added.push(...ids.map((id) => change(id, 'ADD_MEMBER')));
        else
          for (let i = 0; i < ids.length; i += MEMBERS_PER_CALL) {
            const batch = ids
              .slice(i, i + MEMBERS_PER_CALL)
              .map((id) => [id, joining.get(id)!] as const);
            added.push(
              this.addBatch(snapshot, connector, run, groupLink, batch).then(
                (outcomes) =>
                  outcomes ??
                  Promise.all(batch.map(([id]) => change(id, 'ADD_MEMBER'))).then((o) => o.flat()),
              ),
            );
          }
        return (await Promise.all([...added, ...removed])).flat();
      }),
    );
    return outcomes.flat();
  }

  /**
   * One call adding several members, each recorded as its own ADD_MEMBER. Null when the target
   * refused the batch for good: one member may be the cause, so each is then tried alone.
   */
  private async addBatch(
    snapshot: IdpSnapshot,
    connector: Connector,
    run: GroupMembersRun,
    groupLink: LinkRef,
    batch: (readonly [string, LinkRef])[],
  ): Promise<ConnectorOutcome[] | null> {
    const started = performance.now();
    const subject = (userId: string): RecordSubject => ({
      identityProviderId: run.identityProviderId,
      entityType: 'GROUP',
      localId: run.group.id,
      source: run.source,
      detail: { member: userId },
    });
    const groups = this.deps.provisioners.get(snapshot, connector)!.groups!;
    const decision = decideMembership(
      snapshot.identityProvider,
      connector,
      { change: 'ADD_MEMBER', group: run.group },
      groupLink,
      batch[0][1],
    );
    const outcome = start(snapshot, connector, decision, groupLink);
    outcome.operation = 'ADD_MEMBER';
    const group = {
      remoteId: groupLink.remoteId,
      remoteName: groupLink.remoteName ?? run.group.name,
    };
    let groupGone = false;
    await this.deps.attempt(connector, outcome, subject(batch[0][0]), async () => {
      const userIds = batch.map(([, user]) => user.remoteId);
      await groups.addMembers!(group.remoteId, userIds).catch((error: unknown) => {
        groupGone = isGone(error);
        throw error;
      });
      return group;
    });
    const failed = outcome.status === ProvisioningStatus.FAILED;
    // The group was deleted at the target meanwhile: the group's convergence runs again (it is
    // created again there, then these members are added), rather than each member on its own.
    if (failed && groupGone) outcome.error!.retriable = true;
    else if (failed && !outcome.error!.retriable && batch.length > 1) return null;
    outcome.durationMs = Math.round(performance.now() - started);
    const outcomes = batch.map(() => ({ ...outcome }));
    const changes: LinkChange[] =
      outcome.status === ProvisioningStatus.SUCCEEDED
        ? batch.map(([userId]) => ({
            connectorId: connector.id,
            entityType: 'MEMBER',
            localId: memberKey(userId, run.group.id),
            ref: group,
          }))
        : [];
    const records = outcomes.map((o, i) => toRecord(o, connector, subject(batch[i][0])));
    await this.deps.provisioningLog.write(records, changes).then(
      () => this.deps.links.written(changes),
      (error: unknown) => {
        this.deps.links.forget(changes);
        throw error;
      },
    );
    return outcomes;
  }
}
