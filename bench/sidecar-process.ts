// The pieces the sidecar and sync benchmarks share: a Kafka broker (the one running, or one
// started with scripts/kafka.sh), the sidecar as a child process with its RSS sampled, and where
// the machine's CPU time goes.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { cpuSeconds, rssMb, sleep } from './bench-support';

const KAFKA_SH = path.resolve(__dirname, '../../scripts/kafka.sh');
/** The heap caps the README and docker-compose run the sidecar with. */
const SIDECAR_NODE_ARGS = '--max-old-space-size=112 --max-semi-space-size=6';

// ---------------------------------------------------------------- broker

/** The broker to use, and whether this run started it (then it stops it at the end). */
export function ensureBroker(): { brokers: string[]; stop(): void } {
  const given = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
  if (given.length) return { brokers: given, stop: () => undefined };
  const env = { ...process.env, KAFKA_PORT: process.env.KAFKA_PORT ?? '19092' };
  const brokers = [`127.0.0.1:${env.KAFKA_PORT}`];
  if (spawnSync('bash', [KAFKA_SH, 'status'], { env, stdio: 'ignore' }).status === 0)
    return { brokers, stop: () => undefined };
  console.log('No Kafka broker answers: starting one with scripts/kafka.sh (stopped at the end).');
  if (spawnSync('bash', [KAFKA_SH, 'start'], { env, stdio: 'inherit' }).status !== 0)
    throw new Error('scripts/kafka.sh start failed: no broker for the sidecar benchmark');
  let stopped = false;
  return {
    brokers,
    stop: () => {
      if (stopped) return;
      stopped = true;
      spawnSync('bash', [KAFKA_SH, 'stop'], { env, stdio: 'inherit' });
    },
  };
}

// ---------------------------------------------------------------- sidecar child

export interface SidecarChild {
  child: ChildProcess;
  /** Health and metrics: http://127.0.0.1:<SIDECAR_PORT>. */
  url: string;
  spawnedAt: number;
  /** Wall time at which /readyz first answered 200 (consumer joined, producer connected). */
  ready: Promise<number>;
  /** Output lines (LOG_LEVEL=warn: warnings and errors only). */
  lines: string[];
  rss: { max: number; last: number; samples: number };
  stop(): Promise<void>;
}

export function spawnSidecar(env: Record<string, string>, port: number): SidecarChild {
  const spawnedAt = Date.now();
  // e.g. BENCH_SIDECAR_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the sidecar.
  // The heap cap the README and docker-compose run the sidecar with.
  const nodeArgs = (process.env.BENCH_SIDECAR_NODE_ARGS ?? SIDECAR_NODE_ARGS)
    .split(/\s+/)
    .filter(Boolean);
  const main = path.resolve(__dirname, '../sidecar/main.js');
  const child = spawn(process.execPath, [...nodeArgs, main], {
    env: {
      ...process.env,
      ...env,
      SIDECAR_PORT: String(port),
      SIDECAR_HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(line);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stopping = false;
  // A sidecar that dies mid-benchmark (out of memory, say) ends the run instead of leaving it
  // waiting for a sync nobody runs.
  child.once('exit', (code, signal) => {
    if (stopping) return;
    console.error(`the sidecar exited (${code ?? signal}):\n${lines.slice(-20).join('\n')}`);
    process.exit(1);
  });
  const rss = { max: 0, last: 0, samples: 0 };
  const sampler = setInterval(() => {
    try {
      rss.last = rssMb(child.pid!);
      rss.max = Math.max(rss.max, rss.last);
      rss.samples++;
    } catch {
      /* exited */
    }
  }, 250);
  const ready = (async () => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`the sidecar exited (${child.exitCode}):\n${lines.join('\n')}`);
      try {
        if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return Date.now();
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline) throw new Error('the sidecar did not become ready in 60 s');
      await sleep(25);
    }
  })();
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    spawnedAt,
    ready,
    lines,
    rss,
    async stop() {
      stopping = true;
      clearInterval(sampler);
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const killed = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(killed);
      }
    },
  };
}

/** The sidecar's V8 heap (total, used) and external memory in MB, from its Prometheus metrics. */
export async function heapMb(sidecar: SidecarChild): Promise<string> {
  const text = await (await fetch(`${sidecar.url}/metrics`)).text();
  const mb = (name: string) =>
    (Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN) / 2 ** 20).toFixed(0);
  return `heap ${mb('nodejs_heap_size_used_bytes')} used of ${mb('nodejs_heap_size_total_bytes')} MB, external ${mb('nodejs_external_memory_bytes')} MB`;
}

// ---------------------------------------------------------------- where the CPU goes

/** Busy and total CPU seconds of the whole machine (all cores), from /proc/stat. */
function machineCpu(): { busy: number; total: number } {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const n = ticks.slice(0, 8).map(Number); // user nice system idle iowait irq softirq steal
  const total = n.reduce((x, y) => x + y, 0);
  return { busy: (total - n[3] - n[4]) / 100, total: total / 100 };
}

function pidOf(comm: string): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === comm) return Number(entry);
    } catch {
      /* gone */
    }
  }
  return null;
}

/** The processes whose CPU time is accounted: name → pid (this process is "bench + Keycloak"). */
export function accountedProcesses(sidecarPid: number, scimPid: number): Record<string, number> {
  const pidFile = path.resolve(__dirname, '../../.cache/kafka/kafka.pid');
  const broker = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : null;
  const mariadb = pidOf('mariadbd') ?? pidOf('mysqld');
  return {
    sidecar: sidecarPid,
    'SCIM server': scimPid,
    'bench + Keycloak fake': process.pid,
    ...(broker ? { 'Kafka broker': broker } : {}),
    ...(mariadb ? { MariaDB: mariadb } : {}),
  };
}

export function cpuSnapshot(pids: Record<string, number>): Record<string, number> {
  const snapshot: Record<string, number> = { machine: machineCpu().busy };
  for (const [name, pid] of Object.entries(pids)) {
    try {
      snapshot[name] = cpuSeconds(pid);
    } catch {
      snapshot[name] = NaN;
    }
  }
  return snapshot;
}

/** "sidecar 20.1 s (52%), …" of the machine's busy CPU time between two snapshots. */
export function cpuSplit(before: Record<string, number>, after: Record<string, number>): string {
  const busy = after.machine - before.machine;
  let named = 0;
  const parts = Object.keys(before)
    .filter((k) => k !== 'machine')
    .map((k) => {
      const used = after[k] - before[k];
      named += used;
      return `${k} ${used.toFixed(1)} s (${((100 * used) / busy).toFixed(0)}%)`;
    });
  const other = Math.max(0, busy - named); // the two clocks are read a moment apart
  return `${parts.join(', ')}, other ${other.toFixed(1)} s (${((100 * other) / busy).toFixed(0)}%) of ${busy.toFixed(1)} CPU-s busy`;
}
