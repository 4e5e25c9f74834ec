// Helpers for sync tests: start a sync of the test identity provider, wait for it to settle,
// read what the target holds.
import { SyncStatus, type SyncJob } from '../../src/sync/sync-job.entity';
import type { FakeScimServer } from '../fakes/scim-server';
import { REALM, type SidecarEnv } from './sidecar-env';

export async function until<T>(
  what: string,
  probe: () => T | Promise<T>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** How far a job's walk has come among the users (their offset); -1 outside that phase. */
export async function walkPosition(env: Pick<SidecarEnv, 'core'>, jobId: string): Promise<number> {
  const [row] = await env.core.dataSource.query(
    'SELECT phase, walkState FROM sync_job WHERE id = ?',
    [jobId],
  );
  return row.phase === 'USERS' ? (JSON.parse(row.walkState ?? '{}').first ?? 0) : -1;
}

export async function identityProviderId(env: SidecarEnv): Promise<string> {
  const [idp] = await env.core.services.identityProviders.list(REALM);
  return idp.id;
}

const SETTLED = [
  SyncStatus.SUCCEEDED,
  SyncStatus.FAILED,
  SyncStatus.CANCELLED,
  SyncStatus.NEEDS_CONFIRMATION,
];

/** Waits until the job stops moving: finished, or waiting for confirmation. */
export async function settled(
  env: Pick<SidecarEnv, 'core'>,
  jobId: string,
  timeoutMs = 60_000,
): Promise<SyncJob> {
  const job = await until(
    `sync ${jobId} to settle`,
    async () => {
      const job = await env.core.services.syncs.get(jobId);
      return SETTLED.includes(job.status) ? job : null;
    },
    timeoutMs,
  );
  return job!;
}

/** Starts a sync as the API does and waits for it to settle. */
export async function sync(
  env: SidecarEnv,
  options: { dryRun?: boolean; connectorId?: string } = {},
): Promise<SyncJob> {
  const job = await env.core.services.syncs.start({
    identityProviderId: await identityProviderId(env),
    trigger: 'api',
    ...options,
  });
  return settled(env, job.id);
}

/** Requests that change something at the target. */
export function writes(scim: FakeScimServer): number {
  return scim.requests.filter((r) => r.method !== 'GET').length;
}

/** The display names of the groups a target user is a member of. */
export function groupsOf(scim: FakeScimServer, userName: string): string[] {
  const user = scim.byUserName(userName);
  if (!user) return [];
  return [...scim.groups.values()]
    .filter((g) => ((g.members ?? []) as { value: string }[]).some((m) => m.value === user.id))
    .map((g) => g.displayName as string)
    .sort();
}
