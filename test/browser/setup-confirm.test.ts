import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { backends } from '../support/backends.ts';
import {
  assertAccessible,
  launchBrowser,
  pressEscapeToClose,
  saveScreenshots,
  type TestBrowser,
} from '../support/browser.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { confirmSetup, mandateFrameSelector, startMerchantPage } from '../support/merchant-page.ts';
import { checked, linkForPayments, numbersOf } from '../support/payments.ts';

// One backend: the browser side does not depend on the storage behind the API.
const backend = backends[0];

describe('openfc.confirmUsBankAccountSetup on a merchant page of another origin', () => {
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

  /** A SetupIntent made server-side with the SDK, its PaymentMethod built on a freshly linked account. */
  async function setupIntent() {
    const { stripe, customer, account } = await linkForPayments(h);
    const intent = await stripe.setupIntents.create({
      customer: customer.id,
      payment_method_data: {
        type: 'us_bank_account',
        us_bank_account: { financial_connections_account: account.id },
      },
    });
    assert.equal(intent.status, 'requires_confirmation');
    const paymentMethod = await stripe.paymentMethods.retrieve(intent.payment_method as string);
    return { stripe, customer, account, intent, paymentMethod };
  }

  async function merchantPage() {
    page = await browser.context.newPage();
    await page.goto(merchant.url);
    return page;
  }

  test('the mandate names the merchant and the account; Accept confirms with an online acceptance from this browser', async () => {
    const { stripe, account, intent, paymentMethod } = await setupIntent();
    const { last4 } = await numbersOf(h, account.id);
    const bankName = paymentMethod.us_bank_account?.bank_name as string;
    const merchantName = h.running.merchant.name;
    await merchantPage();
    const userAgent = (await page.evaluate('navigator.userAgent')) as string;

    const confirmRequest = page.waitForRequest((r) => r.url().endsWith('/confirm'));
    const { frame, result } = await confirmSetup(page, {
      publishableKey: h.publishableKey,
      clientSecret: intent.client_secret as string,
    });
    await page.getByRole('dialog', { name: 'Authorize debits from your bank account' }).waitFor();
    const heading = frame.getByRole('heading', { name: 'Authorize debits from your bank account' });
    await heading.waitFor();
    const text = ((await frame.locator('main').textContent()) ?? '').replace(/\s+/g, ' ');
    assert.ok(text.includes(`${bankName} ••••${last4}`), text);
    assert.ok(
      text.includes(
        `By clicking Accept, you authorize ${merchantName} to debit the bank account specified above`,
      ),
      text,
    );
    assert.ok(text.includes(`providing notice to ${merchantName} with 30 (thirty) days notice`), text);

    const handle = await page.waitForSelector(mandateFrameSelector);
    const mandateFrame = await handle.contentFrame();
    assert.ok(mandateFrame);
    await assertAccessible(mandateFrame, 'mandate screen');
    await saveScreenshots(page, 'setup-mandate');

    await frame.getByRole('button', { name: 'Accept' }).click();
    const outcome = await result();
    const request = await confirmRequest;
    assert.equal(request.url(), `${h.url}/v1/setup_intents/${intent.id}/confirm`);
    assert.equal(request.headers().authorization, `Bearer ${h.publishableKey}`);
    assert.deepEqual(Object.fromEntries(new URLSearchParams(request.postData() ?? '')), {
      client_secret: intent.client_secret,
      'mandate_data[customer_acceptance][type]': 'online',
      'mandate_data[customer_acceptance][online][infer_from_client]': 'true',
    });

    const seen = checked('setup_intent', outcome.setupIntent as object);
    assert.deepEqual(seen, {
      id: intent.id,
      object: 'setup_intent',
      automatic_payment_methods: null,
      cancellation_reason: null,
      client_secret: intent.client_secret,
      created: intent.created,
      description: null,
      last_setup_error: null,
      livemode: false,
      next_action: null,
      payment_method: paymentMethod.id,
      payment_method_configuration_details: null,
      payment_method_types: ['us_bank_account'],
      status: 'succeeded',
      usage: 'off_session',
    });
    assert.deepEqual(Object.keys(outcome), ['setupIntent']);
    assert.equal(await page.locator(mandateFrameSelector).count(), 0);

    // The server sees what a server-side confirmation gives: a mandate accepted online, by this browser.
    const confirmed = checked('setup_intent', await stripe.setupIntents.retrieve(intent.id));
    assert.equal(confirmed.status, 'succeeded');
    const mandate = checked('mandate', await stripe.mandates.retrieve(confirmed.mandate as string));
    const acceptedAt = (mandate.customer_acceptance as { accepted_at: number }).accepted_at;
    assert.deepEqual(mandate, {
      ...mandate,
      payment_method: paymentMethod.id,
      status: 'active',
      type: 'multi_use',
      customer_acceptance: {
        type: 'online',
        accepted_at: acceptedAt,
        online: { ip_address: '127.0.0.1', user_agent: userAgent },
      },
    });
    await page.close();
  });

  test('Cancel leaves the SetupIntent as it was, and resolves with it', async () => {
    const { stripe, intent } = await setupIntent();
    await merchantPage();
    const { frame, result } = await confirmSetup(page, {
      publishableKey: h.publishableKey,
      clientSecret: intent.client_secret as string,
    });
    await frame.getByRole('button', { name: 'Cancel' }).click();
    const outcome = (await result()) as { setupIntent: Record<string, unknown> };
    assert.deepEqual(Object.keys(outcome), ['setupIntent']);
    assert.deepEqual(
      [outcome.setupIntent.id, outcome.setupIntent.status, outcome.setupIntent.payment_method],
      [intent.id, 'requires_confirmation', intent.payment_method],
    );
    assert.equal(await page.locator(mandateFrameSelector).count(), 0);
    const after = await stripe.setupIntents.retrieve(intent.id);
    assert.deepEqual([after.status, after.mandate], ['requires_confirmation', null]);

    // Escape closes the same way; the SetupIntent can still be confirmed after.
    const again = await confirmSetup(page, {
      publishableKey: h.publishableKey,
      clientSecret: intent.client_secret as string,
    });
    await again.frame.getByRole('button', { name: 'Accept' }).waitFor();
    // The screen takes the keyboard once its heading has focus (its Escape handler is set by then);
    // until then a key would reach the merchant's page instead.
    await again.frame.locator('h1:focus').waitFor();
    const closed = await pressEscapeToClose(page, again.result);
    assert.equal((closed.setupIntent as { status: string }).status, 'requires_confirmation');
    const last = await confirmSetup(page, {
      publishableKey: h.publishableKey,
      clientSecret: intent.client_secret as string,
    });
    await last.frame.getByRole('button', { name: 'Accept' }).click();
    assert.equal(((await last.result()).setupIntent as { status: string }).status, 'succeeded');
    await page.close();
  });

  test('data.payment_method confirms a SetupIntent that has none with that PaymentMethod', async () => {
    const { stripe, customer, account } = await linkForPayments(h);
    const paymentMethod = await stripe.paymentMethods.create({
      type: 'us_bank_account',
      us_bank_account: { financial_connections_account: account.id },
    });
    const bare = await stripe.setupIntents.create({ customer: customer.id });
    const { last4 } = await numbersOf(h, account.id);
    await merchantPage();
    const confirmRequest = page.waitForRequest((r) => r.url().endsWith('/confirm'));
    const { frame, result } = await confirmSetup(page, {
      publishableKey: h.publishableKey,
      clientSecret: bare.client_secret as string,
      data: { payment_method: paymentMethod.id },
    });
    await frame.getByText(`••••${last4}`).waitFor();
    await frame.getByRole('button', { name: 'Accept' }).click();
    const outcome = (await result()) as { setupIntent: Record<string, unknown> };
    assert.deepEqual(
      [outcome.setupIntent.status, outcome.setupIntent.payment_method],
      ['succeeded', paymentMethod.id],
    );
    assert.equal(
      new URLSearchParams((await confirmRequest).postData() ?? '').get('payment_method'),
      paymentMethod.id,
    );
    const confirmed = await stripe.setupIntents.retrieve(bare.id);
    assert.equal(confirmed.payment_method, paymentMethod.id);
    assert.equal((await stripe.paymentMethods.retrieve(paymentMethod.id)).customer, customer.id);
    await page.close();
  });

  test("another merchant's client secret, a SetupIntent without a payment method, and a malformed secret resolve with errors", async () => {
    const { stripe, customer, intent } = await setupIntent();
    const other = await h.otherMerchant();
    await merchantPage();

    const foreign = await confirmSetup(page, {
      publishableKey: other.publishableKey,
      clientSecret: intent.client_secret as string,
    });
    assert.deepEqual(await foreign.result(), {
      error: {
        type: 'invalid_request_error',
        code: 'resource_missing',
        param: 'intent',
        message: `No such setupintent: '${intent.id}'`,
      },
    });
    assert.equal(await page.locator(mandateFrameSelector).count(), 0);
    assert.equal((await stripe.setupIntents.retrieve(intent.id)).status, 'requires_confirmation');

    const bare = await stripe.setupIntents.create({ customer: customer.id });
    const missing = await confirmSetup(page, {
      publishableKey: h.publishableKey,
      clientSecret: bare.client_secret as string,
    });
    assert.deepEqual(await missing.result(), {
      error: {
        type: 'invalid_request_error',
        code: 'setup_intent_unexpected_state',
        message:
          "You cannot confirm this SetupIntent because it's missing a payment method. Update it with a payment method, or confirm it with payment_method or payment_method_data.",
      },
    });
    assert.equal((await stripe.setupIntents.retrieve(bare.id)).status, 'requires_payment_method');

    const malformed = await confirmSetup(page, { publishableKey: h.publishableKey, clientSecret: 'nope' });
    assert.deepEqual(await malformed.result(), {
      error: {
        type: 'invalid_request_error',
        message: "confirmUsBankAccountSetup: pass the SetupIntent's client_secret as the first argument.",
      },
    });
    assert.equal(await page.locator(mandateFrameSelector).count(), 0);
    await page.close();
  });
});
