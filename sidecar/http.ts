// The sidecar's own small HTTP surface: liveness, readiness (Kafka joined, database reachable) and
// Prometheus metrics. Bound to loopback, it answers only requests that name a loopback host.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DataSource } from 'typeorm';
import { isLoopback } from '../src/config';
import { loopbackRefusal } from '../src/http/loopback-guard';
import type { Metrics } from './metrics';

export async function startSidecarHttp(
  host: string,
  port: number,
  deps: {
    dataSource: DataSource;
    kafkaReady: () => boolean;
    deadLettersReady: () => boolean;
    alive: () => boolean;
    metrics: Metrics;
  },
): Promise<{ url: string; close(): Promise<void> }> {
  const json = (res: http.ServerResponse, status: number, body: object) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  // Bound to loopback, it answers only loopback hosts, as the API does (no DNS rebinding).
  const loopbackOnly = isLoopback(host);
  const server = http.createServer((req, res) => {
    const refusal = loopbackOnly ? loopbackRefusal(req) : null;
    if (refusal) return json(res, 403, { error: refusal });
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method !== 'GET') return json(res, 405, { error: 'GET only' });
    if (path === '/healthz')
      return deps.alive()
        ? json(res, 200, { status: 'ok' })
        : json(res, 503, { status: 'consumer crashed: restart the process' });
    if (path === '/readyz') {
      const kafka = deps.kafkaReady() ? 'up' : 'down';
      const deadLetters = deps.deadLettersReady() ? 'up' : 'down';
      void deps.dataSource
        .query('SELECT 1')
        .then(
          () => 'up',
          () => 'down',
        )
        .then((database) => {
          const ready = kafka === 'up' && database === 'up';
          json(res, ready ? 200 : 503, {
            status: ready ? 'ready' : 'not ready',
            kafka,
            deadLetters,
            database,
          });
        });
      return;
    }
    if (path === '/metrics') {
      deps.metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': deps.metrics.registry.contentType });
          res.end(text);
        },
        (error: unknown) => json(res, 500, { error: (error as Error).message }),
      );
      return;
    }
    json(res, 404, { error: 'not found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
