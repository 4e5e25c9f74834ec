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

  /** The Content-Type of this server's JSON bodies, as the real service sends it. */
  protected jsonContentType(): string {
    return 'application/json';
  }

  /** A JSON answer; a null body is sent as no body (and no Content-Type). */
  protected send(
    res: http.ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    res.writeHead(status, {
      ...(body === null ? {} : { 'content-type': this.jsonContentType() }),
      ...headers,
    });
    res.end(body === null ? undefined : JSON.stringify(body));
  }

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
