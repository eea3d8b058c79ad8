import type { BalanceTransaction } from '../../domain/balance/balance-transactions.ts';
import type { Json } from '../wire/expand.ts';

/** Stripe's BalanceTransaction. openfc converts no currencies, so `exchange_rate` is null. */
export function renderBalanceTransaction(txn: BalanceTransaction): Json {
  return {
    id: txn.id,
    object: 'balance_transaction',
    amount: txn.amount,
    available_on: txn.availableOn,
    balance_type: 'payments',
    created: txn.created,
    currency: txn.currency,
    description: txn.description,
    exchange_rate: null,
    fee: txn.fee,
    fee_details: txn.feeDetails.map((f) => ({
      amount: f.amount,
      application: null,
      currency: f.currency,
      description: f.description,
      type: f.type,
    })),
    net: txn.net,
    reporting_category: txn.reportingCategory,
    source: txn.source,
    status: txn.status,
    type: txn.type,
  };
}
