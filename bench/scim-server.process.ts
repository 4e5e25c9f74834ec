// The local SCIM 2.0 server in its own process, so the benchmark's client side and the target do
// not share a CPU budget unevenly. Prints its URL on stdout and serves until killed.
//
// With `--stats` (the sidecar benchmark) it also notes, per userName, when a create arrived (its
// body read, before it is handled) and counts the users created per userName prefix (the part
// before the first "-"), and prints a second line: the URL of a small stats server on another port.
//   GET  /created?prefix=a   → { posts, created, firstAt, lastAt } (epoch ms of first/last receipt)
//   GET  /received?prefix=b  → { "<userName>": <epoch ms of its first create>, ... }
//   GET  /requests           → { reads, writes } (GETs, and every other method) since the reset
//   POST /reset              → forgets every user and all of the above
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeScimServer } from '../test/fakes/scim-server';
import { BENCH_SCIM_PASSWORD } from './bench-support';

interface PrefixStats {
  posts: number;
  created: number;
  firstAt: number;
  lastAt: number;
}

const prefixOf = (userName: string) => userName.split('-', 1)[0];

async function startStats(server: FakeScimServer): Promise<string> {
  const received = new Map<string, number>();
  const stats = new Map<string, PrefixStats>();
  const counts = { reads: 0, writes: 0 };
  const of = (prefix: string) => {
    let s = stats.get(prefix);
    if (!s) stats.set(prefix, (s = { posts: 0, created: 0, firstAt: 0, lastAt: 0 }));
    return s;
  };
  server.requests.push = (request) => {
    if (request.method === 'GET') counts.reads++;
    else counts.writes++;
    const userName: unknown = request.body?.userName;
    if (request.method !== 'POST' || !request.path.endsWith('/Users')) return 0;
    if (typeof userName !== 'string') return 0;
    const now = Date.now();
    const s = of(prefixOf(userName));
    s.posts++;
    if (!received.has(userName)) {
      received.set(userName, now);
      s.firstAt ||= now;
      s.lastAt = now;
    }
    return 0;
  };
  const set = server.users.set.bind(server.users);
  server.users.set = (id, user) => {
    if (!server.users.has(id) && typeof user.userName === 'string')
      of(prefixOf(user.userName)).created++;
    return set(id, user);
  };
  const statsServer = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const prefix = url.searchParams.get('prefix') ?? '';
    let body: unknown = { error: 'not found' };
    if (url.pathname === '/created') body = of(prefix);
    else if (url.pathname === '/received')
      body = Object.fromEntries([...received].filter(([name]) => prefixOf(name) === prefix));
    else if (url.pathname === '/requests') body = counts;
    else if (url.pathname === '/reset' && req.method === 'POST') {
      server.reset();
      Object.assign(counts, { reads: 0, writes: 0 });
      received.clear();
      stats.clear();
      body = { ok: true };
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => statsServer.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(statsServer.address() as AddressInfo).port}`;
}

void new FakeScimServer('2.0', { basic: ['bench', BENCH_SCIM_PASSWORD] })
  .start()
  .then(async (server) => {
    // Keep memory flat over many runs: the benchmark never reads the request log.
    server.requests.push = () => 0;
    // A target farther away than loopback (e.g. BENCH_SCIM_LATENCY_MS=20), for what waits cost.
    server.latencyMs = Number(process.env.BENCH_SCIM_LATENCY_MS ?? 0);
    // With --bulk it takes SCIM Bulk (RFC 7644 §3.7) as ServiceProviderConfig then says.
    if (process.argv.includes('--bulk'))
      server.bulk = { maxOperations: 100, maxPayloadSize: 1 << 20 };
    const statsUrl = process.argv.includes('--stats') ? await startStats(server) : null;
    process.stdout.write(`${server.url}\n${statsUrl ? `${statsUrl}\n` : ''}`);
  });
