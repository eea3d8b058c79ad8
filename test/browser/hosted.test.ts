import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { backends } from '../support/backends.ts';
import { assertAccessible, launchBrowser, saveScreenshots, type TestBrowser } from '../support/browser.ts';
import type { PreviewAccount } from '../support/fc.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { createHosted, type HostedSession, hostedVersion } from '../support/hosted.ts';
import { pickAccounts } from './flow-fixture.ts';

/** Where the merchant asked the holder to be sent back; only its address is checked. */
const returnUrl = 'https://merchant.example/linked';

describe('the hosted page (/hosted/fc/:token)', () => {
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

  async function hostedSession(): Promise<HostedSession> {
    const stripe = h.stripe({ apiVersion: hostedVersion });
    const customer = await stripe.customers.create({ email: 'holder@example.com' });
    return createHosted(stripe, {
      account_holder: { type: 'customer', customer: customer.id },
      permissions: ['balances'],
      ui_mode: 'hosted',
      return_url: returnUrl,
    });
  }

  async function screen(page: Page, heading: string, shot: string) {
    await page.getByRole('heading', { level: 1, name: heading, exact: true }).waitFor();
    await assertAccessible(page, shot);
    await saveScreenshots(page, shot);
  }

  test('the same screens as a page, then back to the return URL', async () => {
    const session = await hostedSession();
    const page = await browser.context.newPage();
    // The return address is not served here: the navigation to it is what counts.
    await page.route(`${returnUrl}**`, (route) => route.fulfill({ status: 200, body: 'returned' }));
    await page.goto(session.url as string);
    await screen(page, 'Default uses openfc to connect your accounts', 'hosted-consent');
    assert.equal(await page.getByRole('button', { name: 'Close' }).count(), 1);
    await page.getByRole('button', { name: 'Agree and continue' }).click();
    await screen(page, 'Select your bank', 'hosted-search');
    await page.getByRole('searchbox', { name: 'Search for your bank' }).fill('test inst');
    await page.getByRole('heading', { name: 'Results' }).waitFor();
    await page.getByRole('button', { name: 'Test Institution', exact: true }).click();
    await screen(page, 'Connect to Test Institution', 'hosted-login');
    await page.getByRole('button', { name: 'Continue' }).click();
    await screen(page, 'Choose the accounts to connect', 'hosted-accounts');
    await pickAccounts(page, ['Success ••••6789', 'High Yield Savings ••••4321']);
    await page.getByRole('button', { name: 'Link accounts' }).click();
    await screen(page, 'Your accounts are connected', 'hosted-success');
    await Promise.all([page.waitForURL(returnUrl), page.getByRole('button', { name: 'Done' }).click()]);
    await page.close();

    const retrieved = await h.stripe().financialConnections.sessions.retrieve(session.id);
    assert.equal((retrieved as unknown as { status: string }).status, 'succeeded');
    assert.deepEqual(
      (retrieved.accounts.data as PreviewAccount[])
        .map((a) => `${a.display_name} ${a.last4} ${a.status}`)
        .sort(),
      ['High Yield Savings 4321 active', 'Success 6789 active'],
    );
  });
});
