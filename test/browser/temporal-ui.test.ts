/**
 * What an operator sees: the Temporal Web UI of the test dev server, in headless Chromium (Debian's package at
 * /usr/bin/chromium, installed by tooling/ensure-chromium.sh) driven by playwright-core. One real vending request
 * runs to completion first; the UI lists it through a VendingStage query with the custom search attributes as
 * columns, and its detail page shows them. Screenshots go to test-artifacts/ (git-ignored).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { SEARCH_ATTRIBUTE_NAMES } from '../../contract/search-attributes';
import { startTestEnv, type TestEnv } from '../support/env';
import { waitFor } from '../support/http';
import { requestAccount, waitForStage } from '../support/vending';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-artifacts');

let env: TestEnv;
let context: BrowserContext | undefined;
let userDataDir: string | undefined;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run tooling/ensure-chromium.sh (as root) first`);
  env = await startTestEnv({ sandbox: { timeScale: 10 } });
});

afterAll(async () => {
  await context?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  await env?.stop();
});

/** A fresh profile per run (--user-data-dir): Playwright takes it as launchPersistentContext's first argument. */
async function openBrowser(): Promise<Page> {
  userDataDir = mkdtempSync(path.join(tmpdir(), 'vend-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1920, height: 1000 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(20_000);
  return page;
}

test('the Web UI lists the completed request by VendingStage with its search attributes, and its page shows them', async () => {
  const requester = `ui-${randomUUID().slice(0, 8)}`;
  const handle = await requestAccount(env, { email: `${requester}@example.com` }, { requester });
  const status = await waitForStage(handle, 'completed');
  const id = handle.workflowId;
  const query = `VendingStage="completed" AND Requester="${requester}"`;
  // Visibility is eventually consistent: wait until the query finds it, as the UI will ask the same.
  await waitFor('visibility', async () => {
    for await (const wf of env.client.workflow.list({ query })) if (wf.workflowId === id) return true;
    return undefined;
  });

  mkdirSync(ARTIFACTS, { recursive: true });
  const page = await openBrowser();
  const ui = process.env.VEND_TEST_TEMPORAL_UI as string;
  await page.goto(`${ui}/namespaces/default/workflows?query=${encodeURIComponent(query)}`);
  await page.getByRole('link', { name: id }).first().waitFor();
  // The query's filters show as chips with our search attributes.
  await expect(page.getByRole('button', { name: 'VendingStage = "completed"' }).count()).resolves.toBe(1);

  // Our search attributes as columns (the UI keeps the choice in the browser's local storage).
  await page.getByTestId('workflows-summary-table-configuration-button').click();
  // Room for them on screen: Run ID, Type and End make way.
  for (const name of ['Run ID', 'Type', 'End']) await page.getByRole('button', { name: `Remove ${name} column` }).click();
  for (const name of SEARCH_ATTRIBUTE_NAMES) await page.getByRole('button', { name: `Add ${name} column` }).click();
  await page.getByTestId('drawer-close-button').click();
  const table = page.locator('table').first();
  for (const name of SEARCH_ATTRIBUTE_NAMES) await table.locator('th', { hasText: name }).first().waitFor();
  const row = table.locator('tr', { hasText: id });
  await expect(row.count()).resolves.toBe(1);
  const cells = await row.innerText();
  expect(cells).toContain('completed');
  expect(cells).toContain(status.accountId);
  expect(cells).toContain(requester);
  expect(cells).toContain('defaulted-on');
  await page.screenshot({ path: path.join(ARTIFACTS, 'temporal-ui-list.png') });

  // Open it: the detail page, then its Search Attributes tab.
  await page.getByRole('link', { name: id }).first().click();
  await page.waitForURL(new RegExp(`/namespaces/default/workflows/${id}/`));
  await page.getByText(id, { exact: true }).first().waitFor();
  await page.getByRole('tab', { name: 'Search Attributes' }).click();
  await page.waitForURL(/\/search-attributes$/);
  const attributes = page.locator('main');
  await attributes.getByText(`"VendingStage": "completed"`).waitFor();
  const text = await attributes.innerText();
  expect(text).toContain(`"AccountId": "${status.accountId}"`);
  expect(text).toContain(`"Requester": "${requester}"`);
  expect(text).toContain(`"BillingAccessVerdict": "defaulted-on"`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'temporal-ui-workflow.png'), fullPage: true });
});
