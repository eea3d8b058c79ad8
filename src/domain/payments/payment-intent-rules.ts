import { invalidRequest } from '../errors.ts';
import type { BlockedReason } from './bank-account.ts';

/** The states a `us_bank_account` PaymentIntent goes through (no card-only states). */
export type PaymentIntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'succeeded'
  | 'canceled';

export type PaymentIntentAction = 'confirm' | 'update' | 'cancel' | 'verify';

/**
 * What each state allows. An ACH debit once sent to the bank cannot be called back: a
 * processing PaymentIntent can be neither changed nor canceled, only settled.
 */
const allowed: Record<PaymentIntentStatus, ReadonlySet<PaymentIntentAction>> = {
  requires_payment_method: new Set(['confirm', 'update', 'cancel']),
  requires_confirmation: new Set(['confirm', 'update', 'cancel']),
  // Waiting for microdeposits: only their verification goes on, or the PaymentIntent is canceled.
  requires_action: new Set(['verify', 'cancel']),
  processing: new Set(),
  succeeded: new Set(),
  canceled: new Set(),
};

export function allows(status: PaymentIntentStatus, action: PaymentIntentAction): boolean {
  return allowed[status].has(action);
}

export function unexpectedState(action: PaymentIntentAction, status: string) {
  return invalidRequest(
    `You cannot ${action} this PaymentIntent because it has a status of ${status}.`,
    undefined,
    'payment_intent_unexpected_state',
  );
}

/** Stripe's smallest and largest USD amounts, in cents. */
export const minimumAmount = 50;
export const maximumAmount = 99_999_999;

export function checkAmount(amount: number): void {
  if (amount < minimumAmount) {
    throw invalidRequest('Amount must be at least $0.50 usd', 'amount', 'amount_too_small');
  }
  if (amount > maximumAmount) {
    throw invalidRequest('Amount must be no more than $999,999.99 usd', 'amount', 'amount_too_large');
  }
}

/** ACH debits settle after this many business days unless configured otherwise. */
export const defaultSettlementDays = 4;

/**
 * The moment `days` business days (Monday to Friday, UTC) after `from`: ACH moves on banking
 * days, so a debit sent on a Friday settles later in the week after.
 */
export function afterBusinessDays(from: number, days: number): number {
  let at = from;
  let left = days;
  while (left > 0) {
    at += 86_400;
    const weekday = new Date(at * 1000).getUTCDay();
    if (weekday !== 0 && weekday !== 6) left--;
  }
  return at;
}

/** Why the bank returned a debit, as Stripe names it on the charge and the PaymentIntent's error. */
export type DebitFailure =
  | 'account_closed'
  | 'bank_account_unusable'
  | 'no_account'
  | 'insufficient_funds'
  | 'debit_not_authorized'
  | 'payment_method_currency_mismatch';

export function failureOf(blocked: BlockedReason): { code: DebitFailure; message: string } {
  if (blocked === 'bank_account_closed') {
    return {
      code: 'account_closed',
      message: "The customer's bank account has been closed.",
    };
  }
  return {
    code: 'bank_account_unusable',
    message:
      blocked === 'tokenized_account_number_deactivated'
        ? "The customer's tokenized account number was deactivated before the debit settled. Relink the account to get new account numbers."
        : "The customer's bank account cannot be used for ACH debits.",
  };
}
