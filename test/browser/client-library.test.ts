import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import type Stripe from 'stripe';
import { backends } from '../support/backends.ts';
import { launchBrowser, type TestBrowser } from '../support/browser.ts';
import { body, createSession } from '../support/fc.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { flowFrameSelector, openFlow, settled, startMerchantPage } from '../support/merchant-page.ts';
import { assertMatchesSchema } from '../support/stripe-schemas.ts';

// One backend: the browser side does not depend on the storage behind the API.
const backend = backends[0];

describe('openfc.js on a merchant page of another origin', () => {
  let h: Harness;
  let browser: TestBrowser;
  let merchant: { url: string; close(): Promise<void> };
  let page: Page;

  before(async () => {
    h = await startHarness(backend as (typeof backends)[number]);
    merchant = await startMerchantPage(h.url);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await merchant?.close();
    await h?.close();
  });

  async function newSession() {
    const stripe = h.stripe();
    const customer = await stripe.customers.create({ email: 'holder@example.com' });
    return createSession(stripe, {
      account_holder: { type: 'customer', customer: customer.id },
      permissions: ['payment_method', 'balances'],
    });
  }

  test('the modal frames /flow/ without the secret, and the secret reaches the flow by postMessage only', async () => {
    page = await browser.context.newPage();
    await page.goto(merchant.url);
    assert.equal(await page.evaluate('typeof window.OpenFC'), 'function');
    const session = await newSession();
    const clientSecret = session.client_secret as string;

    const frameRequest = page.waitForRequest(
      (r) => r.url().startsWith(`${h.url}/flow/`) && r.resourceType() === 'document',
    );
    const sessionRequest = page.waitForRequest((r) => r.url() === `${h.url}/flow/v1/session`);
    await openFlow(page, { publishableKey: h.publishableKey, clientSecret });

    assert.equal((await frameRequest).url(), `${h.url}/flow/`);
    const dialog = page.getByRole('dialog', { name: 'Connect your bank account' });
    await dialog.waitFor();
    assert.equal(await page.locator(flowFrameSelector).getAttribute('src'), `${h.url}/flow/`);

    // The flow's first call carries what openfc:init handed over, in its body: never in a URL.
    const request = await sessionRequest;
    assert.equal(request.method(), 'POST');
    assert.equal(new URLSearchParams(request.postData() ?? '').get('client_secret'), clientSecret);
    assert.equal(request.headers().authorization, `Bearer ${h.publishableKey}`);

    // Focus is on the flow; focus that leaves for the page behind the modal comes back.
    assert.equal(await page.evaluate('document.activeElement?.tagName'), 'IFRAME');
    await page.evaluate("document.getElementById('connect').focus()");
    assert.equal(await page.evaluate('document.activeElement?.tagName'), 'IFRAME');

    // A message that does not come from the flow's frame and origin is ignored.
    await page.evaluate("window.postMessage({ type: 'openfc:done', session: { id: 'fcsess_forged' } }, '*')");
    await page.waitForTimeout(200);
    assert.equal(
      await page.evaluate(
        "Promise.race([window.result.then(() => 'settled'), new Promise((r) => setTimeout(() => r('pending'), 100))])",
      ),
      'pending',
    );
    await page.close();
  });

  test('OpenFC() loads the flow hidden ahead of use; the call shows that same frame', async () => {
    page = await browser.context.newPage();
    await page.goto(merchant.url);
    const session = await newSession();
    await page.evaluate((pk) => {
      (globalThis as unknown as { openfc: unknown }).openfc = (
        globalThis as unknown as { OpenFC(pk: string): unknown }
      ).OpenFC(pk);
    }, h.publishableKey);
    const hidden = page.locator('iframe[title="Connect your bank account"]');
    await hidden.waitFor({ state: 'attached' });
    assert.equal(await hidden.isVisible(), false);
    assert.equal(await page.getByRole('dialog').count(), 0);
    // The loaded frame is the one the flow then runs in: nothing is loaded again.
    await hidden.evaluate((frame) => frame.setAttribute('data-marked', 'yes'));
    await page.waitForTimeout(300);
    await page.evaluate((clientSecret) => {
      const g = globalThis as unknown as {
        openfc: { collectFinancialConnectionsAccounts(o: { clientSecret: string }): Promise<unknown> };
        result: Promise<unknown>;
      };
      g.result = g.openfc.collectFinancialConnectionsAccounts({ clientSecret });
    }, session.client_secret as string);
    await page.frameLocator(flowFrameSelector).getByRole('button', { name: 'Agree and continue' }).waitFor();
    assert.equal(await page.locator(flowFrameSelector).getAttribute('data-marked'), 'yes');
    await page.close();
  });

  test('openfc.mjs imports from the merchant origin, exporting OpenFC as default and by name', async () => {
    page = await browser.context.newPage();
    await page.goto(merchant.url);
    const exported = await page.evaluate(async (url) => {
      const module = await import(url);
      return { default: typeof module.default, same: module.default === module.OpenFC };
    }, `${h.url}/js/v1/openfc.mjs`);
    assert.deepEqual(exported, { default: 'function', same: true });
    await page.close();
  });

  test('a malformed client secret resolves with an error and opens nothing', async () => {
    page = await browser.context.newPage();
    await page.goto(merchant.url);
    const { result } = await openFlow(page, {
      publishableKey: h.publishableKey,
      clientSecret: 'not-a-secret',
    });
    assert.deepEqual(await result(), {
      error: {
        type: 'invalid_request_error',
        message: "collectFinancialConnectionsAccounts: pass the session's client_secret as clientSecret.",
      },
    });
    assert.equal(await page.locator(flowFrameSelector).count(), 0);
    await page.close();
  });

  test('an unreachable openfc resolves with api_connection_error', async () => {
    page = await browser.context.newPage();
    await page.goto(merchant.url);
    const outcome = await page.evaluate(
      "OpenFC(window.pk, { apiBase: 'http://127.0.0.1:9' }).collectFinancialConnectionsAccounts({ clientSecret: 'fcsess_abc_secret_def' })".replace(
        'window.pk',
        JSON.stringify(h.publishableKey),
      ),
    );
    assert.deepEqual(outcome, {
      error: { type: 'api_connection_error', message: 'Could not reach openfc at http://127.0.0.1:9.' },
    });
    assert.equal(await page.locator(flowFrameSelector).count(), 0);
    await page.close();
  });

  /** Calls `collectBankAccountToken` on the page; the returned function waits for what it resolved with. */
  async function collectToken(clientSecret: string) {
    page = await browser.context.newPage();
    await page.goto(merchant.url);
    await page.evaluate(
      ({ pk, secret }) => {
        const g = globalThis as unknown as {
          OpenFC(pk: string): { collectBankAccountToken(o: { clientSecret: string }): Promise<unknown> };
          result: Promise<unknown>;
        };
        g.result = g.OpenFC(pk).collectBankAccountToken({ clientSecret: secret });
      },
      { pk: h.publishableKey, secret: clientSecret },
    );
    const frame = page.frameLocator(flowFrameSelector);
    await frame.getByRole('button', { name: 'Agree and continue' }).click();
    await frame.getByRole('button', { name: 'Test Institution', exact: true }).click();
    await frame.getByRole('button', { name: 'Continue' }).click();
    // A session for payouts links one account: the picker offers a choice of one.
    await frame.getByRole('radio', { name: 'Success ••••6789' }).check();
    await frame.getByRole('button', { name: 'Link accounts' }).click();
    await frame.getByRole('button', { name: 'Done' }).click();
    return settled(page);
  }

  test('collectBankAccountToken resolves with the session and a bank account token the platform attaches', async () => {
    const stripe = h.stripe();
    const shop = await stripe.accounts.create({ type: 'custom' });
    const session = await createSession(stripe, {
      account_holder: { type: 'account', account: shop.id },
      permissions: ['payment_method'],
      limits: { accounts: 1 },
    });
    const outcome = await collectToken(session.client_secret as string);
    assert.deepEqual(
      Object.keys(outcome).sort(),
      ['financialConnectionsSession', 'token'],
      JSON.stringify(outcome),
    );
    const resolved = outcome.financialConnectionsSession as Stripe.FinancialConnections.Session;
    assertMatchesSchema('financial_connections.session', resolved);
    assert.deepEqual(resolved, (await h.fetch(`/v1/financial_connections/sessions/${session.id}`)).body);
    assert.equal(resolved.accounts.data.length, 1);
    const token = outcome.token as Stripe.Token;
    assert.deepEqual(token, body(await stripe.tokens.retrieve(token.id)));
    assert.equal(token.used, false);
    assert.equal(token.bank_account?.last4, resolved.accounts.data[0]?.last4);
    const external = await stripe.accounts.createExternalAccount(shop.id, { external_account: token.id });
    assert.equal(external.id, token.bank_account?.id);
    await page.close();
  });

  test('collectBankAccountToken on an account linked without payment_method resolves with Stripe’s error', async () => {
    const stripe = h.stripe();
    const shop = await stripe.accounts.create({ type: 'custom' });
    const session = await createSession(stripe, {
      account_holder: { type: 'account', account: shop.id },
      permissions: ['balances'],
      limits: { accounts: 1 },
    });
    const outcome = await collectToken(session.client_secret as string);
    const error = outcome.error as { type: string; code: string; param: string; message: string };
    assert.deepEqual(
      { type: error?.type, code: error?.code, param: error?.param },
      { type: 'invalid_request_error', code: 'payment_method_invalid_parameter', param: 'account' },
      JSON.stringify(outcome),
    );
    assert.match(error.message, /payment_method permission/);
    await page.close();
  });
});
