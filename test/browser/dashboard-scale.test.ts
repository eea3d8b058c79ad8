import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { openBulkWriter, seedTarget } from '../../bench/scale/bulk-writer.ts';
import { seed } from '../../bench/scale/seed.ts';
import { apiCaller, makeTemplate } from '../../bench/scale/template.ts';
import { loadOrCreateKey, SecretBox } from '../../src/store/secrets.ts';
import { backends, type ProvisionedDatabase } from '../support/backends.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { signIn as signInClient } from '../support/dashboard.ts';
import { type Harness, startHarnessOn } from '../support/harness.ts';
import { type Receiver, startReceiver } from '../support/receiver.ts';

/**
 * The dashboard's largest list at size: 10,000 accounts of one merchant, written straight into the
 * database by the scale benchmark's seeder. It checks behaviour only (the first page, the next);
 * the times it prints are for bench/README.md ("Dashboard at 10,000 accounts"), not asserted.
 */
const size = { customers: 100, accounts: 10_000, transactions: 10_000 };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** The page's document, as far as these checks read it (the tests' TypeScript has no DOM types). */
type InPage = { document: { querySelectorAll(selector: string): ArrayLike<{ textContent: string | null }> } };

/**
 * Opens the accounts list and waits for its 20 rows: milliseconds from the navigation's start to
 * the rows being in the page, and the duration of its `GET /dashboard/api/accounts` as the
 * browser timed it.
 */
async function openAccounts(page: Page, url: string): Promise<{ rendered: number; api: number }> {
  await page.goto(url);
  const rendered = await page.waitForFunction(
    () =>
      (globalThis as unknown as InPage).document.querySelectorAll('ul.rows li').length >= 20
        ? performance.now()
        : false,
    undefined,
    {
      polling: 'raf',
    },
  );
  const api = await page.evaluate(
    () =>
      performance
        .getEntriesByType('resource')
        .filter((entry) => new URL(entry.name).pathname === '/dashboard/api/accounts')
        .map((entry) => entry.duration)[0] ?? -1,
  );
  return { rendered: (await rendered.jsonValue()) as number, api };
}

for (const backend of backends) {
  describe(`the dashboard with 10,000 accounts on ${backend.name}`, { skip: backend.skip }, () => {
    let database: ProvisionedDatabase;
    let h: Harness;
    let receiver: Receiver;
    let browser: TestBrowser;
    let seedMs = 0;

    before(async () => {
      database = await backend.provision();
      h = await startHarnessOn(database);
      receiver = await startReceiver();
      const template = await makeTemplate(apiCaller(h.url, h.secretKey), receiver.url);
      const writer = openBulkWriter(seedTarget(database.dataDir, database.databaseUrl));
      const started = performance.now();
      try {
        await seed({
          writer,
          secrets: new SecretBox(loadOrCreateKey({ dataDir: database.dataDir }).key),
          templateAccount: template.account,
          size,
        });
        // As the scale benchmark does: PostgreSQL's statistics, as autovacuum would make them.
        if (database.databaseUrl) await writer.query('analyze', []);
      } finally {
        await writer.close();
      }
      seedMs = performance.now() - started;
      browser = await launchBrowser();
    });
    after(async () => {
      await browser?.close();
      await receiver?.close();
      await h?.close();
      await database?.drop();
    });

    test('the accounts list opens on its newest 20 rows with a Next control, and Next shows the 20 after them', async (t) => {
      const page = await browser.context.newPage();
      await page.goto(`${h.url}/dashboard`);
      await page.getByLabel('Secret key').fill(h.secretKey);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { level: 1, name: 'Financial Connections accounts' }).waitFor();

      const url = `${h.url}/dashboard/accounts`;
      const runs = [];
      for (let i = 0; i < 5; i++) runs.push(await openAccounts(page, url));
      const rows = page.locator('ul.rows li');
      assert.equal(await rows.count(), 20);
      const first = await rows.locator('code.id').allTextContents();
      assert.deepEqual(first, [...first].sort().reverse(), 'newest first');

      const next = page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Next page' });
      await next.click();
      await page.waitForURL(/starting_after=/);
      await page.waitForFunction((last) => {
        const rows = (globalThis as unknown as InPage).document.querySelectorAll('ul.rows li code.id');
        const ids = Array.from(rows, (code) => code.textContent ?? '');
        return ids.length === 20 && ids.every((id) => id < last);
      }, first.at(-1) as string);
      await page.getByRole('link', { name: 'Previous page' }).waitFor();

      // The API call alone, from Node: the first page, a page past a cursor, and a status filter
      // that matches none of the 10,000 (it reads every one of the merchant's accounts).
      const client = await signInClient(h);
      const timed = async (path: string) => {
        const times = [];
        for (let i = 0; i < 20; i++) {
          const started = performance.now();
          const response = await client.get(path);
          times.push(performance.now() - started);
          assert.equal(response.status, 200, response.text);
        }
        return median(times);
      };
      const deep = await client.get(`/accounts?limit=100&starting_after=${first.at(-1)}`);
      const cursor = (deep.body.data as { id: string }[]).at(-1)?.id;
      t.diagnostic(
        JSON.stringify({
          backend: backend.name,
          seed_ms: Math.round(seedMs),
          navigation_to_rows_ms: runs.map((r) => Math.round(r.rendered)),
          browser_api_ms: runs.map((r) => Math.round(r.api)),
          node_api_first_page_median_ms: Number((await timed('/accounts')).toFixed(1)),
          node_api_past_cursor_median_ms: Number(
            (await timed(`/accounts?starting_after=${cursor}`)).toFixed(1),
          ),
          node_api_status_inactive_median_ms: Number((await timed('/accounts?status=inactive')).toFixed(1)),
        }),
      );
      await page.close();
    });
  });
}
