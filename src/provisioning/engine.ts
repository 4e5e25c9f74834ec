// The provisioning engine: one operation on a user, a group or a membership, run on an identity
// provider's connectors, each independently (one's failure never stops another). Previews build the
// exact request and send nothing; real runs call the connector's Provisioner with retries, keep
// links, and record every attempt. The API's testProvisioning and the sidecar both come here.
import { performance } from 'node:perf_hooks';
import { ConnectorError, isGone } from '../common/connector-error';
import { NotFoundError } from '../common/errors';
import { logger } from '../common/logger';
import { NO_GATE, type CallGate } from '../common/held-slot';
import { withRetry, type RetryOptions } from '../common/retry';
import type { Connector } from '../connector/connector.entity';
import type { ConnectorTypeRegistry } from '../connector-types/registry';
import type { GroupProvisioner, Provisioner, RemoteRef } from '../connector-types/connector-type';
import type { IdentityProviderService } from '../identity-provider/identity-provider.service';
import type { ProvisioningGroup, ProvisioningUser } from './claims';
import { DriftChecks } from './drift-checks';
import { decideGroup, decideMembership, decideUser, type Decision } from './decision';
import { redactSecrets } from './redact';
import {
  targetConnectors,
  TtlCache,
  type IdpSnapshot,
  type IdpSnapshotCache,
} from './idp-snapshot';
import { Memberships } from './memberships';
import { memberKey, type LinkChange, type LinkRef, type LinkStore } from './links';
import {
  failed,
  internalError,
  NO_DECISION,
  start,
  toRecord,
  type ConnectorOutcome,
  type MembershipChange,
  type RecordSubject,
} from './outcome';
import type { ProvisionerCache } from './provisioners';
import { groupHash, UNCHANGED, userHash } from './representation';
import type { ProvisioningLog } from './provisioning-log';
import { ProvisioningOperation, ProvisioningStatus } from './test-provisioning.types';

const log = logger('engine');

export interface Run {
  identityProviderId: string;
  /** Only this connector; otherwise every enabled one. */
  connectorId?: string | null;
  /** Event id / topic-partition-offset, or "api". */
  source: string;
}

export interface UserRun extends Run {
  operation: ProvisioningOperation;
  user: ProvisioningUser;
  dryRun: boolean;
  /**
   * A sync: an unchanged user is checked at the target (drift there is repaired), and a dry run
   * skips unchanged users as a real run would, so that its counts say what a real run would do.
   */
  verifyTarget?: boolean;
}

export interface GroupRun extends Run {
  /** CREATE, UPDATE (a rename) or DELETE. */
  operation: ProvisioningOperation;
  group: ProvisioningGroup;
  /** Decide and record, call nothing. */
  dryRun?: boolean;
  /** A sync: an unchanged group is checked at the target (deleted or renamed there: repaired). */
  verifyTarget?: boolean;
}

export interface MembershipRun extends Run {
  change: MembershipChange;
  /** The group is created at the target first where it is not there yet. */
  group: ProvisioningGroup;
  userId: string;
  /** Decide and record, call nothing. */
  dryRun?: boolean;
}

export type UserOutcome = ConnectorOutcome<ProvisioningOperation>;

export interface EngineDeps {
  snapshots: IdpSnapshotCache;
  registry: ConnectorTypeRegistry;
  identityProviders: IdentityProviderService;
  provisioners: ProvisionerCache;
  links: LinkStore;
  provisioningLog: ProvisioningLog;
  retry: RetryOptions;
  /**
   * Bounds the calls to targets in flight (the sidecar's SIDECAR_CONCURRENCY): only the calls,
   * not the reads and writes around them, so a page of objects shares its lookups and writes.
   */
  targetCalls?: CallGate;
}

/** A unit of work on one connector: returns the remote ref to report (null for none). */
export type Task = () => Promise<RemoteRef | null>;

export class ProvisioningEngine {
  /** Groups being created by membership changes, by connector and group id, until their links are stored. */
  private readonly groupsBeingCreated = new Map<string, Promise<RemoteRef>>();
  private createdAwaitingCommit: string[] = [];

  /** Tenants found with no identity provider being looked up again. */
  private readonly noneRechecks = new Map<string, Promise<string[]>>();
  /** A tenant's enabled identity providers, read once per TTL rather than once per event. */
  private readonly tenants: TtlCache<string[]>;

  private readonly gate: CallGate;
  private readonly driftChecks: DriftChecks;
  /** A user's or a group's memberships converged as a whole. */
  readonly memberships: Memberships;

  constructor(private readonly deps: EngineDeps) {
    this.gate = deps.targetCalls ?? NO_GATE;
    this.driftChecks = new DriftChecks(this.gate);
    this.memberships = new Memberships({
      ...deps,
      runMembership: (run) => this.runMembership(run),
      attempt: (connector, outcome, subject, task) =>
        this.attempt(connector, outcome, subject, task),
    });
    this.tenants = new TtlCache(async (tenantDomain) => {
      const all = await deps.identityProviders.list(tenantDomain);
      return all.filter((idp) => idp.enabled).map((idp) => idp.id);
    });
    deps.identityProviders.onChange(() => this.tenants.invalidate());
  }

  async runUser(run: UserRun): Promise<UserOutcome[]> {
    const snapshot = await this.deps.snapshots.get(run.identityProviderId);
    const user = run.user.tenantDomain
      ? run.user
      : { ...run.user, tenantDomain: snapshot.identityProvider.tenantDomain };
    const subject = this.subject(run, 'USER', user.id);
    return this.each(snapshot, run, subject, async (connector, links, changes) => {
      const link = links.get(connector.id) ?? null;
      const idp = snapshot.identityProvider;
      const hash = userHash(snapshot, connector, user);
      const decided = decideUser(idp, connector, user, run.operation, link);
      let decision = unlessUnchanged(decided, link, hash, run.dryRun && !run.verifyTarget);
      const provisioner = this.deps.provisioners.get(snapshot, connector);
      if (run.verifyTarget && decision.skipReason === UNCHANGED && provisioner?.compareUser) {
        const drift = await this.drift(provisioner, link!, user).catch((error: unknown) => error);
        if (typeof drift !== 'string' && drift !== null)
          return failed(start(snapshot, connector, decided, link), asConnectorError(drift));
        if (drift) decision = drift === 'gone' ? recreate(link!) : putBack();
      }
      const outcome = start(snapshot, connector, decision, link);
      if (decision.skipReason) return outcome;
      if (run.dryRun) return this.preview(snapshot, connector, user, outcome);
      if (!this.provisioner(snapshot, connector, outcome)) return outcome;
      const key = {
        connectorId: connector.id,
        entityType: 'USER',
        localId: user.id,
        hash,
      } as const;
      return this.attempt(connector, outcome, subject, async () => {
        const ref = await lifecycle(outcome, link, key, changes, {
          create: () => provisioner!.createUser(user),
          update: (remoteId) => provisioner!.updateUser(remoteId, user),
          remove: (remoteId) => provisioner!.deleteUser(remoteId),
        });
        // A user created (again) or deleted at the target has no memberships there any more.
        if (outcome.operation !== ProvisioningOperation.UPDATE && link)
          changes.push({ ...key, entityType: 'MEMBER', ref: null, prefix: true });
        return ref;
      });
    }) as Promise<UserOutcome[]>;
  }

  /** How the target's copy differs from what was sent, or null when it is as sent. */
  private async drift(
    provisioner: Provisioner,
    link: LinkRef,
    user: ProvisioningUser,
  ): Promise<'gone' | 'changed' | null> {
    const state = await this.driftChecks.compare(provisioner, link.remoteId, user);
    return state === 'same' ? null : state;
  }

  /** Creates, renames (UPDATE) or deletes a group on every connector whose target has groups. */
  async runGroup(run: GroupRun): Promise<ConnectorOutcome[]> {
    const snapshot = await this.deps.snapshots.get(run.identityProviderId);
    const subject = this.subject(run, 'GROUP', run.group.id);
    return this.each(snapshot, run, subject, async (connector, links, changes) => {
      const link = links.get(connector.id) ?? null;
      const idp = snapshot.identityProvider;
      const hash = groupHash(snapshot, connector, run.group);
      const decided = decideGroup(idp, connector, run.group, run.operation, link);
      let decision = unlessUnchanged(decided, link, hash, false);
      const targetGroups = this.deps.provisioners.get(snapshot, connector)?.groups;
      if (run.verifyTarget && decision.skipReason === UNCHANGED && targetGroups?.compareGroup) {
        const state = await this.gate
          .run(() => targetGroups.compareGroup!(link!.remoteId, run.group))
          .catch((error: unknown) => error);
        if (typeof state !== 'string')
          return failed(start(snapshot, connector, decided, link), asConnectorError(state));
        if (state !== 'same') decision = state === 'gone' ? recreate(link!) : putBack();
      }
      const outcome = start(snapshot, connector, decision, link);
      if (decision.skipReason) return outcome;
      const groups = this.groupProvisioner(snapshot, connector, outcome);
      if (!groups || run.dryRun) return planned(outcome, groups);
      const key = {
        connectorId: connector.id,
        entityType: 'GROUP',
        localId: run.group.id,
        hash,
      } as const;
      return this.attempt(connector, outcome, subject, async () => {
        const ref = await lifecycle(outcome, link, key, changes, {
          create: () => groups.createGroup(run.group),
          update: (remoteId) => groups.renameGroup(remoteId, run.group),
          remove: (remoteId) => groups.deleteGroup(remoteId),
        });
        // A group created again (or deleted) at the target has no members there any more: its
        // members' next convergence adds them again.
        if (outcome.operation !== ProvisioningOperation.UPDATE && link)
          changes.push({ ...key, entityType: 'MEMBER', ref: null, members: true });
        return ref;
      });
    });
  }

  /** Adds or removes a provisioned user to or from a group, creating the group where missing. */
  async runMembership(run: MembershipRun): Promise<ConnectorOutcome[]> {
    const snapshot = await this.deps.snapshots.get(run.identityProviderId);
    const subject = { ...this.subject(run, 'GROUP', run.group.id), detail: { member: run.userId } };
    const members = this.deps.links.findMany(
      snapshot.connectors.map((c) => c.id),
      'USER',
      run.userId,
    );
    return this.each(snapshot, run, subject, async (connector, links, changes) => {
      const groupLink = links.get(connector.id) ?? null;
      const member = (await members).get(connector.id) ?? null;
      const idp = snapshot.identityProvider;
      const decision = decideMembership(idp, connector, run, groupLink, member);
      const outcome = start(snapshot, connector, decision, groupLink);
      outcome.operation = run.change;
      const memberLink = {
        connectorId: connector.id,
        entityType: 'MEMBER',
        localId: memberKey(run.userId, run.group.id),
      } as const;
      // A membership of a group or a user no longer linked (deleted) is forgotten: there is
      // nothing to call.
      const unlinked = !groupLink || !member;
      if (decision.skipReason && run.change === 'REMOVE_MEMBER' && unlinked && !run.dryRun)
        changes.push({ ...memberLink, ref: null });
      if (decision.skipReason) return outcome;
      const groups = this.groupProvisioner(snapshot, connector, outcome);
      if (!groups || run.dryRun) return planned(outcome, groups);
      // Kept across retries: a group created by a failed attempt is not created again.
      let group: RemoteRef | null = groupLink
        ? { remoteId: groupLink.remoteId, remoteName: groupLink.remoteName ?? run.group.name }
        : null;
      const createGroup = () =>
        this.createGroupOnce(
          connector.id,
          run.group,
          groups,
          changes,
          groupHash(snapshot, connector, run.group),
        );
      return this.attempt(connector, outcome, subject, async () => {
        group ??= await createGroup();
        if (run.change === 'ADD_MEMBER') {
          await groups.addMember(group.remoteId, member!.remoteId).catch(async (error: unknown) => {
            // The linked group was deleted at the target: created again, with this member.
            if (!groupLink || group!.remoteId !== groupLink.remoteId || !isGone(error)) throw error;
            changes.push({ ...memberLink, localId: run.group.id, ref: null, members: true });
            group = await createGroup();
            outcome.reason = `linked group ${groupLink.remoteId} was gone at the target: created again and relinked`;
            await groups.addMember(group.remoteId, member!.remoteId);
          });
          changes.push({
            ...memberLink,
            ref: { remoteId: group.remoteId, remoteName: group.remoteName },
          });
        } else {
          await groups.removeMember(group.remoteId, member!.remoteId);
          changes.push({ ...memberLink, ref: null });
        }
        return group;
      });
    });
  }

  /**
   * Concurrent membership changes of a group not yet at the target create it once: later callers
   * share the first creation until its link is committed (targets may allow duplicate names).
   */
  private createGroupOnce(
    connectorId: string,
    group: ProvisioningGroup,
    groups: GroupProvisioner,
    changes: LinkChange[],
    hash: string,
  ): Promise<RemoteRef> {
    const key = `${connectorId}/${group.id}`;
    let creation = this.groupsBeingCreated.get(key);
    if (!creation) {
      creation = groups.createGroup(group).then((ref) => {
        changes.push({ connectorId, entityType: 'GROUP', localId: group.id, ref, hash });
        return ref;
      });
      this.groupsBeingCreated.set(key, creation);
      creation.then(
        () => this.createdAwaitingCommit.push(key),
        () => this.groupsBeingCreated.delete(key),
      );
    }
    return creation;
  }

  /** The enabled identity providers of a tenant: where the sidecar sends a tenant's changes. */
  async identityProvidersOf(tenantDomain: string): Promise<string[]> {
    const ids = await this.tenants.get(tenantDomain);
    if (ids.length) return ids;
    // "None" means the event is dropped: ask again, as another process (the API) may have just
    // registered one. A Keycloak serving many realms sends the events of realms nobody provisions
    // too: the events asking at the same time share one query.
    let again = this.noneRechecks.get(tenantDomain);
    if (!again) {
      this.tenants.forget(tenantDomain);
      again = this.tenants.get(tenantDomain);
      this.noneRechecks.set(tenantDomain, again);
      const done = () => this.noneRechecks.delete(tenantDomain);
      again.then(done, done);
    }
    return again;
  }

  /**
   * Reads the links of a sync page's users on its connectors at once and keeps them while the
   * page converges; the returned release lets them go. Nothing is held where that fails (the
   * identity provider or connector deleted meanwhile, the database away): each user then looks
   * its links up alone, and the page goes on as before.
   */
  async holdUserLinks(
    identityProviderId: string,
    connectorId: string | null,
    userIds: string[],
  ): Promise<() => void> {
    try {
      const connectorIds = await this.connectorsOf(identityProviderId, connectorId);
      return await this.deps.links.hold(connectorIds, userIds);
    } catch {
      return () => undefined;
    }
  }

  /** The connectors a change goes to: the one named, or every enabled one. */
  async connectorsOf(identityProviderId: string, connectorId: string | null): Promise<string[]> {
    const snapshot = await this.deps.snapshots.get(identityProviderId);
    return targetConnectors(snapshot, connectorId).map((c) => c.id);
  }

  /** The target connectors (one, or every enabled one) where the user has not been provisioned. */
  async connectorsWithoutUser(
    identityProviderId: string,
    userId: string,
    connectorId: string | null,
  ): Promise<string[]> {
    const snapshot = await this.deps.snapshots.get(identityProviderId);
    const ids = targetConnectors(snapshot, connectorId).map((c) => c.id);
    const links = await this.deps.links.findMany(ids, 'USER', userId);
    return ids.filter((id) => !links.has(id));
  }

  /** Whether the identity provider provisions only members of some groups or roles. */
  async hasScope(identityProviderId: string): Promise<boolean> {
    const snapshot = await this.deps.snapshots.get(identityProviderId);
    return (snapshot.identityProvider.provisioningRoles ?? []).length > 0;
  }

  /** Whether any of these identity providers has a connector whose target has groups. */
  async hasGroupTargets(identityProviderIds: string[]): Promise<boolean> {
    const snapshots = await Promise.all(
      identityProviderIds.map((id) => this.deps.snapshots.get(id)),
    );
    return snapshots.some((s) =>
      s.connectors.some(
        (c) => c.enabled && !s.unusable.has(c.id) && this.deps.provisioners.get(s, c)?.groups,
      ),
    );
  }

  /** Whether any of these identity providers needs users' groups and roles (see usesRoles). */
  async readsRoles(identityProviderIds: string[]): Promise<boolean> {
    const snapshots = await Promise.all(
      identityProviderIds.map((id) =>
        this.deps.snapshots.get(id).catch((error: unknown) => {
          if (!(error instanceof NotFoundError)) throw error;
          this.tenants.invalidate(); // deleted through another process: the list is stale
          return null;
        }),
      ),
    );
    return snapshots.some((s) => s?.usesRoles);
  }

  private subject(run: Run, entityType: 'USER' | 'GROUP', localId: string): RecordSubject {
    return { identityProviderId: run.identityProviderId, entityType, localId, source: run.source };
  }

  /**
   * Runs `one` on each target connector in parallel, times it, then stores every outcome's record
   * with the link changes. A crash before that write loses only the link of a call that succeeded;
   * the retried event's create then finds the target's copy (409) and adopts it.
   */
  private async each(
    snapshot: IdpSnapshot,
    run: Run & { dryRun?: boolean },
    subject: RecordSubject,
    one: (
      connector: Connector,
      links: Map<string, LinkRef>,
      changes: LinkChange[],
    ) => Promise<ConnectorOutcome>,
  ): Promise<ConnectorOutcome[]> {
    const targets = targetConnectors(snapshot, run.connectorId ?? null);
    const links = await this.deps.links.findMany(
      targets.map((c) => c.id),
      subject.entityType,
      subject.localId,
    );
    const changes: LinkChange[] = [];
    const outcomes = await Promise.all(
      targets.map(async (connector) => {
        const started = performance.now();
        const unusable = snapshot.unusable.get(connector.id);
        const outcome = unusable
          ? failed(
              start(snapshot, connector, NO_DECISION, links.get(connector.id) ?? null),
              new ConnectorError(`connector unusable: ${unusable}`, 'CONNECTOR_UNUSABLE', false),
            )
          : await one(connector, links, changes).catch((error: unknown) =>
              // A connector that breaks outside its calls (a custom type's code) fails alone.
              failed(start(snapshot, connector, NO_DECISION, null), internalError(error)),
            );
        outcome.durationMs = Math.round(performance.now() - started);
        return outcome;
      }),
    );
    const records = outcomes.map((o, i) => toRecord(o, targets[i], subject));
    if (run.dryRun) this.deps.provisioningLog.append(records);
    else {
      const created = this.createdAwaitingCommit.splice(0);
      await this.deps.provisioningLog
        .write(records, changes)
        .finally(() => created.forEach((key) => this.groupsBeingCreated.delete(key)))
        .then(
          () => this.deps.links.written(changes),
          (error: unknown) => {
            // Part of it may be stored: what is held about these users is no longer known.
            this.deps.links.forget(changes);
            throw error;
          },
        );
    }
    return outcomes;
  }

  private preview(
    snapshot: IdpSnapshot,
    connector: Connector,
    user: ProvisioningUser,
    outcome: ConnectorOutcome,
  ): ConnectorOutcome {
    const result = this.deps.registry.getByType(connector.type).preview({
      operation: outcome.operation as ProvisioningOperation,
      user,
      identityProviderName: snapshot.identityProvider.name,
      claimMappings: snapshot.claimMappings,
      config: connector.config,
      secretsConfigured: snapshot.secretNames.get(connector.id)!,
      remoteId: outcome.remoteId,
    });
    return Object.assign(outcome, {
      status: ProvisioningStatus.PREVIEWED,
      provisionedId: result.provisionedId,
      request: result.request,
    });
  }

  private typeLabel(connector: Connector): string {
    return this.deps.registry.getByType(connector.type).label;
  }

  private provisioner(
    snapshot: IdpSnapshot,
    connector: Connector,
    outcome: ConnectorOutcome,
  ): Provisioner | null {
    const provisioner = this.deps.provisioners.get(snapshot, connector);
    if (!provisioner) outcome.reason = `the ${this.typeLabel(connector)} type can only preview`;
    return provisioner;
  }

  private groupProvisioner(
    snapshot: IdpSnapshot,
    connector: Connector,
    outcome: ConnectorOutcome,
  ): GroupProvisioner | null {
    const provisioner = this.provisioner(snapshot, connector, outcome);
    if (provisioner && !provisioner.groups)
      outcome.reason = `${this.typeLabel(connector)} has no groups`;
    return provisioner?.groups ?? null;
  }

  /** Runs the task with retries and fills in the outcome: SUCCEEDED with the remote ref, or FAILED. */
  private async attempt(
    connector: Connector,
    outcome: ConnectorOutcome,
    subject: RecordSubject,
    task: Task,
  ): Promise<ConnectorOutcome> {
    const context = {
      connectorId: connector.id,
      localId: subject.localId,
      entityType: subject.entityType,
      operation: outcome.operation,
      source: subject.source,
    };
    // A target may echo what it was sent (passwords, tokens) in its error text: never store that.
    const scrub = (text: string) =>
      redactSecrets(text, this.deps.provisioners.secretsOf(connector));
    const onRetry = (error: ConnectorError, attempt: number, delayMs: number) =>
      log.warn(
        { ...context, attempt, delayMs, code: error.code },
        `retrying: ${scrub(error.message)}`,
      );
    try {
      const call = () => this.gate.run(task);
      const { value, attempts } = await withRetry(call, { ...this.deps.retry, onRetry });
      Object.assign(outcome, { status: ProvisioningStatus.SUCCEEDED, attempts });
      if (value)
        Object.assign(outcome, { remoteId: value.remoteId, provisionedId: value.remoteName });
      log.info({ ...context, attempt: attempts }, 'provisioned');
    } catch (error) {
      const failure = error instanceof ConnectorError ? error : internalError(error);
      failed(outcome, failure, (error as { attempts?: number }).attempts ?? 1, scrub);
      log.warn(
        { ...context, attempt: outcome.attempts, code: failure.code },
        `provisioning failed: ${outcome.error!.message}`,
      );
    }
    return outcome;
  }
}

/** A linked user the target no longer has: created again and relinked. */
function recreate(link: LinkRef): Decision {
  return {
    operation: ProvisioningOperation.CREATE,
    skipReason: null,
    note: `linked ${link.remoteId} was gone at the target: created again and relinked`,
  };
}

function putBack(): Decision {
  return {
    operation: ProvisioningOperation.UPDATE,
    skipReason: null,
    note: 'changed at the target since it was provisioned: put back as Keycloak has it',
  };
}

function asConnectorError(error: unknown): ConnectorError {
  return error instanceof ConnectorError ? error : internalError(error);
}

/** A dry run (or a type without groups) stops before the call: previewed, or skipped with its reason. */
function planned(outcome: ConnectorOutcome, groups: GroupProvisioner | null): ConnectorOutcome {
  if (groups) outcome.status = ProvisioningStatus.PREVIEWED;
  return outcome;
}

/**
 * An update whose representation hashes as the one last sent through this link would change
 * nothing: it is skipped and costs no call. Previews still show the request.
 */
function unlessUnchanged(
  decision: Decision,
  link: LinkRef | null,
  hash: string,
  dryRun: boolean,
): Decision {
  const same = link?.attributesHash === hash;
  if (dryRun || decision.skipReason || decision.operation !== ProvisioningOperation.UPDATE || !same)
    return decision;
  return { ...decision, skipReason: UNCHANGED };
}

/** CREATE, UPDATE or DELETE of one user or group, as decided; the link change goes into `changes`. */
async function lifecycle(
  outcome: ConnectorOutcome,
  link: LinkRef | null,
  key: Omit<LinkChange, 'ref'>,
  changes: LinkChange[],
  calls: {
    create(): Promise<RemoteRef>;
    update(remoteId: string): Promise<RemoteRef>;
    remove(remoteId: string): Promise<void>;
  },
): Promise<RemoteRef | null> {
  if (outcome.operation === ProvisioningOperation.DELETE) {
    await calls.remove(link!.remoteId);
    changes.push({ ...key, ref: null });
    return null;
  }
  const ref =
    outcome.operation === ProvisioningOperation.CREATE
      ? await calls.create()
      : await updateOrRecreate(outcome, link!, calls);
  changes.push({ ...key, ref });
  return ref;
}

/** A linked object the target no longer has is created again and relinked, and the record says so. */
async function updateOrRecreate(
  outcome: ConnectorOutcome,
  link: LinkRef,
  calls: { create(): Promise<RemoteRef>; update(remoteId: string): Promise<RemoteRef> },
): Promise<RemoteRef> {
  try {
    return await calls.update(link.remoteId);
  } catch (error) {
    if (!isGone(error)) throw error;
    const ref = await calls.create();
    outcome.operation = ProvisioningOperation.CREATE;
    outcome.reason = `linked ${link.remoteId} was gone at the target: created again and relinked`;
    return ref;
  }
}
