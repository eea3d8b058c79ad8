import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { backends } from '../support/backends.ts';
import { launchBrowser, screenshotDir, type TestBrowser } from '../support/browser.ts';
import { dashboardScreen, fact } from '../support/dashboard-screens.ts';
import { completeSession, createSession, type PreviewAccount } from '../support/fc.ts';
import { reach, topUp } from '../support/funds.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { simulateAccount, tokenizing } from '../support/payments.ts';

type Session = Stripe.FinancialConnections.Session;

describe('the dashboard’s Connect pages in Chromium', () => {
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

  test('Balance, Top-ups, Transfers and Connected accounts: lists, details, and a bank account whose numbers were deactivated', async () => {
    const stripe = h.stripe();
    const topup = await topUp(stripe, 50_000);
    const shop = await stripe.accounts.create({
      type: 'custom',
      business_type: 'company',
      email: 'shop@example.com',
    });
    const session = await createSession(stripe, {
      account_holder: { type: 'account', account: shop.id },
      permissions: ['payment_method'],
      limits: { accounts: 1 },
    });
    const completed = await completeSession(stripe, session.id, { institution: tokenizing });
    const fcAccount = completed.accounts.data[0] as PreviewAccount;
    const token = (completed as Session).bank_account_token as Stripe.Token;
    const bank = await stripe.accounts.createExternalAccount(shop.id, { external_account: token.id });
    const transfer = await stripe.transfers.create({ amount: 2_500, currency: 'usd', destination: shop.id });
    const payout = await stripe.payouts.create(
      { amount: 1_000, currency: 'usd' },
      { stripeAccount: shop.id },
    );
    await simulateAccount(h, fcAccount.id, 'account_numbers_deactivated');
    // At its arrival date the bank account cannot receive it: the payout fails.
    await reach(stripe, payout.arrival_date, { stripeAccount: shop.id });
    const failed = await stripe.payouts.retrieve(payout.id, {}, { stripeAccount: shop.id });
    assert.equal(failed.status, 'failed');

    const page = await browser.context.newPage();
    await page.goto(`${h.url}/dashboard/balance`);
    await page.getByLabel('Secret key').fill(h.secretKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await dashboardScreen(page, 'Balance', 'dashboard-connect-balance');
    assert.equal(
      await page
        .getByRole('navigation', { name: 'Dashboard' })
        .getByRole('link', { name: 'Connect' })
        .getAttribute('aria-current'),
      'page',
    );
    // 500.00 topped up, 25.00 transferred: 475.00 available.
    assert.equal(await fact(page, 'Available (USD)').textContent(), '$475.00');
    assert.equal(await fact(page, 'Pending (USD)').textContent(), '$0.00');
    const transactions = page.getByRole('list', { name: 'Balance transactions' }).getByRole('listitem');
    assert.equal(await transactions.count(), 2);
    const transferRow = await transactions.nth(0).textContent();
    assert.match(transferRow ?? '', /Transfer.*-\$25\.00.*net -\$25\.00.*Available.*available on/);
    await transactions.nth(1).getByRole('link', { name: topup.id }).click();
    await dashboardScreen(page, 'Top-up', 'dashboard-connect-topup');
    assert.equal(await fact(page, 'Status').textContent(), 'Succeeded');
    assert.equal(await fact(page, 'Amount').textContent(), '$500.00');

    const tabs = page.getByRole('navigation', { name: 'Connect' });
    await page.getByRole('link', { name: 'All top-ups' }).click();
    await dashboardScreen(page, 'Top-ups', 'dashboard-connect-topups');
    assert.equal(await tabs.getByRole('link', { name: 'Top-ups' }).getAttribute('aria-current'), 'page');

    await tabs.getByRole('link', { name: 'Transfers' }).click();
    await dashboardScreen(page, 'Transfers', 'dashboard-connect-transfers');
    assert.equal(
      await page.getByRole('link', { name: shop.id }).count(),
      1,
      'the destination links to its page',
    );
    await page.getByRole('link', { name: transfer.id }).click();
    await dashboardScreen(page, 'Transfer', 'dashboard-connect-transfer');
    assert.equal(await fact(page, 'Amount').textContent(), '$25.00');
    await fact(page, 'Destination').getByRole('link', { name: shop.id }).click();

    await dashboardScreen(page, 'Connected account', 'dashboard-connect-account');
    assert.equal(await fact(page, 'Available (USD)').textContent(), '$25.00');
    const banks = page.getByRole('list', { name: 'Bank accounts for payouts' }).getByRole('listitem');
    assert.equal(await banks.count(), 1);
    const row = (await banks.first().textContent()) ?? '';
    assert.ok(row.includes(`••••${bank.last4}`), row);
    assert.ok(row.includes('Tokenized numbers deactivated: relink the linked account'), row);
    assert.ok(row.includes('Default for USD'), row);
    assert.equal(await page.getByRole('link', { name: transfer.id }).count(), 1);
    // Below the fold: the whole page at phone width.
    await page.setViewportSize({ width: 360, height: 740 });
    await page.screenshot({
      path: path.join(screenshotDir, 'dashboard-connect-account-full-360.png'),
      fullPage: true,
    });
    await page.setViewportSize({ width: 1280, height: 800 });

    const payouts = page.getByRole('list', { name: 'Payouts', exact: true }).getByRole('listitem');
    assert.match((await payouts.first().textContent()) ?? '', /\$10\.00.*Failed.*arrives/);
    await payouts.first().getByRole('link', { name: payout.id }).click();
    await dashboardScreen(page, 'Payout', 'dashboard-connect-payout');
    assert.equal(await fact(page, 'Status').textContent(), 'Failed');
    assert.equal(await fact(page, 'Failure code').textContent(), failed.failure_code);
    assert.equal(await fact(page, 'Failure message').textContent(), failed.failure_message);
    assert.equal(await fact(page, 'Destination').textContent(), bank.id);
    await page.getByRole('link', { name: 'Back to the connected account' }).click();
    await page.getByRole('heading', { level: 1, name: 'Connected account' }).waitFor();
    await page.getByRole('link', { name: 'All connected accounts' }).click();
    await dashboardScreen(page, 'Connected accounts', 'dashboard-connect-accounts');
    await page.getByRole('link', { name: shop.id }).click();
    await page.getByRole('heading', { level: 1, name: 'Connected account' }).waitFor();
    await banks
      .first()
      .getByRole('link', { name: `Linked account ${fcAccount.id}` })
      .click();
    await page.getByRole('heading', { level: 1 }).filter({ hasText: `••••` }).waitFor();
    assert.equal(await fact(page, 'Id').textContent(), fcAccount.id);
    await page.close();
  });
  describe('filters', () => {
    // A platform of its own: a settled top-up, a pending and a canceled one; a shop with a bank
    // account for payouts, 21 transfers to it and one to another account; a pending payout of the
    // shop's and a canceled one.
    let key: string;
    let shop: Stripe.Account;
    let other: Stripe.Account;
    const topups: Record<'succeeded' | 'pending' | 'canceled', string> = {
      succeeded: '',
      pending: '',
      canceled: '',
    };
    /** The transfers to the shop, newest first. */
    const toShop: string[] = [];
    let toOther: Stripe.Transfer;
    let pendingPayout: Stripe.Payout;
    let canceledPayout: Stripe.Payout;

    before(async () => {
      key = (await h.otherMerchant()).secretKey;
      const stripe = h.stripe({ key });
      topups.succeeded = (await topUp(stripe, 50_000)).id;
      topups.pending = (await stripe.topups.create({ amount: 1_000, currency: 'usd' })).id;
      const toCancel = await stripe.topups.create({ amount: 2_000, currency: 'usd' });
      topups.canceled = (await stripe.topups.cancel(toCancel.id)).id;
      shop = await stripe.accounts.create({
        type: 'custom',
        business_type: 'company',
        email: 'shop@example.com',
      });
      other = await stripe.accounts.create({ type: 'custom', email: 'other@example.com' });
      const session = await createSession(stripe, {
        account_holder: { type: 'account', account: shop.id },
        permissions: ['payment_method'],
        limits: { accounts: 1 },
      });
      const completed = await completeSession(stripe, session.id, { institution: tokenizing });
      const token = (completed as Session).bank_account_token as Stripe.Token;
      await stripe.accounts.createExternalAccount(shop.id, { external_account: token.id });
      for (let n = 0; n < 21; n++)
        toShop.unshift(
          (await stripe.transfers.create({ amount: 100 + n, currency: 'usd', destination: shop.id })).id,
        );
      toOther = await stripe.transfers.create({ amount: 700, currency: 'usd', destination: other.id });
      const asShop = { stripeAccount: shop.id };
      pendingPayout = await stripe.payouts.create({ amount: 1_000, currency: 'usd' }, asShop);
      canceledPayout = await stripe.payouts.create({ amount: 500, currency: 'usd' }, asShop);
      await stripe.payouts.cancel(canceledPayout.id, {}, asShop);
    });

    async function signedIn(path: string) {
      await browser.context.clearCookies();
      const page = await browser.context.newPage();
      await page.goto(`${h.url}${path}`);
      await page.getByLabel('Secret key').fill(key);
      await page.getByRole('button', { name: 'Sign in' }).click();
      return page;
    }

    test('balance transactions filtered by type', async () => {
      const page = await signedIn('/dashboard/balance');
      const transactions = page.getByRole('list', { name: 'Balance transactions' }).getByRole('listitem');
      // The newest 20 of 23: the transfers, the top-up (the oldest) on the next page.
      await transactions.getByRole('link', { name: toOther.id }).waitFor();
      assert.equal(await transactions.getByRole('link', { name: topups.succeeded }).count(), 0);
      const filters = page.getByRole('form', { name: 'Filter balance transactions' });
      await filters.getByLabel('Type').selectOption({ label: 'Top-up' });
      await filters.getByRole('button', { name: 'Apply filters' }).click();
      await page.waitForURL(`${h.url}/dashboard/balance?type=topup`);
      await page.getByRole('link', { name: toOther.id }).waitFor({ state: 'detached' });
      await transactions.getByRole('link', { name: topups.succeeded }).waitFor();
      assert.equal(await transactions.count(), 1);
      assert.match((await transactions.first().textContent()) ?? '', /^Top-up.*\$500\.00/);
      await dashboardScreen(page, 'Balance', 'dashboard-connect-balance-filtered');

      await filters.getByLabel('Type').selectOption({ label: 'Payout' });
      await filters.getByRole('button', { name: 'Apply filters' }).click();
      await page.getByText('No balance transactions match these filters.').waitFor();
      await page.getByRole('link', { name: 'Clear filters' }).click();
      await page.waitForURL(`${h.url}/dashboard/balance`);
      await transactions.getByRole('link', { name: toOther.id }).waitFor();
      // The available balance is the platform's, whatever the list shows.
      assert.equal(await fact(page, 'Available (USD)').textContent(), '$469.90');
      await page.close();
    });

    test('top-ups filtered by status', async () => {
      const page = await signedIn('/dashboard/topups');
      await page.getByRole('link', { name: topups.canceled }).waitFor();
      const filters = page.getByRole('form', { name: 'Filter top-ups' });
      for (const [status, words] of [
        ['pending', 'Pending'],
        ['canceled', 'Canceled'],
        ['succeeded', 'Succeeded'],
      ] as const) {
        await filters.getByLabel('Status').selectOption({ label: words });
        await filters.getByRole('button', { name: 'Apply filters' }).click();
        await page.waitForURL(`${h.url}/dashboard/topups?status=${status}`);
        const gone = status === 'pending' ? topups.canceled : topups.pending;
        await page.getByRole('link', { name: gone }).waitFor({ state: 'detached' });
        await page.getByRole('link', { name: topups[status] }).waitFor();
        assert.deepEqual(await page.locator('.rows li > a').allTextContents(), [topups[status]]);
        assert.deepEqual(await page.locator('.rows .status').allTextContents(), [words]);
        if (status === 'pending') await dashboardScreen(page, 'Top-ups', 'dashboard-connect-topups-filtered');
      }
      await page.getByRole('link', { name: 'Clear filters' }).click();
      await page.waitForURL(`${h.url}/dashboard/topups`);
      await page.getByRole('link', { name: topups.pending }).waitFor();
      assert.equal(await page.locator('.rows li').count(), 3);
      await page.close();
    });

    test('transfers filtered by destination; an account’s first page of transfers pages on into that list', async () => {
      const page = await signedIn('/dashboard/transfers');
      await page.getByRole('link', { name: toOther.id }).waitFor();
      const filters = page.getByRole('form', { name: 'Filter transfers' });
      await filters.getByLabel('Destination account id').fill(other.id);
      await filters.getByLabel('Destination account id').press('Enter');
      await page.waitForURL(`${h.url}/dashboard/transfers?destination=${other.id}`);
      await page.getByRole('link', { name: toShop[0] as string }).waitFor({ state: 'detached' });
      await page.getByRole('link', { name: toOther.id }).waitFor();
      assert.deepEqual(await page.locator('.rows li > a').allTextContents(), [toOther.id]);
      await dashboardScreen(page, 'Transfers', 'dashboard-connect-transfers-filtered');
      await filters.getByLabel('Destination account id').fill('acct_nobody');
      await filters.getByRole('button', { name: 'Apply filters' }).click();
      await page.getByText('No transfers match these filters.').waitFor();

      // The shop's page shows its newest 20 transfers; Next page is the transfers list, filtered to it.
      await page.goto(`${h.url}/dashboard/connected-accounts/${shop.id}`);
      const pages = page.getByRole('navigation', { name: 'Pages of transfers to this account' });
      await pages.getByRole('link', { name: 'Next page' }).waitFor();
      for (const id of toShop.slice(0, 20))
        assert.equal(await page.getByRole('link', { name: id }).count(), 1);
      assert.equal(await page.getByRole('link', { name: toShop[20] as string }).count(), 0);
      await dashboardScreen(page, 'Connected account', 'dashboard-connect-account-transfers');
      // Below the fold: the whole page, its transfers and payouts with their pages.
      for (const [width, height] of [
        [1280, 800],
        [360, 740],
      ] as const) {
        await page.setViewportSize({ width, height });
        await page.screenshot({
          path: path.join(screenshotDir, `dashboard-connect-account-lists-full-${width}.png`),
          fullPage: true,
        });
      }
      await page.setViewportSize({ width: 1280, height: 800 });
      await pages.getByRole('link', { name: 'Next page' }).click();
      await page.waitForURL(
        `${h.url}/dashboard/transfers?destination=${shop.id}&starting_after=${toShop[19]}`,
      );
      await page.getByRole('link', { name: toShop[20] as string }).waitFor();
      assert.deepEqual(await page.locator('.rows li > a').allTextContents(), [toShop[20]]);
      assert.equal(await filters.getByLabel('Destination account id').inputValue(), shop.id);
      await page
        .getByRole('navigation', { name: 'Pages' })
        .getByRole('link', { name: 'Previous page' })
        .click();
      await page.getByRole('link', { name: toShop[0] as string }).waitFor();
      assert.deepEqual(await page.locator('.rows li > a').allTextContents(), toShop.slice(0, 20));
      await page.getByRole('link', { name: 'Clear filters' }).click();
      await page.waitForURL(`${h.url}/dashboard/transfers`);
      await page.getByRole('link', { name: toOther.id }).waitFor();
      await page.close();
    });

    test('an account’s payouts: from its page to their list, filtered by status and paged', async () => {
      const page = await signedIn(`/dashboard/connected-accounts/${shop.id}`);
      await page.getByRole('heading', { level: 1, name: 'Connected account' }).waitFor();
      const shown = page.getByRole('list', { name: 'Payouts', exact: true }).getByRole('listitem');
      await shown.first().waitFor();
      assert.equal(await shown.count(), 2);
      await page.getByRole('link', { name: 'All payouts of this account' }).click();
      await page.waitForURL(`${h.url}/dashboard/connected-accounts/${shop.id}/payouts`);
      await dashboardScreen(page, 'Payouts', 'dashboard-connect-payouts');
      await page.getByRole('link', { name: canceledPayout.id }).waitFor();

      const filters = page.getByRole('form', { name: 'Filter payouts' });
      await filters.getByLabel('Status').selectOption({ label: 'Canceled' });
      await filters.getByRole('button', { name: 'Apply filters' }).click();
      await page.waitForURL(`${h.url}/dashboard/connected-accounts/${shop.id}/payouts?status=canceled`);
      await page.getByRole('link', { name: pendingPayout.id }).waitFor({ state: 'detached' });
      await page.getByRole('link', { name: canceledPayout.id }).waitFor();
      assert.deepEqual(await page.locator('.rows li > a').allTextContents(), [canceledPayout.id]);
      assert.match((await shown.first().textContent()) ?? '', /\$5\.00.*Canceled/);
      await dashboardScreen(page, 'Payouts', 'dashboard-connect-payouts-filtered');

      await filters.getByLabel('Status').selectOption({ label: 'Paid' });
      await filters.getByRole('button', { name: 'Apply filters' }).click();
      await page.getByText('No payouts match these filters.').waitFor();
      await page.getByRole('link', { name: 'Clear filters' }).click();
      await page.waitForURL(`${h.url}/dashboard/connected-accounts/${shop.id}/payouts`);

      // A page of one: the pages keep the page size, and lead to the payout and back to the account.
      await page.goto(`${h.url}/dashboard/connected-accounts/${shop.id}/payouts?limit=1`);
      await page.getByRole('link', { name: canceledPayout.id }).waitFor();
      await page.getByRole('link', { name: 'Next page' }).click();
      await page.getByRole('link', { name: pendingPayout.id }).waitFor();
      assert.deepEqual(await page.locator('.rows li > a').allTextContents(), [pendingPayout.id]);
      await page.getByRole('link', { name: pendingPayout.id }).click();
      await page.getByRole('heading', { level: 1, name: 'Payout' }).waitFor();
      assert.equal(await fact(page, 'Status').textContent(), 'Pending');
      await page.getByRole('link', { name: 'Back to the connected account' }).click();
      await page.getByRole('heading', { level: 1, name: 'Connected account' }).waitFor();
      await page.close();
    });
  });
});
