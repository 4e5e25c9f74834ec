// A browser opening /graphql gets GraphiQL from this server alone (every request that leaves
// localhost is blocked), and exploring works as a newcomer would try it: no error on opening, the
// Docs explorer lists the root fields with their descriptions, typing offers completions, the
// walk-through's tabs run; with API_TOKEN set, the schema loads once the token is in Headers.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ok, startTestApi, type TestApi } from './support/api';
import * as doc from './support/documents';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TOKEN = 'graphiql-token-0123456789';
const WAIT = { timeout: 30_000 };

describe('GraphiQL', () => {
  let open: TestApi;
  let guarded: TestApi;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium not found at ${CHROMIUM}: install it with "apt-get install -y chromium" (or set CHROMIUM_PATH)`,
      );
    }
    open = await startTestApi('sqlite');
    guarded = await startTestApi('sqlite', { API_TOKEN: TOKEN, HOST: '127.0.0.1' });
    ok(
      await open.gql(doc.CREATE_IDP, {
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
    await open?.close();
    await guarded?.close();
  });

  /** A fresh page (no stored tabs or headers) on the API, with every non-local request blocked. */
  async function openGraphiql(api: TestApi) {
    const page = await (await browser.newContext()).newPage();
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
    await page.locator('.graphiql-execute-button').waitFor(WAIT);
    return { page, blocked, served };
  }

  const result = (page: Page) => page.getByLabel('Result Window');

  async function openDocs(page: Page) {
    await page.getByLabel('Documentation Explorer').click();
    return page.locator('.graphiql-doc-explorer');
  }

  it('opens on the walk-through from local assets only, with no error, and runs its first tab', async () => {
    const { page, blocked, served } = await openGraphiql(open);
    // The introspection query passes; nothing is run or refused on opening.
    const docs = await openDocs(page);
    await docs.getByText('Query', { exact: true }).waitFor(WAIT);
    expect(await result(page).innerText()).not.toMatch(/error|exceeds/i);
    const tabs = page.locator('.graphiql-tab');
    expect(await tabs.count()).toBeGreaterThanOrEqual(9);
    expect(await tabs.first().innerText()).toContain('RegisterIdentityProvider');
    await page.locator('.graphiql-execute-button').click();
    await result(page).filter({ hasText: 'carbon.super' }).waitFor(WAIT);
    expect(await result(page).innerText()).toContain('"name": "salesforce"');
    expect(blocked).toEqual([]);
    expect(served).toEqual(
      expect.arrayContaining([
        '/graphql',
        '/graphql/assets/graphiql.js',
        '/graphql/assets/react.js',
      ]),
    );
    // Its first tab made an identity provider; the API agrees.
    const listed = ok(await open.gql('{ identityProviders { name } }')).identityProviders;
    expect(listed).toEqual(expect.arrayContaining([{ name: 'salesforce' }]));
  });

  it('lists the root fields with their descriptions in the Docs explorer, and opens a type', async () => {
    const { page } = await openGraphiql(open);
    const docs = await openDocs(page);
    await docs.getByText('Query', { exact: true }).click();
    await docs.getByText('identityProviders', { exact: true }).waitFor(WAIT);
    const queryFields = await docs.innerText();
    expect(queryFields).toContain('auditLog');
    expect(queryFields).toMatch(/Every connector type with the fields it takes/);
    await page.locator('.graphiql-doc-explorer-back').click();
    await docs.getByText('Mutation', { exact: true }).click();
    await docs.getByText('configureScimConnector', { exact: true }).waitFor(WAIT);
    expect(await docs.innerText()).toMatch(/configureScimConnector[\s\S]*\S/);
    await docs.getByText('configureScimConnector', { exact: true }).click();
    await docs.getByText('ScimConnectorInput', { exact: true }).first().click();
    await docs.getByText('userEndpoint', { exact: true }).waitFor(WAIT);
    expect(await docs.innerText()).toContain('bearerToken');
  });

  it('offers identityProviders when typing { iden', async () => {
    const { page } = await openGraphiql(open);
    await page.getByLabel('New tab').click();
    const editor = page.locator('.graphiql-query-editor .CodeMirror').last();
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.type('{ iden');
    const hints = page.locator('.CodeMirror-hints');
    await hints.waitFor(WAIT);
    expect(await hints.innerText()).toContain('identityProviders');
  });

  it('with API_TOKEN: says where the token goes, and loads the schema once it is there', async () => {
    const { page } = await openGraphiql(guarded);
    expect(await page.locator('#auth-note').innerText()).toMatch(/Authorization/);
    const docs = await openDocs(page);
    // Headers hold "Bearer <token>" until the user puts theirs in: the schema does not load.
    await docs.locator('.graphiql-doc-explorer-error').waitFor(WAIT);
    expect(await docs.innerText()).not.toContain('Mutation');
    const headers = page.locator('.graphiql-editor-tool .CodeMirror').last();
    await headers.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.type(`{"Authorization": "Bearer ${TOKEN}"}`);
    await page.getByLabel('Re-fetch GraphQL schema').click();
    await docs.getByText('Mutation', { exact: true }).waitFor(WAIT);
    // The token stays in the page, never in the browser's storage.
    const stored = await page.evaluate('JSON.stringify({ ...localStorage })');
    expect(String(stored)).not.toContain(TOKEN);
  });
});
