import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import { body, type CreateParams, linkAccounts, type PreviewAccount } from './fc.ts';
import type { Harness } from './harness.ts';
import { assertMatchesSchema, assertStripeError } from './stripe-schemas.ts';

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
