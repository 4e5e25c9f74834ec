// What every local fake target shares: an HTTP server on an ephemeral loopback port, its URL, and
// a stop that does not wait for keep-alive connections.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export abstract class LocalHttpServer {
  private server: http.Server | null = null;
  /** The base URL, once started (origin plus `basePath`). */
  url = '';

  /** Appended to the origin in `url`, e.g. `/scim/v2`. */
  protected basePath(): string {
    return '';
  }

  protected abstract handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>;

  async start(): Promise<this> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${this.basePath()}`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
