import type { FeeDetail, NewBalanceTransaction } from '../balance/balance-transactions.ts';
import type { Charge } from './charges.ts';
import { afterBusinessDays } from './payment-intent-rules.ts';

/** Stripe's ACH Direct Debit pricing: 0.8% of the amount, at most $5.00. */
const feeRate = 0.008;
const feeCap = 500;

/** Business days after a debit succeeds before its funds are available in the balance. */
export const availabilityDays = 2;

/** Stripe's fee on a successful ACH Direct Debit of `amount` cents, rounded to the cent. */
export function achDirectDebitFee(amount: number): number {
  return Math.min(Math.round(amount * feeRate), feeCap);
}

/**
 * When the funds of a debit that succeeded at `succeededAt` become available: at the start (UTC)
 * of the day `availabilityDays` business days later, as Stripe dates `available_on`.
 */
export function availableOn(succeededAt: number): number {
  const at = afterBusinessDays(succeededAt, availabilityDays);
  return at - (at % 86_400);
}

/** What a succeeded ACH charge adds to the merchant's balance: its amount less Stripe's fee. */
export function chargeFunds(charge: Charge, succeededAt: number): NewBalanceTransaction {
  const fee: FeeDetail = {
    amount: achDirectDebitFee(charge.amount),
    currency: charge.currency,
    description: 'Stripe processing fees',
    type: 'stripe_fee',
  };
  return {
    type: 'charge',
    reportingCategory: 'charge',
    source: charge.id,
    amount: charge.amount,
    currency: charge.currency,
    feeDetails: [fee],
    availableOn: availableOn(succeededAt),
    description: charge.description,
  };
}
