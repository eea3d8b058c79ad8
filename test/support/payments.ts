import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import {
  body,
  type CreateParams,
  completeSession,
  createSession,
  linkAccounts,
  type PreviewAccount,
  simulate,
} from './fc.ts';
import type { Harness } from './harness.ts';
import { assertSdkFields, hasSdkFields } from './sdk-fields.ts';
import { assertEventMatchesSchema, assertMatchesSchema, assertStripeError } from './stripe-schemas.ts';

export const tokenizing = 'Tokenized Account Numbers';

export const onlineAcceptance = {
  customer_acceptance: {
    type: 'online' as const,
    online: { ip_address: '203.0.113.7', user_agent: 'Mozilla/5.0 (openfc tests)' },
  },
};

/** A customer with one account linked for payments (the `payment_method` permission). */
export async function linkForPayments(
  h: Harness,
  options: { institution?: string; permissions?: CreateParams['permissions'] } = {},
) {
  const linked = await linkAccounts(h, {
    institution: options.institution,
    permissions: options.permissions ?? ['payment_method'],
    limit: 1,
  });
  return { ...linked, account: linked.accounts[0] as PreviewAccount };
}

/** The transactable numbers openfc holds for an account: what a PaymentMethod must show. */
export async function numbersOf(h: Harness, accountId: string) {
  const numbers = await h.running.services.accountNumbers.open(accountId);
  const current = numbers?.find((n) => n.status === 'transactable') ?? numbers?.[0];
  assert.ok(current, `openfc holds numbers for ${accountId}`);
  return { last4: current.accountNumber.slice(-4), routing: current.routingNumber };
}

/** A response body without the SDK's `lastResponse`, checked against Stripe's schema of `name`. */
export function checked<T extends object>(name: string, value: T): Omit<T, 'lastResponse'> {
  const raw = body(value);
  assertMatchesSchema(name, raw);
  if (hasSdkFields(name)) assertSdkFields(name, raw as Record<string, unknown>);
  return raw;
}

/** Asserts a call fails with exactly this Stripe error (status, type, code, param). */
export async function refused(
  call: Promise<unknown>,
  expected: { statusCode: number; type?: string; code?: string | undefined; param?: string | undefined },
  message?: RegExp,
): Promise<void> {
  await assert.rejects(call, (e: Stripe.errors.StripeError) => {
    const actual = {
      statusCode: e.statusCode,
      type: e.rawType,
      code: e.code,
      param: e.param,
    };
    assert.deepEqual(actual, { type: 'invalid_request_error', ...expected }, JSON.stringify(e.raw));
    assertStripeError({ error: e.raw });
    if (message) assert.match(e.message, message);
    return true;
  });
}

/** Makes a bank-side fact happen to an account through openfc's simulate test helper. */
export async function simulateAccount(h: Harness, account: string, event: string): Promise<void> {
  await simulate(h.stripe(), 'accounts', account, event);
}

/** The events about an object, oldest first, each checked against Stripe's schemas. */
export async function eventsAbout(stripe: Stripe, objectId: string): Promise<Stripe.Event[]> {
  const out: Stripe.Event[] = [];
  for await (const e of stripe.events.list({ limit: 100 })) {
    assertEventMatchesSchema(e);
    if ((e.data.object as { id: string }).id === objectId) out.push(e);
  }
  return out.reverse();
}

/** The merchant's sandbox clock now (Unix seconds). */
export async function clockNow(stripe: Stripe, options?: Stripe.RawRequestOptions): Promise<number> {
  const clock = (await stripe.rawRequest(
    'GET',
    '/v1/test_helpers/sandbox_clock',
    {},
    options,
  )) as unknown as {
    now: number;
  };
  return clock.now;
}

/** Moves the merchant's sandbox clock forward; what falls due has happened when this returns. */
export async function advanceClock(
  stripe: Stripe,
  seconds: number,
  options?: Stripe.RawRequestOptions,
): Promise<void> {
  await stripe.rawRequest('POST', '/v1/test_helpers/sandbox_clock/advance', { seconds }, options);
}

/** A SetupIntent for the account's holder, confirmed with an online mandate acceptance. */
export function setUpFromAccount(stripe: Stripe, customer: string, account: string) {
  return stripe.setupIntents.create({
    customer,
    payment_method_data: {
      type: 'us_bank_account',
      us_bank_account: { financial_connections_account: account },
    },
    confirm: true,
    mandate_data: onlineAcceptance,
  });
}

/**
 * A customer with an account linked for payments and a PaymentMethod on it, set up as the guide
 * shows: a SetupIntent confirmed with the customer's acceptance of an ACH mandate.
 */
export async function savedPaymentMethod(h: Harness, options: { institution?: string } = {}) {
  const linked = await linkForPayments(h, options);
  const setup = await setUpFromAccount(linked.stripe, linked.customer.id, linked.account.id);
  return { ...linked, paymentMethod: setup.payment_method as string, mandate: setup.mandate as string };
}

/** Relinks an account in a relink session completed for its holder; the session as it ended. */
export async function relinkAccount(
  stripe: Stripe,
  linked: { customer: { id: string }; authorization: string; account: { id: string } },
) {
  const session = await createSession(stripe, {
    account_holder: { type: 'customer', customer: linked.customer.id },
    permissions: ['payment_method'],
    relink_options: { authorization: linked.authorization, account: linked.account.id },
  });
  return completeSession(stripe, session.id);
}

/** A PaymentIntent as openfc renders every field a `us_bank_account` debit leaves empty. */
export function intentBody(fields: Partial<Stripe.PaymentIntent> & { id: string }) {
  return {
    object: 'payment_intent',
    allowed_payment_method_types: ['us_bank_account'],
    amount_capturable: 0,
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic',
    confirmation_method: 'automatic',
    currency: 'usd',
    customer: null,
    customer_account: null,
    description: null,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    metadata: {},
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: { us_bank_account: { verification_method: 'automatic' } },
    payment_method_types: ['us_bank_account'],
    payment_record: null,
    processing: null,
    receipt_email: null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    transfer_data: null,
    transfer_group: null,
    ...fields,
  };
}
