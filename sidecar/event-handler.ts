// One Kafka message → provisioning: parse the Keycloak event, read what it lacks from Keycloak,
// run the engine for every enabled identity provider of the realm, retry retriable failures with
// backoff (other users' events go on meanwhile), and dead-letter what cannot be provisioned.
import { ConnectorError } from '../src/common/connector-error';
import { logger } from '../src/common/logger';
import { backoffDelay } from '../src/common/retry';
import type { ProvisioningUser } from '../src/provisioning/claims';
import type { ProvisioningEngine } from '../src/provisioning/engine';
import type { ConnectorOutcome } from '../src/provisioning/outcome';
import {
  ProvisioningOperation,
  ProvisioningStatus,
} from '../src/provisioning/test-provisioning.types';
import type { KeycloakDirectory } from '../src/keycloak/directory';
import { MalformedEventError, parseKeycloakEvent, type KeycloakChange } from './keycloak/events';
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
  /** How long retriable failures are retried before the event is dead-lettered. */
  retryForMs: number;
  retryBaseMs: number;
}

/** One identity provider × connector still to run, or null for "every enabled connector". */
interface Target {
  identityProviderId: string;
  connectorId: string | null;
}

export const sourceOf = (m: ConsumedMessage) => `${m.topic}/${m.partition}/${m.offset}`;

/** The message's ordering key: its Kafka key, else the user (or group) id inside the event. */
export function orderingKey(message: ConsumedMessage): string {
  if (message.key?.length) return message.key.toString('utf8');
  try {
    return parseKeycloakEvent(message.value).orderingKey;
  } catch {
    return `malformed/${sourceOf(message)}`;
  }
}

class Abandoned extends Error {}

/** Backoff ceiling between rounds: a recovered target is noticed within this. */
const MAX_RETRY_DELAY_MS = 5_000;

export class EventHandler {
  constructor(private readonly deps: EventHandlerDeps) {}

  /**
   * Handles one message completely: provisioned, skipped or dead-lettered. Returns false only
   * when `signal` aborted it (shutdown): then it is not done and its offset must not be committed.
   */
  async handle(message: ConsumedMessage, signal: AbortSignal): Promise<boolean> {
    const { metrics } = this.deps;
    let change: KeycloakChange;
    try {
      change = parseKeycloakEvent(message.value);
    } catch (error) {
      if (!(error instanceof MalformedEventError)) throw error;
      metrics.events.inc({ type: 'unknown', outcome: 'malformed' });
      await this.deadLetter(message, { reason: `malformed: ${error.reason}` }, 'malformed');
      return true;
    }
    const context = { eventId: change.eventId, source: sourceOf(message), key: change.orderingKey };
    if (change.kind === 'ignored') {
      metrics.events.inc({ type: change.eventType, outcome: 'ignored' });
      log.debug({ ...context, reason: change.reason }, 'event ignored');
      return true;
    }
    try {
      const outcome = await this.provision(message, change, signal);
      metrics.events.inc({ type: change.eventType, outcome });
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
    const { engine, keycloak } = this.deps;
    const realm = change.realm.name ?? (await keycloak.realmName(change.realm.id));
    if (!realm) {
      await this.deadLetter(
        message,
        { reason: `unknown realm ${change.realm.id}` },
        'unknown_realm',
      );
      return 'dead_lettered';
    }
    const idps = await engine.identityProvidersOf(realm);
    if (!idps.length) return 'no_identity_provider';
    let targets: Target[] = idps.map((id) => ({ identityProviderId: id, connectorId: null }));
    const started = Date.now();
    for (let round = 1; ; round++) {
      let results: { target: Target; outcomes: ConnectorOutcome[] }[];
      try {
        results = await Promise.all(
          targets.map(async (target) => ({
            target,
            // Records and log lines name the Kafka position and Keycloak's event id.
            outcomes: await this.apply(
              change,
              realm,
              target,
              `${sourceOf(message)}#${change.eventId}`,
            ),
          })),
        );
      } catch (error) {
        // Keycloak itself failed (its admin API, not a target): the whole event waits and retries.
        const failure = error instanceof ConnectorError ? error : null;
        if (!failure?.retriable || Date.now() - started >= this.deps.retryForMs) {
          await this.deadLetter(
            message,
            { reason: `keycloak: ${(error as Error).message}` },
            'keycloak',
          );
          return 'dead_lettered';
        }
        await this.wait(round, failure.retryAfterMs, signal);
        continue;
      }
      const failed = results.flatMap(({ target, outcomes }) =>
        outcomes
          .filter((o) => o.status === ProvisioningStatus.FAILED)
          .map((o) => ({ target: { ...target, connectorId: o.connector.id }, outcome: o })),
      );
      for (const { outcomes } of results)
        for (const o of outcomes)
          this.deps.metrics.provisioning.inc({
            connector_type: o.connector.type,
            status: o.status,
          });
      const permanent = failed.filter((f) => !f.outcome.error?.retriable);
      const retriable = failed.filter((f) => f.outcome.error?.retriable);
      const exhausted = Date.now() - started >= this.deps.retryForMs;
      for (const f of exhausted ? failed : permanent) {
        const why = exhausted && f.outcome.error?.retriable ? 'retries exhausted: ' : '';
        await this.deadLetter(
          message,
          {
            reason: `${why}${f.outcome.error?.code}: ${f.outcome.error?.message}`,
            connectorId: f.target.connectorId,
          },
          exhausted && f.outcome.error?.retriable ? 'retries_exhausted' : 'permanent',
        );
      }
      if (!retriable.length || exhausted) return failed.length ? 'dead_lettered' : 'provisioned';
      targets = retriable.map((f) => f.target);
      this.deps.metrics.retries.inc();
      await this.wait(round, null, signal);
    }
  }

  /** One round on one identity provider (all its connectors, or one). */
  private async apply(
    change: Exclude<KeycloakChange, { kind: 'ignored' }>,
    realm: string,
    target: Target,
    source: string,
  ): Promise<ConnectorOutcome[]> {
    const { engine, keycloak } = this.deps;
    const run = { ...target, source };
    if (change.kind === 'user') {
      const operation = ProvisioningOperation[change.operation];
      const user =
        operation === ProvisioningOperation.DELETE
          ? deletedUser(change.userId, realm)
          : await keycloak.getUser(realm, change.userId);
      // Gone from Keycloak before we read it (rolled back, or deleted since: its DELETE follows).
      if (!user) return [];
      return engine.runUser({ ...run, operation, user, dryRun: false });
    }
    if (change.kind === 'group') {
      const operation = ProvisioningOperation[change.operation];
      const group =
        operation === ProvisioningOperation.DELETE
          ? { id: change.groupId, name: change.name ?? change.groupId, tenantDomain: realm }
          : await keycloak.getGroup(realm, change.groupId);
      if (!group) return [];
      return engine.runGroup({ ...run, operation, group });
    }
    const group =
      (change.groupName && { id: change.groupId, name: change.groupName, tenantDomain: realm }) ||
      (await keycloak.getGroup(realm, change.groupId));
    if (!group) return [];
    return engine.runMembership({ ...run, change: change.change, group, userId: change.userId });
  }

  private async wait(
    round: number,
    retryAfterMs: number | null,
    signal: AbortSignal,
  ): Promise<void> {
    const delay = backoffDelay(
      round,
      { attempts: Infinity, baseDelayMs: this.deps.retryBaseMs, maxDelayMs: MAX_RETRY_DELAY_MS },
      retryAfterMs,
    );
    if (signal.aborted) throw new Abandoned();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, delay);
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          reject(new Abandoned());
        },
        { once: true },
      );
    });
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
