import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { backends } from '../support/backends.ts';
import { assertAccessible, launchBrowser, saveScreenshots, type TestBrowser } from '../support/browser.ts';
import { dashboardScreen, fact } from '../support/dashboard-screens.ts';
import {
  completeSession,
  createSession,
  linkAccounts,
  type PreviewAccount,
  simulate,
} from '../support/fc.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { eventOf, type Receiver, startReceiver } from '../support/receiver.ts';

const ownershipInstitution = 'fcinst_Qn1aly9zRRkWP1';
const testInstitution = 'fcinst_Qn1a7A4KhL42se';

describe('the dashboard’s endpoint, session, authorization, filter and version pages in Chromium', () => {
  let h: Harness;
  let browser: TestBrowser;
  let receiver: Receiver;
  before(async () => {
    h = await startHarness(backends[0] as (typeof backends)[number]);
    browser = await launchBrowser();
    receiver = await startReceiver();
  });
  after(async () => {
    await browser?.close();
    await receiver?.close();
    await h?.close();
  });

  async function signedIn(path: string, key = h.secretKey): Promise<Page> {
    await browser.context.clearCookies();
    const page = await browser.context.newPage();
    await page.goto(`${h.url}${path}`);
    await page.getByLabel('Secret key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    return page;
  }

  test('webhook endpoints: the list, an endpoint with its deliveries, Disable (the API then shows it disabled) and Enable', async () => {
    const stripe = h.stripe();
    const endpoint = await stripe.webhookEndpoints.create({
      url: receiver.url,
      enabled_events: ['customer.created'],
      description: 'Local receiver',
    });
    const customer = await stripe.customers.create({ email: 'endpoint@example.com' });
    const [received] = await receiver.waitFor(1, (r) => eventOf(r).type === 'customer.created');
    const eventId = eventOf(received as Parameters<typeof eventOf>[0]).id;

    const page = await signedIn('/dashboard');
    await page.getByRole('heading', { level: 1, name: 'Financial Connections accounts' }).waitFor();
    await page.getByRole('navigation', { name: 'Dashboard' }).getByRole('link', { name: 'Webhooks' }).click();
    await dashboardScreen(page, 'Webhook endpoints', 'dashboard-webhook-endpoints');
    const row = page.getByRole('listitem').filter({ has: page.getByRole('link', { name: receiver.url }) });
    assert.match(
      (await row.textContent()) ?? '',
      /customer\.createdEnabledAPI version the account’s default/,
    );

    await row.getByRole('link', { name: receiver.url }).click();
    assert.equal(new URL(page.url()).pathname, `/dashboard/webhook-endpoints/${endpoint.id}`);
    await page
      .getByRole('list', { name: `Attempts to send ${eventId}` })
      .getByText('Attempt 1: HTTP 200')
      .waitFor();
    await dashboardScreen(page, 'Webhook endpoint', 'dashboard-webhook-endpoint');
    assert.equal(await fact(page, 'Status').textContent(), 'Enabled');
    assert.equal(await fact(page, 'Listens to').textContent(), 'customer.created');
    assert.equal(await fact(page, 'Description').textContent(), 'Local receiver');
    assert.ok(!(await page.content()).includes(endpoint.secret as string), 'the signing secret is shown');

    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('status').filter({ hasText: 'Disabled: nothing more is sent to it.' }).waitFor();
    assert.equal(await fact(page, 'Status').textContent(), 'Disabled');
    assert.equal((await stripe.webhookEndpoints.retrieve(endpoint.id)).status, 'disabled');
    await assertAccessible(page, 'dashboard-webhook-endpoint-disabled');
    await saveScreenshots(page, 'dashboard-webhook-endpoint-disabled');

    // The delivery's event is one link away, and leads back to the endpoint.
    await page.getByRole('link', { name: 'customer.created' }).click();
    await page.getByRole('heading', { level: 1, name: 'customer.created' }).waitFor();
    assert.equal(await fact(page, 'Object').textContent(), `customer ${customer.id}`);
    await page.getByRole('link', { name: receiver.url }).click();
    await page.getByRole('heading', { level: 1, name: 'Webhook endpoint' }).waitFor();

    // The keyboard enables it again.
    await page.getByRole('button', { name: 'Enable' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Enabled: events are sent to it again.' }).waitFor();
    assert.equal((await stripe.webhookEndpoints.retrieve(endpoint.id)).status, 'enabled');
    await stripe.webhookEndpoints.del(endpoint.id);
    await page.close();
  });

  test('account filters in the address; sessions and authorizations lists leading to each other and to accounts', async () => {
    const first = await linkAccounts(h);
    const second = await linkAccounts(h, { institution: ownershipInstitution });
    const closed = first.accounts[0] as { id: string; display_name: string; last4: string };
    await simulate(first.stripe, 'accounts', closed.id, 'account_closed');
    const closedName = `${closed.display_name} ••••${closed.last4}`;

    const page = await signedIn('/dashboard/accounts');
    await page.getByRole('heading', { level: 1, name: 'Financial Connections accounts' }).waitFor();
    const filters = page.getByRole('form', { name: 'Filter accounts' });
    await filters.getByLabel('Status').selectOption('inactive');
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(`${h.url}/dashboard/accounts?status=inactive`);
    // The closed account is in the unfiltered rows too: wait for the active ones to be gone.
    await page.getByRole('link', { name: closedName, exact: true }).first().waitFor();
    await page
      .locator('.rows .status', { hasText: /^Active$/ })
      .first()
      .waitFor({ state: 'detached' });
    const statuses = await page.locator('.rows .status').allTextContents();
    assert.ok(statuses.length >= 1 && statuses.every((s) => s === 'Inactive'), String(statuses));
    assert.equal(await page.getByText(closed.id, { exact: true }).count(), 1);
    await dashboardScreen(page, 'Financial Connections accounts', 'dashboard-accounts-filtered');

    // The customer, typed and applied with Enter, combines with the institution; the link reloads as it was.
    await filters.getByLabel('Status').selectOption('');
    await filters.getByLabel('Institution').selectOption({ label: 'Ownership Accounts' });
    await filters.getByLabel('Customer id').fill(second.customer.id);
    await filters.getByLabel('Customer id').press('Enter');
    const filtered = `${h.url}/dashboard/accounts?customer=${second.customer.id}&institution=${ownershipInstitution}`;
    await page.waitForURL(filtered);
    await page.getByText(second.accounts[0]?.id as string, { exact: true }).waitFor();
    assert.deepEqual(
      (await page.locator('.rows code.id').allTextContents()).sort(),
      second.accounts.map((a) => a.id).sort(),
    );
    await page.reload();
    await page.getByText(second.accounts[0]?.id as string, { exact: true }).waitFor();
    assert.equal(await filters.getByLabel('Customer id').inputValue(), second.customer.id);
    assert.equal(await filters.getByLabel('Institution').inputValue(), ownershipInstitution);
    await page.getByRole('link', { name: 'Clear filters' }).click();
    await page.waitForURL(`${h.url}/dashboard/accounts`);
    await page.getByText(closed.id, { exact: true }).waitFor();

    // A relink makes a second session for the first authorization.
    await simulate(first.stripe, 'authorizations', first.authorization, 'consent_expired');
    const relink = await createSession(first.stripe, {
      account_holder: { type: 'customer', customer: first.customer.id },
      permissions: ['balances'],
      relink_options: { authorization: first.authorization, account: closed.id },
    });
    await completeSession(first.stripe, relink.id);

    const kinds = page.getByRole('navigation', { name: 'Financial Connections objects' });
    await kinds.getByRole('link', { name: 'Sessions' }).click();
    await page.getByRole('link', { name: relink.id, exact: true }).waitFor();
    await dashboardScreen(page, 'Financial Connections sessions', 'dashboard-sessions');
    const ids = await page.locator('.rows li > a').allTextContents();
    assert.deepEqual(ids.slice(0, 3), [relink.id, second.session.id, first.session.id]);
    await page.getByRole('link', { name: first.session.id, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Financial Connections session' }).waitFor();
    await fact(page, 'Authorizations').getByRole('link', { name: first.authorization }).click();
    await page.getByRole('heading', { level: 1, name: 'Authorization' }).waitFor();
    assert.deepEqual(await fact(page, 'Linked and relinked by').getByRole('link').allTextContents(), [
      first.session.id,
      relink.id,
    ]);
    await page.getByRole('link', { name: closedName, exact: true }).waitFor();
    await page.getByRole('link', { name: 'All authorizations' }).click();
    await page.getByRole('link', { name: second.authorization, exact: true }).waitFor();
    await dashboardScreen(page, 'Financial Connections authorizations', 'dashboard-authorizations');
    const newest = page.locator('.rows li').first();
    assert.equal(await newest.getByRole('link').textContent(), second.authorization);
    assert.match((await newest.textContent()) ?? '', /Ownership Accounts/);
    await page.close();
  });

  /** A merchant of its own, so that a filtered list shows exactly what a test made. */
  async function freshMerchant() {
    const { secretKey } = await h.otherMerchant();
    return { key: secretKey, stripe: h.stripe({ key: secretKey }) };
  }

  /** The ids a list shows once it has read `until` (the rows read before it may still be on screen). */
  async function rowsOnceShown(page: Page, until: string, gone: string): Promise<string[]> {
    await page.getByText(gone, { exact: true }).waitFor({ state: 'detached' });
    await page.getByText(until, { exact: true }).first().waitFor();
    return page.locator('.rows li > a').allTextContents();
  }

  test('customers filtered by email: exact and case-sensitive, kept in the address, then cleared', async () => {
    const { key, stripe } = await freshMerchant();
    const jenny = await stripe.customers.create({ email: 'jenny@example.com', name: 'Jenny Rosen' });
    const capital = await stripe.customers.create({ email: 'Jenny@example.com', name: 'Capital Jenny' });

    const page = await signedIn('/dashboard/customers', key);
    await page.getByRole('link', { name: 'Capital Jenny' }).waitFor();
    const filters = page.getByRole('form', { name: 'Filter customers' });
    await filters.getByLabel('Email').fill('jenny@example.com');
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(`${h.url}/dashboard/customers?email=jenny%40example.com`);
    await page.getByText(capital.id, { exact: true }).waitFor({ state: 'detached' });
    await page.getByText(jenny.id, { exact: true }).waitFor();
    assert.deepEqual(await page.locator('.rows code.id').allTextContents(), [jenny.id]);
    await dashboardScreen(page, 'Customers', 'dashboard-customers-filtered');

    await filters.getByLabel('Email').fill('JENNY@example.com');
    await filters.getByLabel('Email').press('Enter');
    await page.getByText('No customers match these filters.').waitFor();
    await page.getByRole('link', { name: 'Clear filters' }).click();
    await page.waitForURL(`${h.url}/dashboard/customers`);
    await page.getByText(capital.id, { exact: true }).waitFor();
    assert.equal(await filters.getByLabel('Email').inputValue(), '');
    assert.equal(await page.locator('.rows li').count(), 2);
    await page.close();
  });

  test('sessions filtered by status and by kind (relinks, new links); the filters combine and clear', async () => {
    const { key, stripe } = await freshMerchant();
    const customer = await stripe.customers.create({ email: 'holder@example.com' });
    const holder = { type: 'customer' as const, customer: customer.id };
    const start = () => createSession(stripe, { account_holder: holder, permissions: ['balances'] });
    const linked = await completeSession(stripe, (await start()).id);
    const cancelled = await completeSession(stripe, (await start()).id, { outcome: 'cancelled' });
    const pending = await start();
    const authorization = (linked.accounts.data[0] as PreviewAccount).authorization;
    await simulate(stripe, 'authorizations', authorization, 'consent_expired');
    const relink = await createSession(stripe, {
      account_holder: holder,
      permissions: ['balances'],
      relink_options: { authorization },
    });

    const page = await signedIn('/dashboard/sessions', key);
    await page.getByRole('link', { name: relink.id }).waitFor();
    const filters = page.getByRole('form', { name: 'Filter sessions' });
    await filters.getByLabel('Status').selectOption({ label: 'Cancelled' });
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(`${h.url}/dashboard/sessions?status=cancelled`);
    assert.deepEqual(await rowsOnceShown(page, cancelled.id, linked.id), [cancelled.id]);
    assert.deepEqual(await page.locator('.rows .status').allTextContents(), ['Cancelled']);
    await dashboardScreen(page, 'Financial Connections sessions', 'dashboard-sessions-filtered');

    await filters.getByLabel('Status').selectOption('');
    await filters.getByLabel('Kind').selectOption({ label: 'Relinks' });
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(`${h.url}/dashboard/sessions?relink=true`);
    assert.deepEqual(await rowsOnceShown(page, relink.id, cancelled.id), [relink.id]);
    assert.match((await page.locator('.rows li').textContent()) ?? '', /Pending.*relink$/);

    await filters.getByLabel('Kind').selectOption({ label: 'New links' });
    await filters.getByLabel('Status').selectOption({ label: 'Pending' });
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(`${h.url}/dashboard/sessions?status=pending&relink=false`);
    assert.deepEqual(await rowsOnceShown(page, pending.id, relink.id), [pending.id]);
    await page.reload();
    await page.getByRole('link', { name: pending.id }).waitFor();
    assert.equal(await filters.getByLabel('Kind').inputValue(), 'false');
    assert.equal(await filters.getByLabel('Status').inputValue(), 'pending');

    await filters.getByLabel('Kind').selectOption({ label: 'Relinks' });
    await filters.getByLabel('Status').selectOption({ label: 'Succeeded' });
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No sessions match these filters.').waitFor();
    await page.getByRole('link', { name: 'Clear filters' }).click();
    await page.waitForURL(`${h.url}/dashboard/sessions`);
    await page.getByRole('link', { name: linked.id }).waitFor();
    assert.deepEqual(await page.locator('.rows li > a').allTextContents(), [
      relink.id,
      pending.id,
      cancelled.id,
      linked.id,
    ]);
    await page.close();
  });

  test('authorizations filtered by status and by institution', async () => {
    const { key, stripe } = await freshMerchant();
    const customer = await stripe.customers.create({ email: 'holder@example.com' });
    const link = async (institution: string) => {
      const session = await createSession(stripe, {
        account_holder: { type: 'customer', customer: customer.id },
        permissions: ['balances'],
      });
      const completed = await completeSession(stripe, session.id, { institution });
      return (completed.accounts.data[0] as PreviewAccount).authorization;
    };
    const atTest = await link(testInstitution);
    const atOwnership = await link(ownershipInstitution);
    await simulate(stripe, 'authorizations', atTest, 'consent_expired');

    const page = await signedIn('/dashboard/authorizations', key);
    await page.getByRole('link', { name: atTest }).waitFor();
    const filters = page.getByRole('form', { name: 'Filter authorizations' });
    await filters.getByLabel('Status').selectOption({ label: 'Inactive' });
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(`${h.url}/dashboard/authorizations?status=inactive`);
    assert.deepEqual(await rowsOnceShown(page, atTest, atOwnership), [atTest]);
    assert.deepEqual(await page.locator('.rows .status').allTextContents(), ['Inactive']);
    await dashboardScreen(page, 'Financial Connections authorizations', 'dashboard-authorizations-filtered');

    await filters.getByLabel('Status').selectOption('');
    await filters.getByLabel('Institution').selectOption({ label: 'Ownership Accounts' });
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(`${h.url}/dashboard/authorizations?institution=${ownershipInstitution}`);
    assert.deepEqual(await rowsOnceShown(page, atOwnership, atTest), [atOwnership]);
    assert.match((await page.locator('.rows li').textContent()) ?? '', /Ownership AccountsActive/);

    await filters.getByLabel('Status').selectOption({ label: 'Inactive' });
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No authorizations match these filters.').waitFor();
    await page.getByRole('link', { name: 'Clear filters' }).click();
    await page.waitForURL(`${h.url}/dashboard/authorizations`);
    await page.getByRole('link', { name: atTest }).waitFor();
    assert.equal(await page.locator('.rows li').count(), 2);
    await page.close();
  });

  test('webhook endpoints filtered by status', async () => {
    const { key, stripe } = await freshMerchant();
    const on = await stripe.webhookEndpoints.create({ url: 'https://example.com/on', enabled_events: ['*'] });
    const off = await stripe.webhookEndpoints.create({
      url: 'https://example.com/off',
      enabled_events: ['*'],
    });
    await stripe.webhookEndpoints.update(off.id, { disabled: true });

    const page = await signedIn('/dashboard/webhook-endpoints', key);
    await page.getByRole('link', { name: on.url }).waitFor();
    const filters = page.getByRole('form', { name: 'Filter webhook endpoints' });
    await filters.getByLabel('Status').selectOption({ label: 'Disabled' });
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(`${h.url}/dashboard/webhook-endpoints?status=disabled`);
    assert.deepEqual(await rowsOnceShown(page, off.url, on.url), [off.url]);
    assert.deepEqual(await page.locator('.rows .status').allTextContents(), ['Disabled']);
    await dashboardScreen(page, 'Webhook endpoints', 'dashboard-webhook-endpoints-filtered');

    await filters.getByLabel('Status').selectOption({ label: 'Enabled' });
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(`${h.url}/dashboard/webhook-endpoints?status=enabled`);
    assert.deepEqual(await rowsOnceShown(page, on.url, off.url), [on.url]);

    // Once none is enabled, the filtered list says so.
    await stripe.webhookEndpoints.update(on.id, { disabled: true });
    await page.reload();
    await page.getByText('No webhook endpoints match these filters.').waitFor();
    await page.getByRole('link', { name: 'Clear filters' }).click();
    await page.waitForURL(`${h.url}/dashboard/webhook-endpoints`);
    await page.getByRole('link', { name: on.url }).waitFor();
    assert.equal(await page.locator('.rows li').count(), 2);
    await page.close();
  });

  test('events filtered by type; an event’s object side by side per API version, the differing fields called out', async () => {
    const { stripe, accounts } = await linkAccounts(h, { limit: 1 });
    const account = accounts[0] as { id: string };
    await simulate(stripe, 'accounts', account.id, 'account_closed');

    const page = await signedIn('/dashboard/events');
    await page.getByRole('heading', { level: 1, name: 'Events' }).waitFor();
    const filter = page.getByRole('form', { name: 'Filter events' });
    await filter.getByLabel('Event type', { exact: true }).fill('financial_connections.account.deactivated');
    await filter.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(`${h.url}/dashboard/events?type=financial_connections.account.deactivated`);
    await page.getByText(account.id, { exact: true }).waitFor();
    const types = await page.locator('.rows li > a').allTextContents();
    assert.ok(types.length >= 1);
    assert.deepEqual(new Set(types), new Set(['financial_connections.account.deactivated']));
    await dashboardScreen(page, 'Events', 'dashboard-events-filtered');

    await page
      .getByRole('listitem')
      .filter({ hasText: account.id })
      .getByRole('link', { name: 'financial_connections.account.deactivated' })
      .click();
    await page.getByRole('heading', { level: 2, name: 'The object on each API version' }).waitFor();
    const table = page.getByRole('table', { name: 'Fields that differ' });
    assert.deepEqual(await table.getByRole('columnheader').allTextContents(), [
      'Field',
      '2026-07-29.dahlia, 2026-10-28.endive',
      '2026-01-28.preview, 2026-03-04.preview, 2026-03-25.preview, 2026-07-29.preview',
    ]);
    const cause = table
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name: 'status_details.inactive.cause' }) });
    assert.deepEqual(await cause.getByRole('cell').allTextContents(), ['absent', '"account_closed"']);
    assert.equal(await table.getByRole('rowheader', { name: 'status', exact: true }).count(), 0);
    const captions = await page.locator('.versions figcaption').allTextContents();
    assert.equal(captions.length, 2);
    const preview = page.locator('.versions figure').nth(1);
    assert.ok(
      (await preview.locator('mark').allTextContents()).some((t) => t.includes('"cause": "account_closed"')),
    );
    await dashboardScreen(page, 'financial_connections.account.deactivated', 'dashboard-event-versions');
    await page.locator('.versions').scrollIntoViewIfNeeded();
    await saveScreenshots(page, 'dashboard-event-versions-side-by-side');

    // A customer renders alike on every version: one rendering.
    const customer = await stripe.customers.create({ name: 'Alike Everywhere' });
    await page.goto(`${h.url}/dashboard/events?type=customer.created&limit=1`);
    await page.getByRole('link', { name: 'customer.created' }).click();
    await page.getByText('Every API version openfc speaks renders the object the same way.').waitFor();
    assert.equal(await page.getByRole('table').count(), 0);
    assert.match((await page.locator('pre.json').textContent()) ?? '', new RegExp(customer.id));
    await page.close();
  });
});
