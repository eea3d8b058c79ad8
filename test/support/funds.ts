import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import { body } from './fc.ts';
import { advanceClock, clockNow } from './payments.ts';
import { assertSdkKinds, type Kind } from './sdk-fields.ts';

/**
 * The kinds of the fields of Stripe's Balance, Topup, Transfer and Payout as the `stripe` SDK declares
 * them (the reference schemas leave these objects out): the tests check responses against them.
 */
const balanceKinds: Record<string, readonly Kind[]> = {
  object: ['string'],
  available: ['array'],
  livemode: ['boolean'],
  pending: ['array'],
};

const topupKinds: Record<string, readonly Kind[]> = {
  id: ['string'],
  object: ['string'],
  amount: ['number'],
  balance_transaction: ['string', 'object', 'null'],
  created: ['number'],
  currency: ['string'],
  description: ['string', 'null'],
  expected_availability_date: ['number', 'null'],
  failure_code: ['string', 'null'],
  failure_message: ['string', 'null'],
  initiated_by: ['string', 'null'],
  livemode: ['boolean'],
  metadata: ['object'],
  source: ['object', 'null'],
  statement_descriptor: ['string', 'null'],
  status: ['string'],
  transfer_group: ['string', 'null'],
};

const transferKinds: Record<string, readonly Kind[]> = {
  id: ['string'],
  object: ['string'],
  amount: ['number'],
  amount_reversed: ['number'],
  balance_transaction: ['string', 'object', 'null'],
  created: ['number'],
  currency: ['string'],
  description: ['string', 'null'],
  destination: ['string', 'object', 'null'],
  destination_payment: ['string', 'object'],
  livemode: ['boolean'],
  metadata: ['object'],
  reversals: ['object'],
  reversed: ['boolean'],
  source_transaction: ['string', 'object', 'null'],
  source_type: ['string'],
  transfer_group: ['string', 'null'],
};

const payoutKinds: Record<string, readonly Kind[]> = {
  id: ['string'],
  object: ['string'],
  amount: ['number'],
  application_fee: ['string', 'object', 'null'],
  application_fee_amount: ['number', 'null'],
  arrival_date: ['number'],
  automatic: ['boolean'],
  balance_transaction: ['string', 'object', 'null'],
  created: ['number'],
  currency: ['string'],
  description: ['string', 'null'],
  destination: ['string', 'object', 'null'],
  failure_balance_transaction: ['string', 'object', 'null'],
  failure_code: ['string', 'null'],
  failure_message: ['string', 'null'],
  livemode: ['boolean'],
  metadata: ['object', 'null'],
  method: ['string'],
  original_payout: ['string', 'object', 'null'],
  payout_method: ['string', 'null'],
  reconciliation_status: ['string'],
  reversed_by: ['string', 'object', 'null'],
  source_type: ['string'],
  statement_descriptor: ['string', 'null'],
  status: ['string'],
  trace_id: ['object', 'null'],
  type: ['string'],
};

/** One currency's funds in a balance: `{ amount, currency, source_types }`, each of its declared kind. */
function assertFunds(entry: unknown): void {
  const funds = entry as Record<string, unknown>;
  assert.deepEqual(Object.keys(funds).sort(), ['amount', 'currency', 'source_types'], JSON.stringify(entry));
  assert.equal(typeof funds.amount, 'number');
  assert.equal(typeof funds.currency, 'string');
  const sources = funds.source_types as Record<string, unknown>;
  for (const [type, amount] of Object.entries(sources)) {
    assert.ok(['bank_account', 'card', 'fpx'].includes(type), `source type ${type}`);
    assert.equal(typeof amount, 'number');
  }
}

/** A Balance without `lastResponse`, checked against the SDK's declaration. */
export function checkedBalance(value: Stripe.Balance) {
  const raw = body(value);
  assertSdkKinds('balance', raw as unknown as Record<string, unknown>, balanceKinds);
  for (const entry of [...raw.available, ...raw.pending]) assertFunds(entry);
  return raw;
}

export function checkedTopup(value: Stripe.Topup) {
  const raw = body(value);
  assertSdkKinds('topup', raw as unknown as Record<string, unknown>, topupKinds);
  return raw;
}

export function checkedTransfer(value: Stripe.Transfer) {
  const raw = body(value);
  assertSdkKinds('transfer', raw as unknown as Record<string, unknown>, transferKinds);
  const reversals = raw.reversals as unknown as Record<string, unknown>;
  assert.equal(reversals.object, 'list');
  return raw;
}

export function checkedPayout(value: Stripe.Payout) {
  const raw = body(value);
  assertSdkKinds('payout', raw as unknown as Record<string, unknown>, payoutKinds);
  return raw;
}

/** `{ available, pending }` in USD of the balance a request sees, checked against the SDK. */
export async function usdFunds(stripe: Stripe, options?: Stripe.RequestOptions) {
  const balance = checkedBalance(await stripe.balance.retrieve({}, options));
  const amount = (list: Stripe.Balance.Available[]) => list.find((f) => f.currency === 'usd')?.amount;
  return { available: amount(balance.available), pending: amount(balance.pending) };
}

/** Moves the merchant's sandbox clock just past `at`: what fell due by then has happened. */
export async function reach(stripe: Stripe, at: number, options?: Stripe.RequestOptions): Promise<void> {
  const now = await clockNow(stripe, options);
  if (at >= now) await advanceClock(stripe, at - now + 1, options);
}

/** A top-up of `amount` cents, settled: its funds are available when this returns. */
export async function topUp(stripe: Stripe, amount: number): Promise<Stripe.Topup> {
  const topup = await stripe.topups.create({ amount, currency: 'usd' });
  await reach(stripe, topup.expected_availability_date as number);
  const settled = await stripe.topups.retrieve(topup.id);
  assert.equal(settled.status, 'succeeded');
  return settled;
}
