// Takes the README's screenshot of GraphiQL (docs/graphiql.png): the API on a throwaway SQLite
// database, the walk-through's first tab run, the Docs explorer open on a connector's input.
// npm run build && node dist/scripts/graphiql-screenshot.js
import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startApp } from '../src/app';
import { configureLogger } from '../src/common/logger';
import { loadConfig } from '../src/config';

async function main() {
  configureLogger('warn');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'graphiql-shot-'));
  const app = await startApp(loadConfig({ DATA_DIR: dataDir, PORT: '0' }));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    await page.goto(app.url);
    await page.locator('.graphiql-execute-button').click();
    await page.getByLabel('Result Window').filter({ hasText: 'carbon.super' }).waitFor();
    await page.getByLabel('Documentation Explorer').click();
    const docs = page.locator('.graphiql-doc-explorer');
    await docs.getByText('Mutation', { exact: true }).click();
    await docs.getByText('configureScimConnector', { exact: true }).click();
    await docs.getByText('ScimConnectorInput', { exact: true }).first().click();
    await docs.getByText('userEndpoint', { exact: true }).waitFor();
    const target = path.resolve(__dirname, '../../docs/graphiql.png');
    await page.screenshot({ path: target });
    console.log(`wrote ${target}`);
  } finally {
    await browser.close();
    await app.close();
  }
}

void main();
