// `node dist/sidecar/main.js sync <identity provider id> [--connector <id>] [--dry-run]`: runs a
// sync to its end in a sidecar of its own (which joins the running ones, if any, and shares the
// work with them) and shows its progress: a bar with counts and rate on a terminal, one JSON line
// per update otherwise. Exit status: 0 all converged, 2 some objects failed, 3 stopped by the
// deletion safeguard (confirmSyncDeletions or cancelSync), 1 the sync failed or was cancelled.
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from '../../src/common/errors';
import { configureLogger } from '../../src/common/logger';
import { SyncStatus, type SyncJob } from '../../src/sync/sync-job.entity';
import { startSidecar } from '../app';
import { loadSidecarConfig } from '../config';

const USAGE = 'usage: sync <identity provider id> [--connector <connector id>] [--dry-run]';
const POLL_MS = 500;
const BAR_WIDTH = 30;

export const EXIT = { ok: 0, failed: 1, someFailed: 2, needsConfirmation: 3 } as const;

function exitCode(job: SyncJob): number {
  if (job.status === SyncStatus.NEEDS_CONFIRMATION) return EXIT.needsConfirmation;
  if (job.status !== SyncStatus.SUCCEEDED) return EXIT.failed;
  return job.failed ? EXIT.someFailed : EXIT.ok;
}

const FINAL = [
  SyncStatus.SUCCEEDED,
  SyncStatus.FAILED,
  SyncStatus.CANCELLED,
  SyncStatus.NEEDS_CONFIRMATION,
];

function summary(job: SyncJob) {
  const { id, status, dryRun, total, processed, created, updated, unchanged, deleted } = job;
  const { skipped, failed, pendingDeletions, reason } = job;
  return {
    id,
    status,
    dryRun,
    total,
    processed,
    created,
    updated,
    unchanged,
    deleted,
    skipped,
    failed,
    pendingDeletions,
    reason,
  };
}

/** `[#####.....] 120/300 objects, 40/s · created 3 updated 1 unchanged 116 …` */
export function progressLine(job: SyncJob, perSecond: number): string {
  const share = job.total ? Math.min(1, job.processed / job.total) : 0;
  const filled = Math.round(share * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
  const counts = (['created', 'updated', 'unchanged', 'deleted', 'skipped', 'failed'] as const)
    .map((k) => `${k} ${job[k]}`)
    .join(' ');
  return `${bar} ${job.processed}/${job.total} objects, ${Math.round(perSecond)}/s · ${counts} · ${job.status}`;
}

export async function runSyncCommand(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { connector: { type: 'string' }, 'dry-run': { type: 'boolean', default: false } },
  });
  if (positionals.length !== 1) throw new ConfigError(USAGE);
  const config = loadSidecarConfig();
  // Progress goes to stdout; the sidecar's own log to stderr, warnings and up.
  configureLogger(process.env.LOG_LEVEL === 'debug' ? 'debug' : 'warn', process.stderr);
  const sidecar = await startSidecar(config);
  const tty = process.stdout.isTTY;
  try {
    let job = await sidecar.core.services.syncs.start({
      identityProviderId: positionals[0],
      connectorId: values.connector ?? null,
      dryRun: values['dry-run'],
      trigger: 'cli',
    });
    const started = Date.now();
    let last = '';
    for (;;) {
      job = await sidecar.core.services.syncs.get(job.id);
      const done = FINAL.includes(job.status);
      const seconds = Math.max(0.001, (Date.now() - started) / 1000);
      if (tty) process.stdout.write(`\r${progressLine(job, job.processed / seconds)}`);
      else {
        const line = JSON.stringify(summary(job));
        if (line !== last) process.stdout.write(`${line}\n`);
        last = line;
      }
      if (done) break;
      await sleep(POLL_MS);
    }
    if (tty) process.stdout.write(`\n${job.reason ? `${job.reason}\n` : ''}`);
    return exitCode(job);
  } finally {
    await sidecar.stop();
  }
}
