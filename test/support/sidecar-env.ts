// Everything a sidecar test needs, real where it can be: the Kafka broker (scripts/kafka.sh), a
// fresh MariaDB database, the local SCIM 2.0 server as the target, and a local Keycloak admin API
// holding the users the events talk about. The sidecar runs in this process or as a child process
// (for SIGKILL tests) with the same environment.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { Writable } from 'node:stream';
import path from 'node:path';
import { configureLogger } from '../../src/common/logger';
import { openCore, type Core } from '../../src/core';
import { startSidecar, type Sidecar } from '../../sidecar/app';
import { loadSidecarConfig } from '../../sidecar/config';
import { FakeKeycloak } from '../fakes/keycloak-admin';
import { adminEvent as keycloakAdminEvent } from '../fakes/keycloak-events';
import { FakeScimServer } from '../fakes/scim-server';
import { TEST_SECRETS_KEY } from './api';
import { createTestDatabase, type TestDatabase } from './database';
import { brokerList, createTopic, uniqueGroup, uniqueTopic } from './kafka';

export const REALM = 'acme';
const SCIM_TOKEN = 'sidecar-scim-token-Q7';
const KEYCLOAK_CLIENT = { id: 'provisioning-sidecar', secret: 'kc-client-secret-W2' };

export interface SidecarEnv {
  /** Log lines of in-process sidecars (debug and up). */
  logs: string[];
  /** Secret values configured in this environment: none may appear in logs or records. */
  secrets: string[];
  keycloak: FakeKeycloak;
  scim: FakeScimServer;
  db: TestDatabase;
  core: Core;
  adminTopic: string;
  userTopic: string;
  syncTopic: string;
  groupId: string;
  env: Record<string, string>;
  /** A sidecar in this process. */
  start(overrides?: Record<string, string>): Promise<Sidecar>;
  /** A sidecar as a child process (node dist/sidecar/main.js; npm test builds dist first). */
  spawn(overrides?: Record<string, string>, args?: string[]): SidecarProcess;
  close(): Promise<void>;
}

export interface SidecarProcess {
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

/** The built sidecar (dist/sidecar/main.js) as a process of its own, to be killed for real. */
export function spawnSidecarProcess(
  env: Record<string, string>,
  args: string[] = [],
): SidecarProcess {
  const child = spawn(
    process.execPath,
    [path.resolve(__dirname, '../../dist/sidecar/main.js'), ...args],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output, exited };
}

export async function startSidecarEnv(
  options: { partitions?: number; env?: Record<string, string> } = {},
): Promise<SidecarEnv> {
  const keycloak = await new FakeKeycloak(KEYCLOAK_CLIENT).start();
  keycloak.addRealm(REALM);
  const scim = await new FakeScimServer('2.0', { bearer: SCIM_TOKEN }).start();
  const db = await createTestDatabase('mariadb');
  const adminTopic = uniqueTopic('kc-admin');
  const userTopic = uniqueTopic('kc-user');
  const syncTopic = uniqueTopic('sync');
  await createTopic(adminTopic, options.partitions ?? 3);
  await createTopic(userTopic, options.partitions ?? 3);
  await createTopic(syncTopic, options.partitions ?? 3);
  for (const topic of [adminTopic, userTopic, syncTopic]) await createTopic(`${topic}.dlq`, 1);
  const env: Record<string, string> = {
    DATABASE_URL: db.url,
    SECRETS_KEY: TEST_SECRETS_KEY,
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'op-sidecar-')),
    KAFKA_BROKERS: brokerList().join(','),
    KAFKA_GROUP_ID: uniqueGroup('sidecar'),
    KAFKA_TOPICS: `${userTopic},${adminTopic}`,
    SYNC_TOPIC: syncTopic,
    // Syncs run only where a test asks for one.
    SYNC_INTERVAL: 'off',
    SYNC_ON_CONNECTOR_CHANGE: 'false',
    KEYCLOAK_URL: keycloak.url,
    KEYCLOAK_CLIENT_ID: KEYCLOAK_CLIENT.id,
    KEYCLOAK_CLIENT_SECRET: KEYCLOAK_CLIENT.secret,
    SIDECAR_PORT: '0',
    SIDECAR_CONCURRENCY: '16',
    PROVISIONING_TIMEOUT_MS: '2000',
    PROVISIONING_RETRY_ATTEMPTS: '2',
    PROVISIONING_RETRY_BASE_MS: '50',
    LOG_LEVEL: 'warn',
    ...options.env,
  };
  const logs: string[] = [];
  configureLogger(
    'debug',
    new Writable({ write: (chunk, _enc, done) => (logs.push(String(chunk)), done()) }),
  );
  const core = await openCore(loadSidecarConfig(env).core);
  const idp = await core.services.identityProviders.create({
    name: 'sidecar-test',
    tenantDomain: REALM,
    enabled: true,
  });
  await core.services.connectors.configure(
    idp.id,
    'scim-2',
    { enabled: true },
    {
      bearerToken: SCIM_TOKEN,
      userEndpoint: `${scim.url}/Users`,
      groupEndpoint: `${scim.url}/Groups`,
    },
  );
  const running: Sidecar[] = [];
  const children: ChildProcess[] = [];
  return {
    logs,
    secrets: [SCIM_TOKEN, KEYCLOAK_CLIENT.secret],
    keycloak,
    scim,
    db,
    core,
    adminTopic,
    userTopic,
    syncTopic,
    groupId: env.KAFKA_GROUP_ID,
    env,
    async start(overrides = {}) {
      const sidecar = await startSidecar(loadSidecarConfig({ ...env, ...overrides }));
      running.push(sidecar);
      return sidecar;
    },
    spawn(overrides = {}, args = []) {
      const spawned = spawnSidecarProcess({ ...env, ...overrides }, args);
      children.push(spawned.child);
      return spawned;
    },
    async close() {
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
      for (const sidecar of running) await sidecar.stop().catch(() => undefined);
      await core.close();
      await db.drop();
      await scim.stop();
      await keycloak.stop();
    },
  };
}

/** An admin event in the SPI (Kafka listener) shape, as Keycloak 26 sends it, for realm acme. */
export function adminEvent(
  resourceType: 'USER' | 'GROUP' | 'GROUP_MEMBERSHIP',
  operationType: 'CREATE' | 'UPDATE' | 'DELETE',
  resourcePath: string,
  representation: object | null,
  realmId: string,
  realmName = REALM,
): string {
  return keycloakAdminEvent(resourceType, operationType, resourcePath, representation, {
    id: realmId,
    name: realmName,
  });
}
