// A browser opening /graphql gets GraphiQL from this server alone: every request that leaves
// localhost is blocked, and a query still runs and shows its result.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { ok, startTestApi, type TestApi } from './support/api';
import * as doc from './support/documents';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('GraphiQL offline', () => {
  let api: TestApi;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium not found at ${CHROMIUM}: install it with "apt-get install -y chromium" (or set CHROMIUM_PATH)`,
      );
    }
    api = await startTestApi('sqlite');
    ok(
      await api.gql(doc.CREATE_IDP, {
        input: { name: 'graphiql-idp', tenantDomain: 'carbon.super' },
      }),
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('loads from local assets only and runs a query', async () => {
    const page = await browser.newPage();
    const blocked: string[] = [];
    const served: string[] = [];
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === '127.0.0.1' || url.hostname === 'localhost') {
        served.push(url.pathname);
        return route.continue();
      }
      blocked.push(url.href);
      return route.abort();
    });
    await page.goto(api.app.url);
    const run = page.locator('.graphiql-execute-button');
    await run.waitFor({ timeout: 30_000 });
    await run.click();
    const result = page.locator('.result-window');
    await result.filter({ hasText: 'graphiql-idp' }).waitFor({ timeout: 30_000 });
    expect(await result.innerText()).toContain('"name": "graphiql-idp"');
    expect(blocked).toEqual([]);
    expect(served).toEqual(
      expect.arrayContaining([
        '/graphql',
        '/graphql/assets/graphiql.js',
        '/graphql/assets/react.js',
      ]),
    );
    await page.screenshot({ path: 'dist/graphiql.png' }).catch(() => undefined);
  });
});
