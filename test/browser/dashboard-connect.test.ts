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
});
