import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { backends } from '../support/backends.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { dashboardScreen, fact } from '../support/dashboard-screens.ts';
import { eventually } from '../support/eventually.ts';
import { type Harness, startHarness } from '../support/harness.ts';

describe("the dashboard's request logs in Chromium", () => {
  let h: Harness;
  let browser: TestBrowser;
  before(async () => {
    h = await startHarness(backends[0] as (typeof backends)[number]);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  /** Waits until openfc has written the request's log. */
  async function written(requestId: string) {
    await eventually(
      `the log of ${requestId}`,
      () => h.running.store.db.selectFrom('request_logs').select('id').where('id', '=', requestId).execute(),
      (rows) => rows.length === 1,
    );
  }

  test('filter the failed requests, open one from its request_log_url and from the list; secrets stay redacted', async () => {
    const stripe = h.stripe();
    const endpoint = await stripe.webhookEndpoints.create({
      url: 'https://merchant.example/hooks',
      enabled_events: ['customer.created'],
    });
    await stripe.customers.create({ name: 'Jenny Rosen', email: 'jenny@example.com' });
    const failure = await stripe.customers.update('cus_doesNotExist', { name: 'Nobody' }).then(
      () => assert.fail('updating a missing customer succeeded'),
      (e: unknown) => e as Stripe.errors.StripeError,
    );
    const requestId = failure.requestId as string;
    const logUrl = (failure.raw as { request_log_url: string }).request_log_url;
    assert.equal(logUrl, `${h.url}/dashboard/logs/${requestId}`);
    await written(requestId);

    const page = await browser.context.newPage();
    await page.goto(`${h.url}/dashboard/logs`);
    await page.getByLabel('Secret key').fill(h.secretKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await dashboardScreen(page, 'Logs', 'dashboard-logs', { headingFocused: false });
    assert.equal(new URL(page.url()).pathname, '/dashboard/logs');
    const nav = page.getByRole('navigation', { name: 'Dashboard' });
    assert.equal(await nav.getByRole('link', { name: 'Logs' }).getAttribute('aria-current'), 'page');
    await page.getByRole('link', { name: 'POST /v1/webhook_endpoints', exact: true }).waitFor();

    // Only the failed requests.
    await page.getByLabel('Status').selectOption({ label: 'Failed (4xx, 5xx)' });
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const failed = page.getByRole('link', { name: 'POST /v1/customers/cus_doesNotExist', exact: true });
    await failed.waitFor();
    await page
      .getByRole('link', { name: 'POST /v1/webhook_endpoints', exact: true })
      .waitFor({ state: 'detached' });
    assert.equal(new URL(page.url()).search, '?status=failed');
    assert.equal(await page.locator('.rows li').count(), 1);
    await dashboardScreen(page, 'Logs', 'dashboard-logs-failed', { headingFocused: false });

    await failed.click();
    await dashboardScreen(page, 'POST /v1/customers/cus_doesNotExist', 'dashboard-log', {
      headingFocused: false,
    });
    assert.equal(await fact(page, 'Request id').textContent(), requestId);
    assert.equal(await fact(page, 'Status').textContent(), '404 (failed)');
    const [params, response] = await page.locator('pre.log-json').allTextContents();
    assert.deepEqual(JSON.parse(params as string), { name: 'Nobody' });
    assert.equal(params, JSON.stringify({ name: 'Nobody' }, null, 2), 'pretty-printed');
    const error = (JSON.parse(response as string) as { error: Record<string, string> }).error;
    assert.equal(error.code, 'resource_missing');
    assert.equal(error.request_log_url, logUrl);

    // The error's request_log_url opens the same page.
    await page.goto(logUrl);
    await page.getByRole('heading', { level: 1, name: 'POST /v1/customers/cus_doesNotExist' }).waitFor();
    await page.getByRole('link', { name: 'All logs' }).click();
    await dashboardScreen(page, 'Logs', 'dashboard-logs-all', { headingFocused: false });

    // The webhook endpoint, found by its path: its signing secret is not in the log.
    await page.getByLabel('Path contains').fill('webhook');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('link', { name: 'POST /v1/webhook_endpoints', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'POST /v1/webhook_endpoints' }).waitFor();
    const shown = await page.locator('pre.log-json').nth(1).textContent();
    assert.equal((JSON.parse(shown as string) as { secret: string }).secret, '[redacted]');
    assert.ok(!(await page.content()).includes(endpoint.secret as string), 'the signing secret is shown');
    await page.close();
  });

  test("another merchant's request, or an unknown one, is not found", async () => {
    const other = await h.otherMerchant();
    const theirs = await h.stripe({ key: other.secretKey }).customers.create({ name: 'Theirs' });
    await written(theirs.lastResponse.requestId);
    await browser.context.clearCookies();
    const page = await browser.context.newPage();
    await page.goto(`${h.url}/dashboard/logs/${theirs.lastResponse.requestId}`);
    await page.getByLabel('Secret key').fill(h.secretKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await dashboardScreen(page, 'Request not found', 'dashboard-log-not-found', { headingFocused: false });
    await page.getByText(theirs.lastResponse.requestId, { exact: true }).waitFor();
    await page.goto(`${h.url}/dashboard/logs/req_doesNotExist`);
    await page.getByRole('heading', { level: 1, name: 'Request not found' }).waitFor();
    await page.close();
  });
});
