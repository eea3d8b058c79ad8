import type { FundsByStatus } from '../../domain/balance/balance-transactions.ts';
import type { Json } from '../wire/expand.ts';

/**
 * The funds of one currency in one state. openfc's funds all come from and go to bank accounts
 * (ACH debits, top-ups), so they are all of the `bank_account` source type.
 */
function amountOf(amount: number, currency: string): Json {
  return { amount, currency, source_types: { bank_account: amount } };
}

/**
 * Stripe's Balance: available and pending funds per currency. An account that has moved no funds
 * shows zero in its default currency, as Stripe shows a new account's.
 */
export function renderBalance(funds: readonly FundsByStatus[]): Json {
  const shown = funds.length > 0 ? funds : [{ currency: 'usd', available: 0, pending: 0 }];
  return {
    object: 'balance',
    available: shown.map((f) => amountOf(f.available, f.currency)),
    livemode: false,
    pending: shown.map((f) => amountOf(f.pending, f.currency)),
  };
}
