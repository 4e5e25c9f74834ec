// The sidecar's configuration: the API's (database, secrets, provisioning) plus Kafka, Keycloak
// and its own HTTP port. Read once from the environment; every problem is a ConfigError.
import { readFileSync } from 'node:fs';
import type { SASLOptions } from 'kafkajs';
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
}

export interface SidecarConfig {
  core: Readonly<Config>;
  kafka: KafkaConfig;
  keycloak: KeycloakConfig;
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
    },
    keycloak: core.keycloak,
    concurrency: int(env, 'SIDECAR_CONCURRENCY', 16, 1, 1000),
    retryForMs: int(env, 'SIDECAR_RETRY_FOR_MS', 5 * 60_000, 0, 24 * 3_600_000),
    host: env.SIDECAR_HOST || '127.0.0.1',
    port: int(env, 'SIDECAR_PORT', 9464, 0, 65535),
  };
}
