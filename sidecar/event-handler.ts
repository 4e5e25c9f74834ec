// One Kafka message → provisioning: parse the Keycloak event, read what it lacks from Keycloak,
// run the engine for every enabled identity provider of the realm, retry retriable failures with
// backoff (other users' events go on meanwhile), and dead-letter what cannot be provisioned.
import { setTimeout as sleep } from 'node:timers/promises';
import { ConnectorError } from '../src/common/connector-error';
import { ApiError, NotFoundError } from '../src/common/errors';
import { logger } from '../src/common/logger';
import { backoffDelay } from '../src/common/retry';
import {
  NOT_FOUND,
  type Convergence,
  type KeycloakReads,
  type Signal,
  type Target,
} from '../src/convergence/convergence';
import type { ProvisioningEngine } from '../src/provisioning/engine';
import type { ConnectorOutcome } from '../src/provisioning/outcome';
import { ProvisioningStatus } from '../src/provisioning/test-provisioning.types';
import type { KeycloakDirectory } from '../src/keycloak/directory';
import type { PagedUser } from '../src/keycloak/directory';
import {
  encodeObject,
  type ConvergeChange,
  type ConvergePageChange,
  type PagePreamble,
} from './sync/converge-message';
import type { SyncOutcomeRow, SyncProgress } from './sync/sync-progress';
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
  convergence: Convergence;
  keycloak: KeycloakDirectory;
  /** Where a sync's converge messages report their outcome. */
  syncProgress: SyncProgress;
  deadLetters: DeadLetters;
  metrics: Metrics;
  /**
   * Objects converged at once, shared by all partitions: a few times SIDECAR_CONCURRENCY, which
   * bounds the calls to targets inside the engine, so that the Keycloak reads, lookups and
   * writes of the objects waiting for a call are made together.
   */
  objects: ConcurrencyLimit;
  /** How long retriable failures are retried before the event is dead-lettered. */
  retryForMs: number;
  retryBaseMs: number;
}

/** The longer of two Retry-After waits, where any was given. */
function longest(a: number | null, b: number | null | undefined): number | null {
  return b == null ? a : a === null ? b : Math.max(a, b);
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
  // A sync's page waits for (and holds up) the live events of every object in it.
  if (change.kind === 'converge-page') return change.objects.map((o) => o.id);
  const own = message.key?.length ? message.key.toString('utf8') : change.orderingKey;
  return change.kind === 'membership' && change.groupId !== own ? [own, change.groupId] : [own];
}

/** What a message weighs in hand (see in-hand.ts): a sync page, its objects; an event, one. */
export function messageWeight(message: ParsedMessage): number {
  const { change } = message;
  return !(change instanceof MalformedEventError) && change.kind === 'converge-page'
    ? change.objects.length
    : 1;
}

/**
 * One object of a page as a message of its own, its Kafka key and value (the single form its
 * dead letter holds) encoded only if asked for.
 */
function objectMessage(page: ParsedMessage, change: ConvergeChange): ParsedMessage {
  let single: { key: Buffer; value: Buffer } | null = null;
  const encoded = () => {
    if (!single) {
      const { key, value } = encodeObject(change);
      single = { key: Buffer.from(key), value: Buffer.from(value) };
    }
    return single;
  };
  const { topic, partition } = page;
  return {
    topic,
    partition,
    offset: `${page.offset}:${change.id}`,
    get key() {
      return encoded().key;
    },
    get value() {
      return encoded().value;
    },
    change,
  };
}

class Abandoned extends Error {}

/**
 * Told, per abort signal, when a message (an event, or one object of a sync page) starts waiting
 * to retry and when its handling ends: the consumer gives each batch its own signal and hands a
 * batch back to Kafka while one of them has been retrying too long.
 */
export interface RetryWaitHook {
  waiting(offset: string): void;
  ended(offset: string): void;
}
export const retryWaitHooks = new WeakMap<AbortSignal, RetryWaitHook>();

const DEAD = Symbol('dead-lettered');

type Change = Exclude<KeycloakChange, { kind: 'ignored' } | { kind: 'converge-page' }>;

/** Users a page may have moved by between the walk and its convergence, still read at once. */
const PAGE_SLACK = 10;

/** What the change asks the convergence path to do. */
function signalOf(change: Change): Signal {
  if (change.kind === 'converge') {
    const { entity, id, dryRun, viaGroups } = change;
    return { kind: 'converge', entity, id, dryRun, viaGroups };
  }
  return change;
}

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
  /** A sync page's objects already done, by the page's Kafka position, until the page is. */
  private readonly pageObjectsDone = new Map<string, Set<string>>();
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
    if (change.kind === 'converge-page') return this.handlePage(message, change, signal);
    try {
      const outcome = await this.provision(message, change, signal);
      metrics.events.inc({ type: metrics.eventType(change.eventType), outcome });
      if (outcome === 'provisioned' && change.kind !== 'converge')
        metrics.latency.observe((Date.now() - change.time) / 1000);
      return true;
    } catch (error) {
      if (error instanceof Abandoned) return false;
      throw error;
    } finally {
      retryWaitHooks.get(signal)?.ended(message.offset);
    }
  }

  /**
   * A sync's page: one converge per object, side by side, each retried, counted and dead-lettered
   * on its own (as a single-object message, replayed alone). A page of users is read again from
   * Keycloak in one request, and each user converges to what it says now.
   */
  private async handlePage(
    message: ParsedMessage,
    page: ConvergePageChange,
    signal: AbortSignal,
  ): Promise<boolean> {
    const paged = await this.readPage(page);
    const prepared = await this.prepare(page);
    // Objects done in an earlier attempt of this page (handed back while others waited to
    // retry) are not converged, counted or dead-lettered again.
    const page0 = sourceOf(message);
    const finished = this.pageObjectsDone.get(page0) ?? new Set<string>();
    this.pageObjectsDone.set(page0, finished);
    // The page's users' links, read at once for the page rather than per user.
    const release =
      page.entity === 'user'
        ? await this.deps.engine.holdUserLinks(
            page.identityProviderId,
            page.connectorId,
            page.objects.map((o) => o.id),
          )
        : () => undefined;
    // The objects' outcomes, stored together once every object has settled.
    const outcomes: SyncOutcomeRow[] = [];
    const doneIds: string[] = [];
    const settled = await Promise.allSettled(
      page.objects
        .filter((one) => !finished.has(one.id))
        .map(async (one) => {
          const change = { ...one, paged: paged.get(one.id), outcomes, prepared };
          const done = await this.handle(objectMessage(message, change), signal);
          if (done) doneIds.push(one.id);
          return done;
        }),
    ).finally(release);
    // An object counts as done once its outcome is stored: were this to fail, the page runs again.
    await this.deps.syncProgress.store(outcomes);
    doneIds.forEach((id) => finished.add(id));
    // Every object settles before the page answers, so none runs on once its keys are released.
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const all = settled.every((r) => r.status === 'fulfilled' && r.value);
    if (all) this.pageObjectsDone.delete(page0);
    return all;
  }

  /**
   * What the page's objects share: found once here rather than per object; undefined (each finds
   * its own, retried and dead-lettered alone) where the job is closed or a read fails.
   */
  private async prepare(page: ConvergePageChange): Promise<PagePreamble | undefined> {
    const { engine, convergence, syncProgress } = this.deps;
    try {
      if (!(await syncProgress.isOpen(page.syncJobId))) return undefined;
      const { identityProviderId, connectorId } = page;
      // A page's objects all converge their memberships, or all leave them to their groups.
      const viaGroups = page.objects[0]?.viaGroups ?? false;
      const userReads = await convergence.userReads([identityProviderId], !viaGroups);
      const connectorIds = await engine.connectorsOf(identityProviderId, connectorId);
      return {
        userReads,
        targets: connectorIds.map((id) => ({ identityProviderId, connectorId: id })),
      };
    } catch {
      return undefined;
    }
  }

  /** The page's users as Keycloak lists them now; none (each read alone) where that fails. */
  private async readPage(page: ConvergePageChange): Promise<Map<string, PagedUser>> {
    if (page.entity !== 'user' || page.first === null) return new Map();
    const { keycloak, syncProgress } = this.deps;
    try {
      if (!(await syncProgress.isOpen(page.syncJobId))) return new Map();
      const max = page.objects.length + PAGE_SLACK;
      const users = await keycloak.listUsersFull(page.realmName, page.first, max);
      return new Map(users.map((u) => [u.id, u]));
    } catch (error) {
      log.debug({ err: error, eventId: page.eventId }, 'page not read at once: users read alone');
      return new Map();
    }
  }

  private async provision(
    message: ConsumedMessage,
    change: Change,
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
    change: Change,
    signal: AbortSignal,
    started: number,
  ): Promise<string> {
    const { engine, keycloak, objects, convergence, syncProgress } = this.deps;
    const sync = change.kind === 'converge' ? change : null;
    const prepared = sync?.prepared;
    // A converge message of a sync cancelled (or finished) meanwhile is left alone.
    if (sync && !prepared && !(await syncProgress.isOpen(sync.syncJobId))) return 'sync_closed';
    const outcomes: ConnectorOutcome[] = [];
    // A sync's object counts once it is done, whatever became of it (dead-lettered: failed).
    const done = async (result: string) => {
      if (sync) await syncProgress.record(sync, result === 'dead_lettered' ? null : outcomes);
      return result;
    };
    const realm =
      change.realm.name ||
      (await this.retrying(message, signal, started, () => keycloak.realmName(change.realm.id)));
    if (realm === DEAD) return done('dead_lettered');
    if (!realm) {
      await this.deadLetter(
        message,
        { reason: `unknown realm ${change.realm.id}` },
        'unknown_realm',
      );
      return done('dead_lettered');
    }
    const idps = sync
      ? [sync.identityProviderId]
      : await this.retrying(message, signal, started, () => engine.identityProvidersOf(realm));
    if (idps === DEAD) return done('dead_lettered');
    if (!idps.length) return 'no_identity_provider';
    const userReads =
      prepared?.userReads ??
      (await this.retrying(message, signal, started, () =>
        convergence.userReads(idps, change.kind === 'user' || (sync !== null && !sync.viaGroups)),
      ));
    if (userReads === DEAD) return done('dead_lettered');
    // One target per connector, each in a slot of its own: a connector waiting for its pace
    // hands its slot back without holding up the others.
    const expanded =
      prepared?.targets ??
      (await this.retrying(message, signal, started, async () => {
        const perIdp = await Promise.all(
          idps.map(async (id) =>
            (await engine.connectorsOf(id, sync?.connectorId ?? null)).map((connectorId) => ({
              identityProviderId: id,
              connectorId,
            })),
          ),
        );
        return perIdp.flat();
      }));
    if (expanded === DEAD) return done('dead_lettered');
    let targets: Target[] = expanded;
    let deadLettered = false;
    const lettered = new Set<string>();
    let notFound = false;
    // A sync's records name the job, so provisioningLog shows what the sync did.
    const source = sync ? `sync:${sync.syncJobId}` : `${sourceOf(message)}#${change.eventId}`;
    const signalled = signalOf(change);
    for (let round = 1; ; round++) {
      // A slot per round of calls, not while waiting: retries never hold up other users' events.
      // A sync's user as its page was just read; read alone when the round is a retry.
      const paged = round === 1 ? sync?.paged : undefined;
      const reads: KeycloakReads = convergence.reads(signalled, realm, userReads, paged);
      // Events queued for a slot when the batch is abandoned (shutdown, rebalance) do not start.
      const settled = await Promise.allSettled(
        targets.map((target) =>
          objects.run(() => {
            if (signal.aborted) throw new Abandoned();
            return convergence.apply(signalled, realm, target, source, reads);
          }),
        ),
      );
      if (settled.some((r) => r.status === 'rejected' && r.reason instanceof Abandoned))
        throw new Abandoned();
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
            const failed = o.status === ProvisioningStatus.FAILED;
            const retriable = o.error?.retriable ?? false;
            if (failed && retriable && !exhausted) {
              // Not an outcome yet: the next round's is (a sync counts a retried create as created).
              again.push({ ...target, connectorId: o.connector.id });
              retryAfterMs = longest(retryAfterMs, o.error?.retryAfterMs);
              continue;
            }
            outcomes.push(o);
            if (!failed) continue;
            deadLettered = true;
            // One letter per connector: a group's members failing together are one message.
            if (lettered.has(o.connector.id)) continue;
            lettered.add(o.connector.id);
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
        if (deadLettered) return done('dead_lettered');
        if (notFound) {
          log.warn(
            { source, key: change.orderingKey },
            'not in Keycloak (rolled back, or deleted since): skipped',
          );
          return done('not_found');
        }
        return done('provisioned');
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

  /** Partitions may have moved: an event seen again starts a fresh retry budget. */
  forgetRetries(): void {
    this.firstAttempt.clear();
    this.pageObjectsDone.clear();
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
    retryWaitHooks.get(signal)?.waiting(message.offset);
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
