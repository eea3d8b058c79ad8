import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import type Stripe from 'stripe';
import { backends } from '../support/backends.ts';
import { assertAccessible, launchBrowser, saveScreenshots, type TestBrowser } from '../support/browser.ts';
import { completeSession, type PreviewAccount, simulate } from '../support/fc.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import {
  agePacing,
  createHosted,
  type HostedSession,
  hostedVersion,
  linkIn,
  startMailCatcher,
} from '../support/hosted.ts';

/**
 * A hosted relink by email, as the account holder meets it: openfc mails the link over SMTP, the
 * holder opens it in Chromium, reconnects, and lands on the merchant's return URL. An expired link
 * offers a new one by mail.
 */

const sqlite = backends.find((b) => b.name === 'sqlite') as (typeof backends)[number];
const day = 86_400;
const checking = 'Success ••••6789';
const savings = 'High Yield Savings ••••4321';

/** The merchant's page the hosted flow returns to. */
async function startReturnPage(): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    if (!request.url?.startsWith('/relinked')) return void response.writeHead(404).end();
    response
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Example shop</title></head><body><main><h1>Thanks: your bank is reconnected</h1></main></body></html>',
      );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
  return { url: `http://127.0.0.2:${(server.address() as AddressInfo).port}/relinked`, server };
}

describe('a hosted relink by email in Chromium', () => {
  let h: Harness;
  let mail: Awaited<ReturnType<typeof startMailCatcher>>;
  let browser: TestBrowser;
  let returnPage: { url: string; server: Server };

  before(async () => {
    mail = await startMailCatcher();
    h = await startHarness(sqlite, { smtpUrl: mail.url });
    returnPage = await startReturnPage();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await new Promise((resolve) => returnPage?.server.close(resolve));
    await h?.close();
    await mail?.close();
  });

  /** A customer whose accounts at Test Institution turned inactive: the consent expired. */
  async function inactiveAccounts(stripe: Stripe, email: string) {
    const customer = await stripe.customers.create({ email });
    const account_holder = { type: 'customer' as const, customer: customer.id };
    const session = await stripe.financialConnections.sessions.create({
      account_holder,
      permissions: ['balances', 'payment_method'],
    });
    const accounts = (await completeSession(stripe, session.id)).accounts.data as PreviewAccount[];
    const authorization = (accounts[0] as PreviewAccount).authorization;
    await simulate(stripe, 'authorizations', authorization, 'consent_expired');
    return { account_holder, accounts, authorization };
  }

  async function look(page: Page, name: string): Promise<void> {
    await assertAccessible(page, name);
    await saveScreenshots(page, `hosted-relink-${name}`);
  }

  test('the mailed link relinks the account and returns to the merchant', async () => {
    const stripe = h.stripe({ apiVersion: hostedVersion });
    const { account_holder, accounts, authorization } = await inactiveAccounts(stripe, 'ada@example.com');
    const account = accounts.find((a) => a.display_name === 'Success') as PreviewAccount;
    assert.deepEqual(
      accounts.map((a) => a.display_name),
      ['Success', 'High Yield Savings', 'Rewards Credit Card', 'Personal Line of Credit', 'Home Mortgage'],
    );
    const session = await createHosted(stripe, {
      account_holder,
      permissions: ['balances', 'payment_method'],
      relink_options: { authorization, account: account.id },
      ui_mode: 'hosted',
      hosted: { delivery_method: 'email', return_url: returnPage.url },
    });

    const message = await mail.nth(1);
    assert.deepEqual(
      [message.to, message.subject],
      [['ada@example.com'], 'Default: reconnect your account at Test Institution'],
    );
    const link = linkIn(message);
    assert.equal(link, session.url);
    assert.match(link, new RegExp(`^${h.url}/hosted/fc/[\\w-]+$`));

    const page = await browser.context.newPage();
    try {
      await page.goto(link);
      assert.equal(await page.title(), 'Connect your bank');
      await page.getByRole('heading', { name: 'Default uses openfc to reconnect your accounts' }).waitFor();
      await look(page, 'consent');
      await page.getByRole('button', { name: 'Agree and continue' }).click();

      // A relink goes straight to its bank: no search, and no way back to one.
      await page.getByRole('heading', { name: 'Connect to Test Institution' }).waitFor();
      assert.equal(await page.getByRole('searchbox').count(), 0);
      assert.equal(await page.getByRole('button', { name: 'Back' }).count(), 0);
      await look(page, 'login');
      await page.getByRole('button', { name: 'Continue' }).click();

      await page.getByRole('button', { name: 'Link accounts' }).waitFor();
      assert.equal(await page.getByRole('checkbox', { name: checking }).isChecked(), true);
      await page.getByRole('checkbox', { name: savings }).uncheck();
      await look(page, 'accounts');
      await page.getByRole('button', { name: 'Link accounts' }).click();

      await page.getByRole('heading', { name: 'Your account is reconnected' }).waitFor();
      assert.deepEqual(await page.locator('ul.linked li').allTextContents(), [checking]);
      await look(page, 'done');
      await page.getByRole('button', { name: 'Done' }).click();

      await page.waitForURL(returnPage.url);
      await page.getByRole('heading', { name: 'Thanks: your bank is reconnected' }).waitFor();
    } finally {
      await page.close();
    }

    const ended = (await stripe.financialConnections.sessions.retrieve(
      session.id,
    )) as unknown as HostedSession;
    assert.deepEqual(
      {
        status: ended.status,
        url: ended.url,
        relink_result: ended.relink_result,
        accounts: ended.accounts.data.map((a) => a.id),
      },
      {
        status: 'succeeded',
        url: null,
        relink_result: { account: account.id, authorization, failure_reason: null },
        accounts: [account.id],
      },
    );
    // The new consent covers the authorization: all its accounts are back, with the same ids.
    for (const { id } of accounts) {
      const found = await stripe.financialConnections.accounts.retrieve(id);
      assert.deepEqual([found.id, found.status, found.status_details], [id, 'active', {}]);
    }
  });

  test('an expired link says so and mails a new one', async () => {
    // A merchant of its own, so that moving its sandbox clock moves nothing else.
    const keys = await h.otherMerchant();
    const stripe = h.stripe({ key: keys.secretKey, apiVersion: hostedVersion });
    const { account_holder, authorization } = await inactiveAccounts(stripe, 'grace@example.com');
    const before = mail.received.length;
    const session = await createHosted(stripe, {
      account_holder,
      permissions: ['balances'],
      relink_options: { authorization },
      ui_mode: 'hosted',
      hosted: { delivery_method: 'email', return_url: returnPage.url },
    });
    const first = linkIn(await mail.nth(before + 1));
    await stripe.rawRequest('POST', '/v1/test_helpers/sandbox_clock/advance', { seconds: 31 * day });
    await agePacing(h, session.id);

    const page = await browser.context.newPage();
    try {
      await page.goto(first);
      await page.getByRole('heading', { name: 'This link has expired' }).waitFor();
      await look(page, 'expired');
      await page.getByRole('button', { name: 'Send me a new link' }).click();
      await page.getByText('We sent you a new link. Check your email or messages.').waitFor();
      assert.equal(await page.getByRole('button', { name: 'Send me a new link' }).count(), 0);
      await look(page, 'expired-resent');

      const again = await mail.nth(before + 2);
      assert.deepEqual(
        [again.to, again.subject],
        [['grace@example.com'], 'Other: reconnect your account at Test Institution'],
      );
      const second = linkIn(again);
      assert.notEqual(second, first);
      const retrieved = (await stripe.financialConnections.sessions.retrieve(
        session.id,
      )) as unknown as HostedSession;
      assert.deepEqual([retrieved.status, retrieved.url], ['pending', second]);

      // The new link opens the flow.
      await page.goto(second);
      await page.getByRole('button', { name: 'Agree and continue' }).waitFor();
    } finally {
      await page.close();
    }
  });
});
