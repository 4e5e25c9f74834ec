// One Kafka message → provisioning: parse the Keycloak event, read what it lacks from Keycloak,
// run the engine for every enabled identity provider of the realm, retry retriable failures with
// backoff (other users' events go on meanwhile), and dead-letter what cannot be provisioned.
import { setTimeout as sleep } from 'node:timers/promises';
import { ConnectorError } from '../src/common/connector-error';
import { ApiError, NotFoundError } from '../src/common/errors';
import { logger } from '../src/common/logger';
import { backoffDelay } from '../src/common/retry';
import type { ProvisioningGroup, ProvisioningUser } from '../src/provisioning/claims';
import type { ProvisioningEngine } from '../src/provisioning/engine';
import type { ConnectorOutcome } from '../src/provisioning/outcome';
import {
  ProvisioningOperation,
  ProvisioningStatus,
} from '../src/provisioning/test-provisioning.types';
import type { KeycloakDirectory } from '../src/keycloak/directory';
import { MalformedEventError, parseKeycloakEvent, type KeycloakChange } from './keycloak/events';
import type { ConcurrencyLimit } from './keyed-scheduler';
import type { Metrics } from './metrics';

const log = logger('sidecar');

export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
}

export interface DeadLetter {
  reason: string;
  /** The connector that failed, where one did. */
  connectorId?: string;
}

export interface DeadLetters {
  send(message: ConsumedMessage, letter: DeadLetter): Promise<void>;
}

export interface EventHandlerDeps {
  engine: ProvisioningEngine;
  keycloak: KeycloakDirectory;
  deadLetters: DeadLetters;
  metrics: Metrics;
  /** Calls to targets at once, shared by all partitions (SIDECAR_CONCURRENCY). */
  limit: ConcurrencyLimit;
  /** How long retriable failures are retried before the event is dead-lettered. */
  retryForMs: number;
  retryBaseMs: number;
}

/** One identity provider × connector still to run, or null for "every enabled connector". */
interface Target {
  identityProviderId: string;
  connectorId: string | null;
}

interface KeycloakReads {
  user(): Promise<ProvisioningUser | null>;
  group(): Promise<ProvisioningGroup | null>;
  /** Whether the event's user is in the event's group now; null when the user is gone. */
  member(): Promise<boolean | null>;
}

/** The longer of two Retry-After waits, where any was given. */
function longest(a: number | null, b: number | null | undefined): number | null {
  return b == null ? a : a === null ? b : Math.max(a, b);
}

/** Calls `read` the first time only; later calls share its promise. */
function once<T>(read: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | null = null;
  return () => (result ??= read());
}

export const sourceOf = (m: ConsumedMessage) => `${m.topic}/${m.partition}/${m.offset}`;

/** A consumed message with its event read once (a malformed one carries the reason instead). */
export interface ParsedMessage extends ConsumedMessage {
  change: KeycloakChange | MalformedEventError;
}

export function parseMessage(message: ConsumedMessage): ParsedMessage {
  try {
    return { ...message, change: parseKeycloakEvent(message.value) };
  } catch (error) {
    if (error instanceof MalformedEventError) return { ...message, change: error };
    throw error;
  }
}

/**
 * The keys the message is ordered by: its Kafka key, else the user (or group) id inside the event;
 * a membership change also waits for its group's events (a group CREATE/DELETE must not race it).
 */
export function orderingKeys(message: ParsedMessage): string[] {
  const { change } = message;
  if (change instanceof MalformedEventError) return [`malformed/${sourceOf(message)}`];
  const own = message.key?.length ? message.key.toString('utf8') : change.orderingKey;
  return change.kind === 'membership' && change.groupId !== own ? [own, change.groupId] : [own];
}

class Abandoned extends Error {}

/**
 * Told when an event starts waiting to retry, per abort signal: the consumer gives each batch its
 * own signal and hands a batch back to Kafka when it holds retries too long.
 */
export const retryWaitHooks = new WeakMap<AbortSignal, () => void>();

const DEAD = Symbol('dead-lettered');
const NOT_FOUND = Symbol('not found in Keycloak');

/** Permanent: a target's or Keycloak's refusal, or our own API error (e.g. a connector deleted). */
function isRetriable(error: unknown): boolean {
  if (error instanceof ConnectorError) return error.retriable;
  return !(error instanceof ApiError);
}

function describe(error: unknown): string {
  if (error instanceof ConnectorError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** Backoff ceiling between rounds: a recovered target is noticed within this. */
const MAX_RETRY_DELAY_MS = 5_000;

export class EventHandler {
  /** When each event's first attempt began, while it is being retried (by Kafka position). */
  private readonly firstAttempt = new Map<string, number>();

  constructor(private readonly deps: EventHandlerDeps) {}

  /**
   * Handles one message completely: provisioned, skipped or dead-lettered. Returns false only
   * when `signal` aborted it (shutdown): then it is not done and its offset must not be committed.
   */
  async handle(message: ParsedMessage, signal: AbortSignal): Promise<boolean> {
    // Shutting down or rebalancing: leave it for whoever consumes the partition next.
    if (signal.aborted) return false;
    const { metrics } = this.deps;
    const { change } = message;
    if (change instanceof MalformedEventError) {
      metrics.events.inc({ type: 'unknown', outcome: 'malformed' });
      await this.deadLetter(message, { reason: `malformed: ${change.reason}` }, 'malformed');
      return true;
    }
    const context = { eventId: change.eventId, source: sourceOf(message), key: change.orderingKey };
    if (change.kind === 'ignored') {
      metrics.events.inc({ type: metrics.eventType(change.eventType), outcome: 'ignored' });
      log.debug({ ...context, reason: change.reason }, 'event ignored');
      return true;
    }
    try {
      const outcome = await this.provision(message, change, signal);
      metrics.events.inc({ type: metrics.eventType(change.eventType), outcome });
      if (outcome === 'provisioned') metrics.latency.observe((Date.now() - change.time) / 1000);
      return true;
    } catch (error) {
      if (error instanceof Abandoned) return false;
      throw error;
    }
  }

  private async provision(
    message: ConsumedMessage,
    change: Exclude<KeycloakChange, { kind: 'ignored' }>,
    signal: AbortSignal,
  ): Promise<string> {
    // Retry time counts from the first attempt, also when the event comes again after its batch
    // was handed back while it waited to retry (see the consumer's batch hold and wait()).
    const source0 = sourceOf(message);
    const started = this.firstAttempt.get(source0) ?? Date.now();
    try {
      return await this.provisionFrom(message, change, signal, started);
    } finally {
      if (!signal.aborted) this.firstAttempt.delete(source0);
    }
  }

  private async provisionFrom(
    message: ConsumedMessage,
    change: Exclude<KeycloakChange, { kind: 'ignored' }>,
    signal: AbortSignal,
    started: number,
  ): Promise<string> {
    const { engine, keycloak, limit } = this.deps;
    const realm = await this.retrying(message, signal, started, () =>
      change.realm.name ? Promise.resolve(change.realm.name) : keycloak.realmName(change.realm.id),
    );
    if (realm === DEAD) return 'dead_lettered';
    if (!realm) {
      await this.deadLetter(
        message,
        { reason: `unknown realm ${change.realm.id}` },
        'unknown_realm',
      );
      return 'dead_lettered';
    }
    const idps = await this.retrying(message, signal, started, () =>
      engine.identityProvidersOf(realm),
    );
    if (idps === DEAD) return 'dead_lettered';
    if (!idps.length) return 'no_identity_provider';
    const withRoles = await this.retrying(message, signal, started, () => engine.readsRoles(idps));
    if (withRoles === DEAD) return 'dead_lettered';
    let targets: Target[] = idps.map((id) => ({ identityProviderId: id, connectorId: null }));
    let deadLettered = false;
    let notFound = false;
    const source = `${sourceOf(message)}#${change.eventId}`;
    for (let round = 1; ; round++) {
      // A slot per round of calls, not while waiting: retries never hold up other users' events.
      const reads = this.reads(change, realm, withRoles);
      // Events queued for a slot when the batch is abandoned (shutdown, rebalance) do not start.
      const settled = await limit.run(() => {
        if (signal.aborted) throw new Abandoned();
        return Promise.allSettled(
          targets.map((target) => this.apply(change, realm, target, source, reads)),
        );
      });
      let again: Target[] = [];
      let retryAfterMs: number | null = null;
      const exhausted = Date.now() - started >= this.deps.retryForMs;
      for (const [i, result] of settled.entries()) {
        const target = targets[i];
        if (result.status === 'rejected') {
          if (result.reason instanceof NotFoundError) {
            // The identity provider or connector was deleted since the event arrived.
            log.info({ source, target, reason: result.reason.message }, 'target gone: skipped');
            continue;
          }
          // Keycloak or the database failed before any connector ran: this target runs again.
          if (!exhausted && isRetriable(result.reason)) {
            again.push(target);
            retryAfterMs = longest(retryAfterMs, (result.reason as ConnectorError).retryAfterMs);
          } else {
            deadLettered = true;
            await this.deadLetter(message, { reason: describe(result.reason) }, 'error');
          }
          continue;
        }
        if (result.value === NOT_FOUND) notFound = true;
        else
          for (const o of result.value) {
            this.deps.metrics.provisioning.inc({
              connector_type: o.connector.type,
              status: o.status,
            });
            if (o.status !== ProvisioningStatus.FAILED) continue;
            const retriable = o.error?.retriable ?? false;
            if (retriable && !exhausted) {
              again.push({ ...target, connectorId: o.connector.id });
              retryAfterMs = longest(retryAfterMs, o.error?.retryAfterMs);
              continue;
            }
            deadLettered = true;
            const why = retriable ? 'retries exhausted: ' : '';
            await this.deadLetter(
              message,
              {
                reason: `${why}${o.error?.code}: ${o.error?.message}`,
                connectorId: o.connector.id,
              },
              retriable ? 'retries_exhausted' : 'permanent',
            );
          }
      }
      // A connector that failed twice in one round (a membership and a rescope) runs once again.
      again = again.filter(
        (t, i) =>
          again.findIndex(
            (u) => u.identityProviderId === t.identityProviderId && u.connectorId === t.connectorId,
          ) === i,
      );
      if (!again.length) {
        if (deadLettered) return 'dead_lettered';
        if (notFound) {
          log.warn(
            { source, key: change.orderingKey },
            'not in Keycloak (rolled back, or deleted since): skipped',
          );
          return 'not_found';
        }
        return 'provisioned';
      }
      targets = again;
      this.deps.metrics.retries.inc();
      await this.wait(message, started, round, retryAfterMs, signal);
    }
  }

  /** A Keycloak or database read, retried while retriable; DEAD when it was dead-lettered. */
  private async retrying<T>(
    message: ConsumedMessage,
    signal: AbortSignal,
    started: number,
    read: () => Promise<T>,
  ): Promise<T | typeof DEAD> {
    for (let round = 1; ; round++) {
      try {
        return await read();
      } catch (error) {
        if (!isRetriable(error) || Date.now() - started >= this.deps.retryForMs) {
          await this.deadLetter(message, { reason: describe(error) }, 'error');
          return DEAD;
        }
        this.deps.metrics.retries.inc();
        await this.wait(
          message,
          started,
          round,
          (error as ConnectorError).retryAfterMs ?? null,
          signal,
        );
      }
    }
  }

  /** This round's Keycloak reads, made once and shared by every identity provider of the realm. */
  private reads(
    change: Exclude<KeycloakChange, { kind: 'ignored' }>,
    realm: string,
    withRoles: boolean,
  ): KeycloakReads {
    const { keycloak } = this.deps;
    return {
      user: once(() =>
        keycloak.getUser(realm, 'userId' in change ? change.userId : '', { withRoles }),
      ),
      group: once(() => keycloak.getGroup(realm, 'groupId' in change ? change.groupId : '')),
      member: once(() =>
        change.kind === 'membership'
          ? keycloak.isMember(realm, change.userId, change.groupId, change.change === 'ADD_MEMBER')
          : Promise.resolve(null),
      ),
    };
  }

  /** One round on one identity provider (all its connectors, or one). */
  private async apply(
    change: Exclude<KeycloakChange, { kind: 'ignored' }>,
    realm: string,
    target: Target,
    source: string,
    reads: KeycloakReads,
  ): Promise<ConnectorOutcome[] | typeof NOT_FOUND> {
    const { engine } = this.deps;
    const run = { ...target, source };
    if (change.kind === 'user') {
      const operation = ProvisioningOperation[change.operation];
      const user =
        operation === ProvisioningOperation.DELETE
          ? deletedUser(change.userId, realm)
          : await reads.user();
      // Gone from Keycloak before we read it (rolled back, or deleted since: its DELETE follows).
      if (!user) return NOT_FOUND;
      return engine.runUser({ ...run, operation, user, dryRun: false });
    }
    if (change.kind === 'group') {
      const operation = ProvisioningOperation[change.operation];
      const group =
        operation === ProvisioningOperation.DELETE
          ? { id: change.groupId, name: change.name ?? change.groupId, tenantDomain: realm }
          : await reads.group();
      if (!group) return NOT_FOUND;
      return engine.runGroup({ ...run, operation, group });
    }
    // A membership event is a signal too: applied only while Keycloak still has the group and the
    // membership (an old "add" after the group was deleted must not create it again at the target).
    const group = await reads.group();
    const isMember = await reads.member();
    if (isMember === null) return NOT_FOUND; // the user is gone: their DELETE follows
    const holds = group !== null && isMember === (change.change === 'ADD_MEMBER');
    // Leaving a group (or its deletion) can take the user out of the provisioning scope.
    const rescoped =
      change.change === 'REMOVE_MEMBER' && (await engine.hasScope(run.identityProviderId))
        ? await this.rescope(run, reads)
        : [];
    if (!holds) return rescoped.length ? rescoped : NOT_FOUND;
    const members =
      change.change === 'ADD_MEMBER' ? await this.provisionMember(change.userId, run, reads) : [];
    if (members === NOT_FOUND) return NOT_FOUND;
    const changed = await engine.runMembership({
      ...run,
      change: change.change,
      group,
      userId: change.userId,
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
    return this.deps.engine.runUser({ ...run, operation, user, dryRun: false });
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
  ): Promise<ConnectorOutcome[] | typeof NOT_FOUND> {
    const { engine } = this.deps;
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

  /** Partitions may have moved: an event seen again starts a fresh retry budget. */
  forgetRetries(): void {
    this.firstAttempt.clear();
  }

  private async wait(
    message: ConsumedMessage,
    started: number,
    round: number,
    retryAfterMs: number | null,
    signal: AbortSignal,
  ): Promise<void> {
    // Remembered only for events that wait: one abandoned now keeps its retry time when fetched again.
    this.firstAttempt.set(sourceOf(message), started);
    // A target's Retry-After is waited out in full; only the backoff is capped at 5 s.
    const delay =
      retryAfterMs ??
      backoffDelay(
        round,
        { attempts: Infinity, baseDelayMs: this.deps.retryBaseMs, maxDelayMs: MAX_RETRY_DELAY_MS },
        null,
      );
    retryWaitHooks.get(signal)?.();
    try {
      await sleep(delay, undefined, { signal });
    } catch {
      throw new Abandoned();
    }
  }

  private async deadLetter(
    message: ConsumedMessage,
    letter: DeadLetter,
    kind: string,
  ): Promise<void> {
    this.deps.metrics.deadLettered.inc({ reason: kind });
    log.warn(
      { source: sourceOf(message), connectorId: letter.connectorId },
      `dead-lettered: ${letter.reason}`,
    );
    await this.deps.deadLetters.send(message, letter);
  }
}

/** A deleted user can no longer be read: the links say where it went. */
function deletedUser(id: string, realm: string): ProvisioningUser {
  return {
    id,
    username: id,
    userStoreDomain: null,
    tenantDomain: realm,
    claims: new Map(),
    roles: null,
  };
}
