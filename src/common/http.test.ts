// The connectors' HTTP client against a real local server: the whole-call deadline and headers.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectorError } from './connector-error';
import { createHttpClient } from './http';

let server: http.Server;
let url: string;
let seen: http.IncomingHttpHeaders[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push(req.headers);
    if (req.url === '/trickle') {
      // Headers at once, then a byte every 50 ms, never ending: no single pause is long.
      res.writeHead(200, { 'content-type': 'application/json' });
      const timer = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(timer));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(() => (seen = []));
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('http client', () => {
  it('gives up on a body that keeps trickling in, once the call as a whole takes too long', async () => {
    const client = createHttpClient(300);
    const error = await client.send({ method: 'GET', url: `${url}/trickle` }).catch((e) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ code: 'TIMEOUT', retriable: true });
    expect((error as Error).message).toBe(`no answer from ${url}/trickle within 300 ms`);
    await client.close();
  });

  it("sends the caller's Content-Type instead of its own, whatever its case", async () => {
    const client = createHttpClient(2000);
    const response = await client.send({
      method: 'POST',
      url: `${url}/json`,
      headers: { 'Content-Type': 'application/scim+json' },
      body: { a: 1 },
    });
    expect(response.body).toEqual({ ok: true });
    expect(seen[0]['content-type']).toBe('application/scim+json');
    expect(seen[0].accept).toBe('application/json');
    await client.close();
  });
});
