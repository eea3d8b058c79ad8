import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import type Stripe from 'stripe';
import { type RunningExample, startExample } from '../../examples/relink/server.ts';
import { backends } from '../support/backends.ts';
import { assertAccessible, launchBrowser, saveScreenshots, type TestBrowser } from '../support/browser.ts';
import type { PreviewAccount, PreviewSession } from '../support/fc.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { flowFrame, flowFrameSelector } from '../support/merchant-page.ts';

/**
 * The relink example (`npm run example:relink`) in Chromium, against openfc: its page links an
 * account through openfc.js, its webhook handler asks for a relink once the bank ends the consent,
 * and its three ways to relink (this account, any account at the bank, a hosted link) bring the
 * same account back.
 */

const sqlite = backends.find((b) => b.name === 'sqlite') as (typeof backends)[number];
const checking = 'Success ••••6789';
const savings = 'High Yield Savings ••••4321';

describe('the relink example in Chromium', () => {
  let h: Harness;
  let example: RunningExample;
  let browser: TestBrowser;
  let page: Page;
  let stripe: Stripe;
  let accountId: string;

  before(async () => {
    h = await startHarness(sqlite);
    stripe = h.stripe({ apiVersion: '2026-07-29.preview' });
    example = await startExample({
      apiBase: h.url,
      secretKey: h.secretKey,
      publishableKey: h.publishableKey,
      port: 0,
    });
    browser = await launchBrowser();
    page = await browser.context.newPage();
  });
  after(async () => {
    await browser?.close();
    await example?.close();
    await h?.close();
  });

  /** Checks a screen with axe-core and saves it at both widths. */
  async function look(target: Page | Frame, name: string): Promise<void> {
    await assertAccessible(target, name);
    await saveScreenshots(page, `example-relink-${name}`);
  }

  const accountItems = () => page.locator('#accounts > li > p:first-child').allTextContents();

  async function retrieve(id: string): Promise<PreviewAccount & { status_details: unknown }> {
    return (await stripe.financialConnections.accounts.retrieve(id)) as unknown as PreviewAccount & {
      status_details: unknown;
    };
  }

  /**
   * The modal flow from consent to Done, keeping the checking account alone chosen. Relink sessions
   * skip the bank search; `single` sessions (limits[accounts]=1) offer radio buttons.
   */
  async function throughModal(name: string, options: { relink: boolean; single?: boolean }) {
    const frame = page.frameLocator(flowFrameSelector);
    const target = await flowFrame(page);
    const verb = options.relink ? 'reconnect' : 'connect';
    await frame.getByRole('heading', { name: `Default uses openfc to ${verb} your accounts` }).waitFor();
    await look(target, `${name}-consent`);
    await frame.getByRole('button', { name: 'Agree and continue' }).click();

    if (!options.relink) {
      await frame.getByRole('searchbox', { name: 'Search for your bank' }).waitFor();
      await frame.getByRole('button', { name: 'Test Institution' }).waitFor();
      await look(target, `${name}-institution`);
      await frame.getByRole('button', { name: 'Test Institution' }).click();
    }
    await frame.getByRole('heading', { name: 'Connect to Test Institution' }).waitFor();
    assert.equal(await frame.getByRole('searchbox').count(), 0);
    await look(target, `${name}-login`);
    await frame.getByRole('button', { name: 'Continue' }).click();

    await frame.getByRole('button', { name: 'Link accounts' }).waitFor();
    if (options.single) {
      assert.equal(await frame.getByRole('checkbox').count(), 0);
      await frame.getByRole('radio', { name: checking }).check();
    } else {
      // A new link starts with every usable account checked, a relink of one account with that
      // account: either way the checking account is checked, and the holder keeps it alone.
      assert.equal(await frame.getByRole('checkbox', { name: checking }).isChecked(), true);
      await frame.getByRole('checkbox', { name: savings }).uncheck();
    }
    await look(target, `${name}-accounts`);
    await frame.getByRole('button', { name: 'Link accounts' }).click();

    await frame.getByRole('button', { name: 'Done' }).waitFor();
    await look(target, `${name}-done`);
    await frame.getByRole('button', { name: 'Done' }).click();
    await page.locator(flowFrameSelector).waitFor({ state: 'hidden' });
  }

  /** "Make it inactive (sandbox)", then the relink prompt the webhook handler put on the account. */
  async function deactivate() {
    await page.getByRole('button', { name: 'Make it inactive (sandbox)' }).click();
    await page.getByText('This account needs to be reconnected (access_expired).').waitFor();
    assert.deepEqual(await accountItems(), [`Test Institution — ${checking}: inactive`]);
    const account = await retrieve(accountId);
    assert.equal(account.status, 'inactive');
    assert.deepEqual(account.status_details, {
      inactive: { action: 'relink_required', cause: 'access_expired' },
    });
  }

  /** After a relink: the same account, active at openfc and on the page, with no prompt left. */
  async function assertRelinked() {
    await page.getByRole('button', { name: 'Make it inactive (sandbox)' }).waitFor();
    assert.deepEqual(await accountItems(), [`Test Institution — ${checking}: active`]);
    assert.equal(await page.getByText('needs to be reconnected').count(), 0);
    const account = await retrieve(accountId);
    assert.equal(account.status, 'active');
    assert.deepEqual(account.status_details, {});
  }

  test('links an account through the modal', async () => {
    await page.goto(example.url);
    await page.getByText('No linked accounts yet.').waitFor();
    await look(page, 'page-empty');

    await page.getByRole('button', { name: 'Link a bank account' }).click();
    await throughModal('link', { relink: false });

    await page.getByText(`Linked: ${checking}.`).waitFor();
    assert.deepEqual(await accountItems(), [`Test Institution — ${checking}: active`]);
    accountId = (await page.locator('#accounts > li').getAttribute('data-account')) as string;
    assert.match(accountId, /^fca_/);
    const list = await stripe.financialConnections.accounts.list({
      account_holder: { customer: example.customer },
    });
    assert.deepEqual(
      list.data.map((a) => [a.id, a.display_name, a.last4, a.status]),
      [[accountId, 'Success', '6789', 'active']],
    );
    await look(page, 'page-linked');
  });

  test('the webhook asks for a relink; "Reconnect this account" relinks the same account', async () => {
    await deactivate();
    await look(page, 'page-relink-prompt');
    await page.getByRole('button', { name: 'Reconnect this account' }).click();
    await throughModal('relink-account', { relink: true });
    await page.getByText(`Relinked: ${checking}.`).waitFor();
    await assertRelinked();
  });

  test('"Reconnect any account at Test Institution" relinks the authorization, one account', async () => {
    await deactivate();
    await page.getByRole('button', { name: 'Reconnect any account at Test Institution' }).click();
    await throughModal('relink-authorization', { relink: true, single: true });
    await page.getByText(`Relinked: ${checking}.`).waitFor();
    await assertRelinked();
  });

  test('a hosted relink link opens the flow as a page and returns to the example', async () => {
    await deactivate();
    await page.getByRole('button', { name: 'Get a hosted relink link' }).click();
    const link = page.getByRole('link', { name: 'Hosted relink link' });
    await link.waitFor();
    const url = (await link.getAttribute('href')) as string;
    assert.match(url, new RegExp(`^${h.url}/hosted/fc/[\\w-]+$`));
    await look(page, 'page-hosted-link');

    const hosted = await browser.context.newPage();
    try {
      const shoot = async (name: string) => {
        await assertAccessible(hosted, name);
        await saveScreenshots(hosted, `example-relink-hosted-${name}`);
      };
      await hosted.goto(url);
      await hosted.getByRole('button', { name: 'Agree and continue' }).waitFor();
      await shoot('consent');
      await hosted.getByRole('button', { name: 'Agree and continue' }).click();
      await hosted.getByRole('heading', { name: 'Connect to Test Institution' }).waitFor();
      await shoot('login');
      await hosted.getByRole('button', { name: 'Continue' }).click();
      await hosted.getByRole('checkbox', { name: savings }).uncheck();
      await shoot('accounts');
      await hosted.getByRole('button', { name: 'Link accounts' }).click();
      await hosted.getByRole('button', { name: 'Done' }).waitFor();
      await shoot('done');
      await hosted.getByRole('button', { name: 'Done' }).click();

      await hosted.waitForURL(`${example.url}/?relinked=1`);
      await hosted.getByText('Welcome back: the hosted relink finished.').waitFor();
      await hosted.getByRole('button', { name: 'Make it inactive (sandbox)' }).waitFor();
      assert.deepEqual(await hosted.locator('#accounts > li > p:first-child').allTextContents(), [
        `Test Institution — ${checking}: active`,
      ]);
      const account = await retrieve(accountId);
      assert.equal(account.status, 'active');
      await shoot('returned');
    } finally {
      await hosted.close();
    }
  });

  test('the sessions the example made ended as its page said', async () => {
    const { authorization } = await retrieve(accountId);
    const events = await stripe.events.list({ type: 'financial_connections.session.updated', limit: 10 });
    const sessions = events.data.map((e) => e.data.object as unknown as PreviewSession & { ui_mode: string });
    const relinked = (account: string | null) => ({ account, authorization, failure_reason: null });
    assert.deepEqual(
      sessions.map((s) => [s.status, s.ui_mode, 'relink_result' in s ? s.relink_result : 'absent']).reverse(),
      [
        // A session that relinks nothing renders no relink_result.
        ['succeeded', 'modal', 'absent'],
        ['succeeded', 'modal', relinked(accountId)],
        // relink_options.authorization alone: the relink names no account.
        ['succeeded', 'modal', relinked(null)],
        ['succeeded', 'hosted', relinked(accountId)],
      ],
    );
  });
});
