// What GraphQL tools (GraphiQL, Apollo Sandbox, Postman, graphql-codegen, editor plugins) need
// from the server, over HTTP: the standard introspection query answers; the depth limit still
// holds for data; a crafted introspection chain is refused; introspection can be turned off; the
// SDL is served, behind the same authentication.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { getIntrospectionQuery } from 'graphql';
import { MAX_INTROSPECTION_DEPTH } from '../src/graphql/depth-limit';
import { SDL_PATH } from '../src/http/http-server';
import { ok, startTestApi, type TestApi } from './support/api';

const TOKEN = 'introspection-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
const EVERY_OPTION = {
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
  oneOf: true,
};

/** `{ identityProviders { connectors { identityProvider { … id } } } }` nested to `depth` fields. */
function nested(depth: number): string {
  const fields = ['identityProviders'];
  while (fields.length < depth - 1)
    fields.push(fields.length % 2 ? 'connectors' : 'identityProvider');
  return `{ ${fields.join(' { ')} { id ${'}'.repeat(fields.length)} }`;
}

const sdlUrl = (api: TestApi) => new URL(SDL_PATH, api.app.url).href;

describe('introspection and the served SDL', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi('sqlite', { API_TOKEN: TOKEN, HOST: '127.0.0.1' });
  });
  afterAll(() => api?.close());

  it('answers the introspection query GraphQL tools send, with every option on', async () => {
    const response = await api.gql(getIntrospectionQuery(EVERY_OPTION), {}, auth);
    const schema = ok(response).__schema as { types: { name: string }[] };
    expect(schema.types.map((t) => t.name)).toEqual(
      expect.arrayContaining(['Query', 'Mutation', 'IdentityProvider', 'AuditEntry']),
    );
  });

  it('still refuses a data query one level deeper than MAX_QUERY_DEPTH (10), and runs one at it', async () => {
    ok(await api.gql(nested(10), {}, auth));
    const deeper = await api.gql(nested(11), {}, auth);
    expect(deeper.errors?.[0].message).toBe('query depth 11 exceeds the maximum of 10');
  });

  it('refuses an introspection query nested far beyond its own bound', async () => {
    const chain = 40;
    const query = `{ __type(name: "Query") { ${'ofType { '.repeat(chain)}name${' }'.repeat(chain)} } }`;
    const response = await api.gql(query, {}, auth);
    expect(response.errors?.[0].message).toBe(
      `introspection depth ${chain + 2} exceeds the maximum of ${MAX_INTROSPECTION_DEPTH}`,
    );
  });

  it('serves the SDL committed in schema/schema.graphql, to authenticated callers only', async () => {
    const committed = readFileSync(path.resolve(__dirname, '../schema/schema.graphql'), 'utf8');
    const anonymous = await fetch(sdlUrl(api));
    expect(anonymous.status).toBe(401);
    // Spelled otherwise, it is still behind the token or not served at all.
    expect((await fetch(`${sdlUrl(api)}?token=${TOKEN}`)).status).toBe(401);
    expect((await fetch(sdlUrl(api).replace('schema.graphql', 'schema%2Egraphql'))).status).toBe(
      404,
    );
    expect((await fetch(sdlUrl(api), { method: 'POST' })).status).toBe(404);
    const served = await fetch(sdlUrl(api), { headers: auth });
    expect([served.status, served.headers.get('content-type')]).toEqual([
      200,
      'text/plain; charset=utf-8',
    ]);
    expect(await served.text()).toBe(committed);
  });
});

describe('GRAPHQL_INTROSPECTION=false', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi('sqlite', { GRAPHQL_INTROSPECTION: 'false' });
  });
  afterAll(() => api?.close());

  it('refuses introspection and the SDL, and still runs data queries', async () => {
    const response = await api.gql(getIntrospectionQuery(EVERY_OPTION));
    expect(response.errors?.[0].message).toMatch(/introspection .* is turned off/);
    expect((await fetch(sdlUrl(api))).status).toBe(404);
    expect(ok(await api.gql('{ identityProviders { id __typename } }')).identityProviders).toEqual(
      [],
    );
  });
});
