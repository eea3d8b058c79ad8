import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { backends } from '../support/backends.ts';
import { assertAccessible, launchBrowser, saveScreenshots, type TestBrowser } from '../support/browser.ts';
import { dashboardScreen, fact } from '../support/dashboard-screens.ts';
import { completeSession, createSession, linkAccounts, simulate } from '../support/fc.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { savedPaymentMethod } from '../support/payments.ts';
import { eventOf, type Receiver, startReceiver } from '../support/receiver.ts';

/** An origin other than openfc's, served by the browser's router: a site the merchant happens to visit. */
const otherSite = 'https://elsewhere.example';

describe('the dashboard in Chromium', () => {
  let h: Harness;
  let browser: TestBrowser;
  let receiver: Receiver;
  before(async () => {
    h = await startHarness(backends[0] as (typeof backends)[number]);
    browser = await launchBrowser();
    receiver = await startReceiver();
    await h.stripe().webhookEndpoints.create({ url: receiver.url, enabled_events: ['*'] });
  });
  after(async () => {
    await browser?.close();
    await receiver?.close();
    await h?.close();
  });

  async function signIn(page: Page, key: string) {
    await page.getByLabel('Secret key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  test('sign in, watch an account be linked and deactivated by a control, its webhook delivered and resent', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${h.url}/dashboard`);
    await dashboardScreen(page, 'Sign in to the openfc dashboard', 'dashboard-sign-in', {
      headingFocused: false,
    });

    // A wrong key and a publishable key are refused where the key was typed.
    await signIn(page, 'sk_test_notAKeyThisServerKnows00');
    await page.getByRole('alert').filter({ hasText: 'Invalid API Key provided' }).waitFor();
    await signIn(page, h.publishableKey);
    await page.getByRole('alert').filter({ hasText: 'A publishable key cannot sign in' }).waitFor();
    await assertAccessible(page, 'dashboard-sign-in-refused');
    await saveScreenshots(page, 'dashboard-sign-in-refused');

    await signIn(page, h.secretKey);
    await dashboardScreen(page, 'Financial Connections accounts', 'dashboard-accounts-empty', {
      headingFocused: false,
    });
    assert.equal(new URL(page.url()).pathname, '/dashboard/accounts');
    await page.getByText('No accounts are linked yet.').waitFor();
    // The key stays nowhere the page can read; the session cookie is HttpOnly.
    assert.deepEqual(await page.evaluate('[document.cookie, localStorage.length, sessionStorage.length]'), [
      '',
      0,
      0,
    ]);
    const [cookie] = await browser.context.cookies(`${h.url}/dashboard`);
    assert.deepEqual(cookie && [cookie.name, cookie.path, cookie.httpOnly, cookie.sameSite], [
      'openfc_dashboard',
      '/dashboard',
      true,
      'Strict',
    ]);
    assert.notEqual(cookie?.value, h.secretKey);

    // An account linked through the API shows up without reloading the page.
    const { accounts } = await linkAccounts(h, { limit: 1 });
    const account = accounts[0] as { id: string; display_name: string; last4: string };
    const name = `${account.display_name} ••••${account.last4}`;
    const link = page.getByRole('link', { name, exact: true });
    await link.waitFor();
    await dashboardScreen(page, 'Financial Connections accounts', 'dashboard-accounts', {
      headingFocused: false,
    });

    // The events page, open in a second tab, follows along live.
    const events = await browser.context.newPage();
    await events.goto(`${h.url}/dashboard/events`);
    await dashboardScreen(events, 'Events', 'dashboard-events', { headingFocused: false });
    await events.getByRole('link', { name: 'financial_connections.account.created' }).first().waitFor();

    // The keyboard reaches the account and opens it.
    const focused = () => page.evaluate('document.activeElement && document.activeElement.textContent');
    for (let i = 0; i < 10 && (await focused()) !== name; i++) await page.keyboard.press('Tab');
    assert.equal(await focused(), name);
    await page.keyboard.press('Enter');
    await dashboardScreen(page, name, 'dashboard-account', { headingFocused: false });
    assert.equal(new URL(page.url()).pathname, `/dashboard/accounts/${account.id}`);
    assert.equal(await fact(page, 'Status').textContent(), 'Active');
    assert.equal(await fact(page, 'Id').textContent(), account.id);
    assert.ok(!(await page.content()).includes('000123456789'), 'a plain account number is shown');

    await page.getByRole('button', { name: 'Expire consent' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'Expire consent: done. The account is inactive.' })
      .waitFor();
    assert.equal(await fact(page, 'Status').textContent(), 'Inactive');
    assert.equal(
      await fact(page, 'Why it is inactive').textContent(),
      'Access to the account expired: the holder’s consent ended.',
    );
    assert.equal(
      await fact(page, 'What to do').textContent(),
      'Relink: have the account holder go through the relink flow.',
    );
    await assertAccessible(page, 'dashboard-account-inactive');
    await saveScreenshots(page, 'dashboard-account-inactive');

    // The deactivation arrives on the events tab, then its delivery attempt to the receiver.
    const deactivated = events.getByRole('link', { name: 'financial_connections.account.deactivated' });
    await deactivated.waitFor();
    const [received] = await receiver.waitFor(
      1,
      (r) => eventOf(r).type === 'financial_connections.account.deactivated',
    );
    const eventId = eventOf(received as Parameters<typeof eventOf>[0]).id;
    await deactivated.click();
    await dashboardScreen(events, 'financial_connections.account.deactivated', 'dashboard-event', {
      headingFocused: false,
    });
    assert.equal(await fact(events, 'Id').textContent(), eventId);
    const attempts = events.getByRole('list', { name: `Attempts to ${receiver.url}` });
    await attempts.getByText('Attempt 1: HTTP 200').waitFor();

    await events.getByRole('button', { name: 'Resend' }).click();
    await events.getByRole('status').filter({ hasText: 'Sent again' }).waitFor();
    await receiver.waitFor(2, (r) => eventOf(r).id === eventId);
    // Both deliveries, each with its attempt, without reloading.
    await events
      .getByRole('list', { name: `Attempts to ${receiver.url}` })
      .nth(1)
      .waitFor();
    assert.deepEqual(
      await events
        .getByRole('list', { name: `Attempts to ${receiver.url}` })
        .getByRole('strong')
        .allTextContents(),
      ['Attempt 1: HTTP 200', 'Attempt 1: HTTP 200'],
    );
    await assertAccessible(events, 'dashboard-event-resent');
    await saveScreenshots(events, 'dashboard-event-resent');

    // Signing out ends the session: the page asks for a key again.
    await events.getByRole('button', { name: 'Sign out' }).click();
    await dashboardScreen(events, 'Sign in to the openfc dashboard', 'dashboard-signed-out', {
      headingFocused: false,
    });
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Sign in to the openfc dashboard' }).waitFor();
    await page.close();
    await events.close();
  });

  test('from a customer to their account, its authorization and the sessions that linked and relinked it', async () => {
    const { stripe, customer, session, accounts, authorization } = await linkAccounts(h, { limit: 1 });
    const account = accounts[0] as { id: string; display_name: string; last4: string };
    const name = `${account.display_name} ••••${account.last4}`;
    await stripe.customers.update(customer.id, { name: 'Ada Holder' });
    await simulate(stripe, 'authorizations', authorization, 'consent_expired');
    const relink = await createSession(stripe, {
      account_holder: { type: 'customer', customer: customer.id },
      permissions: ['balances', 'payment_method'],
      relink_options: { authorization, account: account.id },
    });
    await completeSession(stripe, relink.id);

    const page = await browser.context.newPage();
    await page.goto(`${h.url}/dashboard`);
    await signIn(page, h.secretKey);
    await page.getByRole('heading', { level: 1, name: 'Financial Connections accounts' }).waitFor();
    await page
      .getByRole('navigation', { name: 'Dashboard' })
      .getByRole('link', { name: 'Customers' })
      .click();
    await dashboardScreen(page, 'Customers', 'dashboard-customers', { headingFocused: false });
    await page.getByRole('link', { name: 'Ada Holder', exact: true }).click();
    await dashboardScreen(page, 'Ada Holder', 'dashboard-customer', { headingFocused: false });
    assert.equal(await fact(page, 'Email').textContent(), 'holder@example.com');

    await page.getByRole('link', { name, exact: true }).click();
    await page.getByRole('heading', { level: 1, name, exact: true }).waitFor();
    assert.equal(await fact(page, 'Status').textContent(), 'Active');
    const by = fact(page, 'Linked and relinked by');
    assert.deepEqual(await by.getByRole('link').allTextContents(), [session.id, relink.id]);
    assert.equal(await fact(page, 'Holder').getByRole('link').textContent(), `customer ${customer.id}`);

    await fact(page, 'Authorization').getByRole('link', { name: authorization }).click();
    await dashboardScreen(page, 'Authorization', 'dashboard-authorization', { headingFocused: false });
    assert.equal(await fact(page, 'Status').textContent(), 'Active');
    await page.getByRole('link', { name, exact: true }).waitFor();
    await page.goBack();

    // The keyboard follows the relink session's link.
    await by.getByRole('link', { name: relink.id }).focus();
    await page.keyboard.press('Enter');
    await dashboardScreen(page, 'Financial Connections session', 'dashboard-session', {
      headingFocused: false,
    });
    assert.equal(new URL(page.url()).pathname, `/dashboard/sessions/${relink.id}`);
    assert.equal(await fact(page, 'Status').textContent(), 'Succeeded');
    assert.equal(await fact(page, 'Permissions').textContent(), 'balances, payment_method');
    assert.equal(
      await fact(page, 'Relinks').textContent(),
      `authorization ${authorization} (account ${account.id})`,
    );
    assert.equal(await fact(page, 'Relink result').textContent(), `relinked account ${account.id}`);
    assert.ok(!(await page.content()).includes(relink.client_secret as string), 'the client secret is shown');
    await page.close();
  });

  test('the sandbox clock lists the consents a chosen advance ends, then advances', async () => {
    const { accounts, authorization } = await linkAccounts(h, { limit: 1 });
    const account = accounts[0] as { id: string; display_name: string; last4: string };
    await browser.context.clearCookies();
    const page = await browser.context.newPage();
    await page.goto(`${h.url}/dashboard/sandbox-clock`);
    await signIn(page, h.secretKey);
    await dashboardScreen(page, 'Sandbox clock', 'dashboard-clock', { headingFocused: false });
    const before = await fact(page, 'Sandbox time').textContent();

    // Consents last 90 days: 91 days end this one, and its account is listed before anything moves.
    await page.getByLabel('Amount').fill('91');
    await page.getByRole('button', { name: 'Advance the clock by 91 days' }).waitFor();
    const ending = page.getByRole('listitem').filter({ hasText: `authorization ${authorization}` });
    await ending.getByRole('link', { name: `${account.display_name} ••••${account.last4}` }).waitFor();
    await assertAccessible(page, 'dashboard-clock-preview');
    await saveScreenshots(page, 'dashboard-clock-preview');

    // Two hours end nothing; the keyboard chooses the unit and advances.
    await page.getByLabel('Amount').fill('2');
    await page.getByLabel('Unit').focus();
    await page.keyboard.press('ArrowUp');
    await page.getByText('None: no consent ends within 2 hours.').waitFor();
    await page.getByRole('button', { name: 'Advance the clock by 2 hours' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Advanced by 2 hours.' }).waitFor();
    assert.notEqual(await fact(page, 'Sandbox time').textContent(), before);
    const clock = (await h.stripe().rawRequest('GET', '/v1/test_helpers/sandbox_clock', {})) as unknown as {
      offset_seconds: number;
    };
    assert.equal(clock.offset_seconds, 2 * 3600);
    await page.close();
  });

  test('link a test account from the dashboard through the hosted flow, expire its consent, relink it from the dashboard', async () => {
    const customer = await h.stripe().customers.create({ name: 'Grace Linker', email: 'grace@example.com' });
    await browser.context.clearCookies();
    const page = await browser.context.newPage();
    await page.goto(`${h.url}/dashboard/customers/${customer.id}`);
    await signIn(page, h.secretKey);
    await page.getByRole('heading', { level: 1, name: 'Grace Linker' }).waitFor();
    await page.getByText('This customer holds no linked accounts.').waitFor();

    await page.getByRole('button', { name: 'Link a test account' }).click();
    await page.getByRole('button', { name: 'Agree and continue' }).click();
    await page.getByRole('searchbox', { name: 'Search for your bank' }).fill('test inst');
    await page.getByRole('button', { name: 'Test Institution', exact: true }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Link accounts' }).click();
    await page.getByRole('button', { name: 'Done' }).click();

    // The hosted flow returns to the customer's page, where the account now is.
    await page.waitForURL(`${h.url}/dashboard/customers/${customer.id}`);
    await page.getByRole('heading', { level: 1, name: 'Grace Linker' }).waitFor();
    const name = 'Success ••••6789';
    await page.getByRole('link', { name, exact: true }).click();
    await page.getByRole('heading', { level: 1, name, exact: true }).waitFor();
    const accountId = (await fact(page, 'Id').textContent()) as string;
    assert.match(accountId, /^fca_/);
    assert.equal(await fact(page, 'Status').textContent(), 'Active');
    assert.equal(await page.getByRole('button', { name: 'Start relink' }).count(), 0);

    await page.getByRole('button', { name: 'Expire consent' }).click();
    await page.getByRole('status').filter({ hasText: 'The account is inactive.' }).waitFor();
    await page.getByRole('button', { name: 'Start relink' }).click();
    const flowLink = page.getByRole('link', { name: 'Open the relink flow' });
    await flowLink.waitFor();
    const shared = await page.getByLabel('Relink link to share with the holder').inputValue();
    assert.equal(await flowLink.getAttribute('href'), shared);
    assert.match(shared, new RegExp(`^${h.url}/hosted/fc/[\\w-]+$`));
    await assertAccessible(page, 'dashboard-relink-started');
    await saveScreenshots(page, 'dashboard-relink-started');

    await flowLink.click();
    await page.getByRole('button', { name: 'Agree and continue' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Link accounts' }).click();
    await page.getByRole('heading', { name: 'Your account is reconnected' }).waitFor();
    await page.getByRole('button', { name: 'Done' }).click();

    // Back on the account's page: active again, the same id, relinked by the session just made.
    await page.waitForURL(`${h.url}/dashboard/accounts/${accountId}`);
    await page.getByRole('heading', { level: 1, name, exact: true }).waitFor();
    assert.equal(await fact(page, 'Id').textContent(), accountId);
    assert.equal(await fact(page, 'Status').textContent(), 'Active');
    assert.equal(await fact(page, 'Linked and relinked by').getByRole('link').count(), 2);

    // The relink session's page: what it relinked, and the steps the holder took in its flow.
    await fact(page, 'Linked and relinked by').getByRole('link').nth(1).click();
    await dashboardScreen(page, 'Financial Connections session', 'dashboard-session-flow', {
      headingFocused: false,
    });
    assert.equal(await fact(page, 'Flow').textContent(), 'hosted page');
    assert.equal(await fact(page, 'Relink result').textContent(), `relinked account ${accountId}`);
    assert.equal(
      await fact(page, 'Where the holder is, or stopped').textContent(),
      'done: the accounts were linked',
    );
    assert.equal(await fact(page, 'Consented').textContent(), 'yes');
    assert.equal(await fact(page, 'Bank chosen').textContent(), 'Test Institution');
    await page.goBack();

    await page.getByRole('navigation', { name: 'Dashboard' }).getByRole('link', { name: 'Events' }).click();
    await page.getByRole('heading', { level: 1, name: 'Events' }).waitFor();
    // The relink renewed the authorization's consent: each of its accounts is reactivated, this one too.
    const reactivated = page
      .getByRole('listitem')
      .filter({ has: page.getByRole('link', { name: 'financial_connections.account.reactivated' }) })
      .filter({ hasText: accountId });
    await reactivated.getByRole('link').click();
    await page
      .getByRole('heading', { level: 1, name: 'financial_connections.account.reactivated' })
      .waitFor();
    assert.equal(await fact(page, 'Object').textContent(), accountId);
    await page.close();
  });

  test('payment objects: a PaymentIntent leads to its PaymentMethod and on to the linked account', async () => {
    const saved = await savedPaymentMethod(h);
    const intent = await saved.stripe.paymentIntents.create({
      amount: 1099,
      currency: 'usd',
      customer: saved.customer.id,
      payment_method: saved.paymentMethod,
      ...({ payment_method_types: ['us_bank_account'] } as object),
      off_session: true,
      confirm: true,
    });
    await browser.context.clearCookies();
    const page = await browser.context.newPage();
    await page.goto(`${h.url}/dashboard/payment-intents`);
    await signIn(page, h.secretKey);
    await dashboardScreen(page, 'PaymentIntents', 'dashboard-payment-intents', { headingFocused: false });
    await page.getByRole('link', { name: intent.id, exact: true }).click();
    await dashboardScreen(page, 'PaymentIntent', 'dashboard-payment-intent', { headingFocused: false });
    assert.equal(await fact(page, 'Amount').textContent(), '$10.99');
    assert.ok(!(await page.content()).includes(intent.client_secret as string), 'the client secret is shown');

    await fact(page, 'Payment method').getByRole('link').click();
    await dashboardScreen(page, 'PaymentMethod', 'dashboard-payment-method', { headingFocused: false });
    assert.equal(await fact(page, 'Id').textContent(), saved.paymentMethod);
    await page.getByRole('navigation', { name: 'Payment objects' }).waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'All PaymentMethods' }).click();
    await dashboardScreen(page, 'PaymentMethods', 'dashboard-payment-methods', { headingFocused: false });
    await page
      .getByRole('navigation', { name: 'Payment objects' })
      .getByRole('link', { name: 'SetupIntents' })
      .click();
    await dashboardScreen(page, 'SetupIntents', 'dashboard-setup-intents', { headingFocused: false });
    await page.getByRole('link', { name: 'PaymentMethods' }).first().waitFor();
    await page.goto(`${h.url}/dashboard/payment-methods/${saved.paymentMethod}`);
    await fact(page, 'Linked account').getByRole('link', { name: saved.account.id }).click();
    await page.getByRole('heading', { level: 1, name: 'Success ••••6789', exact: true }).waitFor();
    await page.close();
  });

  test('mandates and charges: tabs, filters, and links between them, the PaymentMethod and the linked account', async () => {
    const saved = await savedPaymentMethod(h);
    const intent = await saved.stripe.paymentIntents.create({
      amount: 4200,
      currency: 'usd',
      customer: saved.customer.id,
      payment_method: saved.paymentMethod,
      ...({ payment_method_types: ['us_bank_account'] } as object),
      off_session: true,
      confirm: true,
    });
    const charge = intent.latest_charge as string;
    await browser.context.clearCookies();
    const page = await browser.context.newPage();
    await page.goto(`${h.url}/dashboard/payment-methods`);
    await signIn(page, h.secretKey);
    await dashboardScreen(page, 'PaymentMethods', 'dashboard-payment-methods-tabs', {
      headingFocused: false,
    });
    const tabs = page.getByRole('navigation', { name: 'Payment objects' });
    await tabs.getByRole('link', { name: 'Mandates' }).click();
    await dashboardScreen(page, 'Mandates', 'dashboard-mandates', { headingFocused: false });
    assert.equal(await tabs.getByRole('link', { name: 'Mandates' }).getAttribute('aria-current'), 'page');
    assert.equal(
      await page
        .getByRole('navigation', { name: 'Dashboard' })
        .getByRole('link', { name: 'Payments' })
        .getAttribute('aria-current'),
      'page',
    );
    await page.getByRole('link', { name: saved.mandate, exact: true }).click();
    await dashboardScreen(page, 'Mandate', 'dashboard-mandate', { headingFocused: false });
    assert.equal(await fact(page, 'Status').textContent(), 'Active');
    assert.equal(await fact(page, 'Linked account').textContent(), saved.account.id);
    assert.equal(await fact(page, 'Payment method').textContent(), saved.paymentMethod);

    // Charges, filtered by status with the form: the pending charge, then none that failed.
    await page.getByRole('link', { name: 'All Mandates' }).click();
    await page
      .getByRole('navigation', { name: 'Payment objects' })
      .getByRole('link', { name: 'Charges' })
      .click();
    await dashboardScreen(page, 'Charges', 'dashboard-charges', { headingFocused: false });
    const filters = page.getByRole('form', { name: 'Filter Charges' });
    await filters.getByLabel('PaymentIntent id').fill(intent.id);
    await filters.getByLabel('Status').selectOption('pending');
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/status=pending/);
    await page.getByRole('link', { name: charge, exact: true }).waitFor();
    assert.equal(await page.locator('ul.rows li').count(), 1);
    await filters.getByLabel('Status').selectOption('failed');
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No Charges match these filters.').waitFor();
    await assertAccessible(page, 'dashboard-charges-filtered');
    await page.getByRole('link', { name: 'Clear filters' }).click();
    await page.getByRole('link', { name: charge, exact: true }).click();
    await dashboardScreen(page, 'Charge', 'dashboard-charge', { headingFocused: false });
    assert.equal(await fact(page, 'Amount').textContent(), '$42.00');
    assert.equal(await fact(page, 'Status').textContent(), 'Pending');
    assert.equal(await fact(page, 'Mandate').textContent(), saved.mandate);
    await fact(page, 'PaymentIntent').getByRole('link').click();
    await dashboardScreen(page, 'PaymentIntent', 'dashboard-payment-intent-linked', {
      headingFocused: false,
    });
    assert.equal(await fact(page, 'Latest charge').textContent(), charge);
    await fact(page, 'Linked account').getByRole('link').click();
    await page.getByRole('heading', { level: 1, name: 'Success ••••6789', exact: true }).waitFor();

    // From the account to its PaymentMethods, and on to what was built on the PaymentMethod.
    await page.getByRole('link', { name: 'PaymentMethods made from this account' }).click();
    await dashboardScreen(page, 'PaymentMethods', 'dashboard-payment-methods-of-account', {
      headingFocused: false,
    });
    assert.equal(
      await page
        .getByRole('form', { name: 'Filter PaymentMethods' })
        .getByLabel('Linked account id')
        .inputValue(),
      saved.account.id,
    );
    await page.getByRole('link', { name: saved.paymentMethod, exact: true }).click();
    await dashboardScreen(page, 'PaymentMethod', 'dashboard-payment-method-related', {
      headingFocused: false,
    });
    await page
      .getByRole('navigation', { name: 'Built on this PaymentMethod' })
      .getByRole('link', { name: 'Its charges' })
      .click();
    await dashboardScreen(page, 'Charges', 'dashboard-charges-of-payment-method', { headingFocused: false });
    await page.getByRole('link', { name: charge, exact: true }).waitFor();
    assert.equal(await page.locator('ul.rows li').count(), 1);
    await page.close();
  });

  test('a page on another site cannot make a change, even while the merchant is signed in', async () => {
    const { accounts } = await linkAccounts(h, { limit: 1 });
    const account = accounts[0] as { id: string };
    await browser.context.clearCookies();
    const page = await browser.context.newPage();
    await page.goto(`${h.url}/dashboard`);
    await signIn(page, h.secretKey);
    await page.getByRole('heading', { level: 1, name: 'Financial Connections accounts' }).waitFor();

    // The other site posts a form to the dashboard's API in the merchant's browser.
    const target = `${h.url}/dashboard/api/accounts/${account.id}/simulate`;
    await page.route(`${otherSite}/**`, (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<!doctype html><html lang="en"><title>Elsewhere</title><form method="post" action="${target}" enctype="text/plain"><input name='{"event":"account_closed","x":"' value='"}'></form><script>document.forms[0].submit()</script></html>`,
      }),
    );
    const answer = page.waitForResponse((response) => response.url() === target);
    await page.goto(`${otherSite}/`);
    const response = await answer;
    assert.equal(response.status(), 403);
    const found = await h.stripe().financialConnections.accounts.retrieve(account.id);
    assert.equal(found.status, 'active');

    // Two accounts now, one to a page: the pages follow each other, by keyboard too.
    const all = await h.stripe().financialConnections.accounts.list({ limit: 2 });
    const [newer, older] = all.data.map((a) => a.id);
    await page.goto(`${h.url}/dashboard/accounts?limit=1`);
    await page.getByText(newer as string, { exact: true }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Previous page' }).count(), 0);
    await page.getByRole('link', { name: 'Next page' }).focus();
    await page.keyboard.press('Enter');
    await page.getByText(older as string, { exact: true }).waitFor();
    assert.equal(await page.getByText(newer as string, { exact: true }).count(), 0);
    await assertAccessible(page, 'dashboard-accounts-page-2');
    await page.getByRole('link', { name: 'Previous page' }).click();
    await page.getByText(newer as string, { exact: true }).waitFor();
    await page.close();
  });
});
