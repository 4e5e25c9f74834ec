// Starts the real API (HTTP, Apollo, TypeORM) on an ephemeral loopback port for a test file and
// sends GraphQL documents to it over HTTP.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { startApp, type App } from '../../src/app';
import { configureLogger } from '../../src/common/logger';
import { loadConfig } from '../../src/config';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from './database';

export const TEST_SECRETS_KEY = Buffer.alloc(32, 42).toString('base64');
export const EXAMPLE_CONNECTOR = path.resolve(__dirname, '../../examples/webhook-connector.ts');

export interface GraphqlResponse<T = Record<string, any>> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: { code?: string; [k: string]: unknown } }[];
}

export interface TestApi {
  app: App;
  db: TestDatabase;
  logs: string[];
  gql<T = Record<string, any>>(
    query: string,
    variables?: object,
    headers?: Record<string, string>,
  ): Promise<GraphqlResponse<T>>;
  post(body: string, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

export async function startTestApi(
  kind: DatabaseKind,
  env: Record<string, string> = {},
): Promise<TestApi> {
  const db = await createTestDatabase(kind);
  const logs: string[] = [];
  configureLogger(
    'debug',
    new Writable({ write: (chunk, _enc, done) => (logs.push(String(chunk)), done()) }),
  );
  const config = loadConfig({
    DATABASE_URL: db.url,
    SECRETS_KEY: TEST_SECRETS_KEY,
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'op-data-')),
    PORT: '0',
    CONNECTOR_MODULES: EXAMPLE_CONNECTOR,
    ...env,
  });
  const app = await startApp(config);
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
  return {
    app,
    db,
    logs,
    post,
    async gql(query, variables = {}, headers = {}) {
      const response = await post(JSON.stringify({ query, variables }), headers);
      const json = (await response.json()) as Omit<GraphqlResponse, 'status'>;
      return { status: response.status, ...json } as GraphqlResponse<any>;
    },
    async close() {
      await app.close();
      await db.drop();
    },
  };
}

/** The data of a response that must have succeeded; fails the test with the errors otherwise. */
export function ok<T>(response: GraphqlResponse<T>): T {
  if (response.errors?.length || !response.data)
    throw new Error(`GraphQL errors: ${JSON.stringify(response.errors)}`);
  return response.data;
}

export function errorCode(response: GraphqlResponse): string | undefined {
  return response.errors?.[0]?.extensions?.code;
}
