// The sidecar's configuration: the API's (database, secrets, provisioning) plus Kafka, Keycloak
// and its own HTTP port. Read once from the environment; every problem is a ConfigError.
import { readFileSync } from 'node:fs';
import type { SASLOptions } from 'kafkajs';
import { parse as parseDuration, toSeconds } from 'iso8601-duration';
import { ConfigError } from '../src/common/errors';
import { loadConfig, type Config, type KeycloakConfig } from '../src/config';

type Env = Record<string, string | undefined>;

export interface KafkaConfig {
  brokers: string[];
  clientId: string;
  groupId: string;
  topics: string[];
  /** Dead-letter topic of a source topic: `<topic><suffix>`. */
  dlqSuffix: string;
  ssl: boolean | { ca: string[] };
  sasl: SASLOptions | null;
  /** SYNC_TOPIC: where syncs put one converge message per object (consumed like the event topics). */
  syncTopic: string;
  /** SYNC_TOPIC_PARTITIONS: partitions of the sync topic when the sidecar creates it. */
  syncPartitions: number;
  /** KAFKA_TOPIC_PARTITIONS: partitions of an event topic the sidecar creates (a fresh broker). */
  topicPartitions: number;
}

/** Keycloak's event topics and the sync topic: everything the sidecar consumes. */
export const consumedTopics = (config: KafkaConfig) => [...config.topics, config.syncTopic];

export interface SyncConfig {
  /** SYNC_RUNNER=off: this sidecar converges sync messages but never walks a realm itself. */
  runner: boolean;
  /** SYNC_INTERVAL: a sync of every identity provider this long after its last one; null = off. */
  intervalMs: number | null;
  /** SYNC_PAGE_SIZE: users or groups read from Keycloak per request. */
  pageSize: number;
  /** SYNC_DELETE_THRESHOLD (a percentage) and SYNC_DELETE_MIN: the deletion safeguard. */
  deleteThreshold: { fraction: number; min: number };
  /** How long a running sync's lease lasts without renewal: then another sidecar carries it on. */
  leaseMs: number;
  /** Objects not converged after this long without progress are sent again. */
  stallMs: number;
}

export interface SidecarConfig {
  core: Readonly<Config>;
  kafka: KafkaConfig;
  keycloak: KeycloakConfig;
  sync: SyncConfig;
  /** Events handled at once across all partitions (same user: always one at a time). */
  concurrency: number;
  /** How long a retriable failure is retried before the event goes to the dead-letter topic. */
  retryForMs: number;
  host: string;
  port: number;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  return n;
}

const list = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function sasl(env: Env): SASLOptions | null {
  const mechanism = env.KAFKA_SASL_MECHANISM?.toLowerCase();
  if (!mechanism) return null;
  const username = env.KAFKA_SASL_USERNAME ?? '';
  const password = env.KAFKA_SASL_PASSWORD ?? '';
  if (!username || !password)
    throw new ConfigError('KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required with SASL');
  if (mechanism === 'plain') return { mechanism, username, password };
  if (mechanism === 'scram-sha-256') return { mechanism, username, password };
  if (mechanism === 'scram-sha-512') return { mechanism, username, password };
  throw new ConfigError(
    `KAFKA_SASL_MECHANISM must be plain, scram-sha-256 or scram-sha-512, got "${mechanism}"`,
  );
}

function ssl(env: Env): KafkaConfig['ssl'] {
  if (env.KAFKA_SSL_CA_FILE) {
    try {
      return { ca: [readFileSync(env.KAFKA_SSL_CA_FILE, 'utf8')] };
    } catch (error) {
      throw new ConfigError(`KAFKA_SSL_CA_FILE: ${(error as Error).message}`);
    }
  }
  return env.KAFKA_SSL === 'true';
}

/** An ISO-8601 duration (PT4H, P1D) in ms, or null for `off`. */
function interval(env: Env, name: string, fallback: string): number | null {
  const raw = env[name] || fallback;
  if (raw === 'off') return null;
  let ms: number;
  try {
    ms = toSeconds(parseDuration(raw)) * 1000;
  } catch {
    ms = NaN;
  }
  if (!(ms >= 60_000))
    throw new ConfigError(
      `${name} must be an ISO-8601 duration of at least PT1M, or off; got "${raw}"`,
    );
  return ms;
}

function percentage(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback / 100;
  const match = /^(\d{1,3}(?:\.\d+)?)\s*%?$/.exec(raw.trim());
  const n = match ? Number(match[1]) : NaN;
  if (!(n >= 0 && n <= 100))
    throw new ConfigError(`${name} must be a percentage (e.g. 20%), got "${raw}"`);
  return n / 100;
}

function syncConfig(env: Env): SyncConfig {
  const runner = env.SYNC_RUNNER || 'on';
  if (runner !== 'on' && runner !== 'off')
    throw new ConfigError(`SYNC_RUNNER must be on or off, got "${runner}"`);
  return {
    runner: runner === 'on',
    // Live events carry changes within a second; the sync is the safety net (lost events,
    // federation, drift at the target). Four hours bounds drift to half a working day while a
    // no-change resync costs only reads.
    intervalMs: interval(env, 'SYNC_INTERVAL', 'PT4H'),
    pageSize: int(env, 'SYNC_PAGE_SIZE', 100, 1, 1000),
    deleteThreshold: {
      fraction: percentage(env, 'SYNC_DELETE_THRESHOLD', 20),
      min: int(env, 'SYNC_DELETE_MIN', 10, 0, 1_000_000),
    },
    leaseMs: int(env, 'SYNC_LEASE_MS', 30_000, 1_000, 3_600_000),
    stallMs: int(env, 'SYNC_STALL_MS', 60_000, 1_000, 3_600_000),
  };
}

export function loadSidecarConfig(env: Env = process.env): SidecarConfig {
  const brokers = list(env.KAFKA_BROKERS ?? '');
  if (!brokers.length)
    throw new ConfigError('KAFKA_BROKERS is required, e.g. KAFKA_BROKERS=127.0.0.1:9092');
  // The sidecar serves no GraphQL: its HTTP port is SIDECAR_PORT, not the API's PORT.
  const core = loadConfig({ ...env, PORT: '0' });
  if (!core.keycloak)
    throw new ConfigError(
      "KEYCLOAK_URL is required: the sidecar reads users and groups from Keycloak's admin API",
    );
  return {
    core,
    kafka: {
      brokers,
      clientId: env.KAFKA_CLIENT_ID || 'outbound-provisioning-sidecar',
      groupId: env.KAFKA_GROUP_ID || 'outbound-provisioning',
      topics: list(env.KAFKA_TOPICS || 'keycloak-events,keycloak-admin-events'),
      dlqSuffix: env.KAFKA_DLQ_SUFFIX || '.dlq',
      ssl: ssl(env),
      sasl: sasl(env),
      syncTopic: env.SYNC_TOPIC || 'outbound-provisioning-sync',
      syncPartitions: int(env, 'SYNC_TOPIC_PARTITIONS', 6, 1, 1000),
      topicPartitions: int(env, 'KAFKA_TOPIC_PARTITIONS', 6, 1, 1000),
    },
    sync: syncConfig(env),
    keycloak: core.keycloak,
    concurrency: int(env, 'SIDECAR_CONCURRENCY', 16, 1, 1000),
    retryForMs: int(env, 'SIDECAR_RETRY_FOR_MS', 5 * 60_000, 0, 24 * 3_600_000),
    host: env.SIDECAR_HOST || '127.0.0.1',
    port: int(env, 'SIDECAR_PORT', 9464, 0, 65535),
  };
}
