// The only reader of process.env: parses, validates and freezes the service configuration.
import { ConfigError } from './common/errors';

export type DatabaseConfig =
  { type: 'mariadb'; url: string } | { type: 'better-sqlite3'; database: string };

export interface OidcConfig {
  /** OIDC_ISSUER: issuers trusted by name (any OIDC provider, or single Keycloak realms), comma-separated. */
  issuers: string[];
  jwksUrl: string | null;
  /** OIDC_KEYCLOAK_URL: every realm of this Keycloak issues tokens (each realm's keys discovered). */
  keycloakUrl: string | null;
  /** OIDC_PLATFORM_REALM: the tenant whose tokens manage every tenant (Keycloak's master). */
  platformRealm: string;
  /** OIDC_TENANT_CLAIM: the claim naming a token's tenants; else the realm in the issuer's path. */
  tenantClaim: string | null;
  /** OIDC_CLIENT_ID: this API's own client in the issuer; its client roles count, and it is the default audience. */
  clientId: string;
  /** The audience a token must name in `aud` (or as `azp`): OIDC_AUDIENCE, else the client id. */
  audience: string;
  /** OIDC_REQUIRED_ROLE: the administrator role. */
  requiredRole: string;
  /** OIDC_VIEWER_ROLE: the read-only role. */
  viewerRole: string;
}

/** Keycloak's admin API through a service account (the sidecar needs it; the API for replays). */
export interface KeycloakConfig {
  url: string;
  realm: string;
  clientId: string;
  clientSecret: string;
  /** KEYCLOAK_NOT_FOUND_MS: how long a user or group may be 404 before it counts as absent. */
  notFoundMs: number;
}

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  database: DatabaseConfig;
  secretsKey: Buffer | null;
  apiToken: string | null;
  oidc: OidcConfig | null;
  logLevel: string;
  maxQueryDepth: number;
  /** Whether __schema/__type queries and the served SDL answer (GRAPHQL_INTROSPECTION). */
  introspection: boolean;
  maxRequestBytes: number;
  connectorModules: string[];
  provisioningTimeoutMs: number;
  retryAttempts: number;
  retryBaseDelayMs: number;
  keycloak: KeycloakConfig | null;
  /** PROVISIONING_LOG_RETENTION_DAYS (0 keeps all) and ..._FAILED_RETENTION_DAYS. */
  logRetention: { days: number; failedDays: number; everyMs: number };
  /** Days an audit entry is kept; 0 keeps every entry. */
  auditRetentionDays: number;
  /** SYNC_ON_CONNECTOR_CHANGE: queue a sync of a connector created, re-enabled or remapped. */
  syncOnConnectorChange: boolean;
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return n;
}

export function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function database(env: Env, dataDir: string): DatabaseConfig {
  const url = env.DATABASE_URL;
  if (!url) return { type: 'better-sqlite3', database: `${dataDir}/provisioning.sqlite` };
  if (/^(mysql|mariadb):\/\//.test(url))
    return { type: 'mariadb', url: url.replace(/^mariadb:/, 'mysql:') };
  if (url.startsWith('sqlite:'))
    return { type: 'better-sqlite3', database: url.slice('sqlite:'.length) };
  throw new ConfigError(
    `DATABASE_URL must start with mysql://, mariadb:// or sqlite:, got "${url}"`,
  );
}

function secretsKey(env: Env): Buffer | null {
  const raw = env.SECRETS_KEY;
  if (!raw) return null;
  const key = Buffer.from(raw, 'base64');
  if (key.length !== 32) {
    throw new ConfigError('SECRETS_KEY must be 32 bytes, base64-encoded (openssl rand -base64 32)');
  }
  return key;
}

function absoluteUrl(env: Env, name: string): string | null {
  const value = env[name];
  if (!value) return null;
  try {
    new URL(value);
  } catch {
    throw new ConfigError(`${name} must be an absolute URL, got "${value}"`);
  }
  return value.replace(/\/+$/, '');
}

function oidc(env: Env): OidcConfig | null {
  const issuers = (env.OIDC_ISSUER ?? '')
    .split(',')
    .map((issuer) => issuer.trim())
    .filter(Boolean);
  for (const issuer of issuers) absoluteUrl({ OIDC_ISSUER: issuer }, 'OIDC_ISSUER');
  const keycloakUrl = absoluteUrl(env, 'OIDC_KEYCLOAK_URL');
  if (!issuers.length && !keycloakUrl) return null;
  if (env.OIDC_JWKS_URL && issuers.length !== 1)
    throw new ConfigError(
      'OIDC_JWKS_URL names the keys of one issuer: give OIDC_ISSUER exactly one',
    );
  const clientId = env.OIDC_CLIENT_ID;
  if (!clientId) {
    throw new ConfigError(
      'OIDC_CLIENT_ID is required with OIDC_ISSUER or OIDC_KEYCLOAK_URL: the client id of this API in the issuer (tokens must be issued for it, and only its client roles count)',
    );
  }
  return {
    issuers,
    jwksUrl: env.OIDC_JWKS_URL || null,
    keycloakUrl,
    platformRealm: env.OIDC_PLATFORM_REALM || 'master',
    tenantClaim: env.OIDC_TENANT_CLAIM || null,
    clientId,
    audience: env.OIDC_AUDIENCE || clientId,
    requiredRole: env.OIDC_REQUIRED_ROLE || 'provisioning-admin',
    viewerRole: env.OIDC_VIEWER_ROLE || 'provisioning-viewer',
  };
}

function keycloak(env: Env): KeycloakConfig | null {
  const url = env.KEYCLOAK_URL;
  if (!url) return null;
  try {
    new URL(url);
  } catch {
    throw new ConfigError(`KEYCLOAK_URL must be an absolute URL, got "${url}"`);
  }
  const clientId = env.KEYCLOAK_CLIENT_ID;
  const clientSecret = env.KEYCLOAK_CLIENT_SECRET;
  if (!clientId || !clientSecret)
    throw new ConfigError(
      'KEYCLOAK_CLIENT_ID and KEYCLOAK_CLIENT_SECRET are required with KEYCLOAK_URL',
    );
  return {
    url: url.replace(/\/+$/, ''),
    realm: env.KEYCLOAK_REALM || 'master',
    clientId,
    clientSecret,
    notFoundMs: int(env, 'KEYCLOAK_NOT_FOUND_MS', 750, 0, 10_000),
  };
}

function logRetention(env: Env): Config['logRetention'] {
  const days = int(env, 'PROVISIONING_LOG_RETENTION_DAYS', 90, 0, 36_500);
  const failedDays = int(env, 'PROVISIONING_LOG_FAILED_RETENTION_DAYS', 365, 1, 36_500);
  if (days > 0 && failedDays < days)
    throw new ConfigError(
      `PROVISIONING_LOG_FAILED_RETENTION_DAYS (${failedDays}) must be at least PROVISIONING_LOG_RETENTION_DAYS (${days}): failed records are kept longer, for replays`,
    );
  return { days, failedDays, everyMs: 3_600_000 };
}

const IPV4_LOOPBACK = /^127(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** localhost, ::1 or a dotted 127.0.0.0/8 address, and nothing that merely starts like one. */
export function isLoopback(host: string): boolean {
  const name = host.toLowerCase();
  return name === 'localhost' || name === '::1' || IPV4_LOOPBACK.test(name);
}

export function loadConfig(env: Env = process.env): Readonly<Config> {
  const dataDir = env.DATA_DIR || './data';
  const apiToken = env.API_TOKEN || null;
  if (apiToken !== null && apiToken.length < 16) {
    throw new ConfigError('API_TOKEN must be at least 16 characters');
  }
  const oidcConfig = oidc(env);
  const authenticated = apiToken !== null || oidcConfig !== null;
  const host = env.HOST || (authenticated ? '0.0.0.0' : '127.0.0.1');
  if (!authenticated && !isLoopback(host)) {
    throw new ConfigError(
      `HOST=${host} would expose the API without authentication: set API_TOKEN, OIDC_ISSUER or OIDC_KEYCLOAK_URL, or bind to 127.0.0.1`,
    );
  }
  const db = database(env, dataDir);
  const key = secretsKey(env);
  if (db.type === 'mariadb' && key === null) {
    throw new ConfigError(
      'SECRETS_KEY is required with a MySQL DATABASE_URL (openssl rand -base64 32)',
    );
  }
  return Object.freeze({
    host,
    port: int(env, 'PORT', 4000, 0, 65535),
    dataDir,
    database: db,
    secretsKey: key,
    apiToken,
    oidc: oidcConfig,
    logLevel: env.LOG_LEVEL || 'info',
    maxQueryDepth: int(env, 'MAX_QUERY_DEPTH', 10, 2, 100),
    // On by default: an admin API whose callers are authenticated (or local), and every GraphQL
    // tool needs it.
    introspection: bool(env, 'GRAPHQL_INTROSPECTION', true),
    maxRequestBytes: int(env, 'MAX_REQUEST_BYTES', 64 * 1024, 1024, 10 * 1024 * 1024),
    provisioningTimeoutMs: int(env, 'PROVISIONING_TIMEOUT_MS', 10_000, 100, 120_000),
    retryAttempts: int(env, 'PROVISIONING_RETRY_ATTEMPTS', 4, 1, 20),
    retryBaseDelayMs: int(env, 'PROVISIONING_RETRY_BASE_MS', 200, 1, 60_000),
    keycloak: keycloak(env),
    logRetention: logRetention(env),
    // 400 days: PCI DSS (10.5.1) and SOC 2 auditors ask for a year of audit history; the margin
    // covers an audit of the past year held some weeks after it ends. 0 keeps every entry.
    auditRetentionDays: int(env, 'AUDIT_RETENTION_DAYS', 400, 0, 36_500),
    syncOnConnectorChange: bool(env, 'SYNC_ON_CONNECTOR_CHANGE', true),
    connectorModules: (env.CONNECTOR_MODULES || '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  });
}
