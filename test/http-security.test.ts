// Who reaches what over HTTP: no operation runs without a valid token whatever the request looks
// like, a loopback-only API answers only to loopback hosts and origins, fragment chains cannot
// stall validation, and /readyz tells nothing about the database.
import http from 'node:http';
import { startTestApi, type TestApi } from './support/api';

const TOKEN = 'static-token-0123456789';
const QUERY = '{identityProviders{name tenantDomain}}';
const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
const MIXED = { accept: 'application/json, text/html' };
const PREFLIGHT = { 'apollo-require-preflight': 'true' };

/** One raw HTTP request, so the Host and path are sent exactly as written. */
function raw(
  url: string,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; type: string; body: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: options.method ?? 'GET',
        path: options.path ?? target.pathname,
        headers: options.headers,
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += String(chunk)));
        res.on('end', () =>
          resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('with API_TOKEN, nothing executes without the token', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi('sqlite', { API_TOKEN: TOKEN });
    const created = await api.gql(
      'mutation { createIdentityProvider(input: { name: "secret-idp", tenantDomain: "acme" }) { id } }',
      {},
      { authorization: `Bearer ${TOKEN}` },
    );
    expect(created.data?.createIdentityProvider.id).toBeDefined();
  });
  afterAll(async () => api?.close());

  const q = encodeURIComponent(QUERY);
  const persisted = encodeURIComponent(
    JSON.stringify({ persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } }),
  );
  const gets: [string, string, Record<string, string>][] = [
    ['the review finding: %71uery', `?%71uery=${q}`, { ...MIXED, ...PREFLIGHT }],
    ['%71uery with a browser Accept', `?%71uery=${q}`, { ...BROWSER, ...PREFLIGHT }],
    ['%51UERY in capitals', `?%51UERY=${q}`, { ...MIXED, ...PREFLIGHT }],
    ['an encoded "=" too', `?query%3D${q}`, { ...MIXED, ...PREFLIGHT }],
    ['query after another parameter', `?x=1&query=${q}`, { ...MIXED, ...PREFLIGHT }],
    ['plain query, JSON preferred', `?query=${q}`, { accept: 'application/json', ...PREFLIGHT }],
    ['plain query, HTML preferred', `?query=${q}`, { ...BROWSER, ...PREFLIGHT }],
    ['plain query, no Accept', `?query=${q}`, PREFLIGHT],
    [
      'a persisted-query extension',
      `?extensions=${persisted}&query=${q}`,
      { ...MIXED, ...PREFLIGHT },
    ],
    ['a persisted query alone', `?extensions=${persisted}`, { ...BROWSER, ...PREFLIGHT }],
  ];

  it.each(gets)('GET with %s answers no data', async (_name, search, headers) => {
    const response = await raw(api.app.url, { path: `/graphql${search}`, headers });
    expect(response.body).not.toContain('secret-idp');
    expect(response.body).not.toContain('"data"');
    if (response.type.startsWith('text/html')) {
      expect(response.body).toContain('GraphiQL'); // only the page itself, which runs nothing
    } else {
      expect(response.status).toBe(401);
      expect(JSON.parse(response.body).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
  });

  const posts: [string, Record<string, string>, string][] = [
    ['a JSON body', { 'content-type': 'application/json' }, JSON.stringify({ query: QUERY })],
    [
      'a batched body',
      { 'content-type': 'application/json' },
      JSON.stringify([{ query: QUERY }, { query: QUERY }]),
    ],
    [
      'a browser Accept',
      { 'content-type': 'application/json', ...BROWSER },
      JSON.stringify({ query: QUERY }),
    ],
    [
      'a query string as well',
      { 'content-type': 'application/json', ...BROWSER },
      JSON.stringify({ query: QUERY, extensions: {} }),
    ],
  ];

  it.each(posts)('POST with %s answers 401', async (_name, headers, body) => {
    for (const path of ['/graphql', `/graphql?%71uery=${q}`]) {
      const response = await raw(api.app.url, { method: 'POST', path, headers, body });
      expect(response.status).toBe(401);
      expect(response.body).not.toContain('secret-idp');
    }
  });

  it('still serves the GraphiQL page to a browser, and data with the token', async () => {
    const page = await raw(api.app.url, { headers: BROWSER });
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/^text\/html/);
    expect(page.body).toContain('GraphiQL');
    const data = await raw(api.app.url, {
      path: `/graphql?%71uery=${q}`,
      headers: { ...MIXED, ...PREFLIGHT, authorization: `Bearer ${TOKEN}` },
    });
    expect(JSON.parse(data.body).data.identityProviders).toEqual([
      { name: 'secret-idp', tenantDomain: 'acme' },
    ]);
  });
});

describe('loopback mode (no authentication)', () => {
  let api: TestApi;
  let port: string;
  beforeAll(async () => {
    api = await startTestApi('sqlite');
    port = new URL(api.app.url).port;
  });
  afterAll(async () => api?.close());

  const post = (headers: Record<string, string>) =>
    raw(api.app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query: QUERY }),
    });

  it('answers loopback hosts from their own origin', async () => {
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `LocalHost:${port}`,
      '127.1.2.3',
    ]) {
      const response = await post({ host });
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body).data).toEqual({ identityProviders: [] });
    }
    const same = await post({ host: `localhost:${port}`, origin: `http://localhost:${port}` });
    expect(same.status).toBe(200);
  });

  it.each([
    ['a rebound name', { host: 'attacker.example:PORT' }],
    ['a loopback-looking name', { host: '127.0.0.1.attacker.example:PORT' }],
    ['localhost as a subdomain', { host: 'localhost.attacker.example:PORT' }],
    ['a public address', { host: '203.0.113.7:PORT' }],
    ['an IPv6 address that is not ::1', { host: '[::2]:PORT' }],
    ['a foreign Origin', { host: '127.0.0.1:PORT', origin: 'http://attacker.example' }],
    ['a rebound Origin', { host: '127.0.0.1:PORT', origin: 'http://attacker.example:PORT' }],
    ['another loopback port', { host: '127.0.0.1:PORT', origin: 'http://127.0.0.1:1' }],
    ['an opaque Origin', { host: '127.0.0.1:PORT', origin: 'null' }],
  ])('refuses %s with 403 and runs nothing', async (_name, template) => {
    // The table is built before the server listens: PORT stands for its port.
    const headers = Object.fromEntries(
      Object.entries(template).map(([k, v]) => [k, v.replace('PORT', port)]),
    );
    const response = await post(headers);
    expect(response.status).toBe(403);
    expect(JSON.parse(response.body).errors[0].extensions.code).toBe('FORBIDDEN');
    expect(response.body).not.toContain('identityProviders');
    const page = await raw(api.app.url, { headers: { ...BROWSER, ...headers } });
    expect(page.status).toBe(403);
  });
});

describe('request limits that hold without credentials', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi('sqlite', { API_TOKEN: TOKEN });
  });
  afterAll(async () => api?.close());

  it('measures each fragment once: a 25-level chain, each spreading the next three times, is refused at once', async () => {
    const levels = 25;
    const fragments = Array.from({ length: levels }, (_, i) =>
      i === levels - 1
        ? `fragment F${i} on IdentityProvider { id }`
        : `fragment F${i} on IdentityProvider { connectors { identityProvider { ...F${i + 1} ...F${i + 1} ...F${i + 1} } } }`,
    );
    const query = `{ identityProviders { ...F0 } }\n${fragments.join('\n')}`;
    const response = await api.gql(query, {}, { authorization: `Bearer ${TOKEN}` });
    expect(response.status).toBe(400);
    expect(response.errors![0].extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(response.errors![0].message).toMatch(/query depth 50 exceeds the maximum of 10/);
    const health = await raw(api.app.url, { path: '/healthz' });
    expect(health.status).toBe(200);
  });

  it('answers /readyz with up or down only', async () => {
    const up = await raw(api.app.url, { path: '/readyz' });
    expect(JSON.parse(up.body)).toEqual({ status: 'ready', database: 'up' });
    await api.app.dataSource.destroy();
    try {
      const down = await raw(api.app.url, { path: '/readyz' });
      expect(down.status).toBe(503);
      expect(JSON.parse(down.body)).toEqual({ status: 'not ready', database: 'down' });
      expect(api.logs.join('')).toMatch(/readiness: database unreachable/);
    } finally {
      await api.app.dataSource.initialize();
    }
  });
});
