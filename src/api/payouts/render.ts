import type { Payout } from '../../domain/payouts/payouts.ts';
import type { Json } from '../wire/expand.ts';

/**
 * Stripe's Payout. openfc's payouts are made by request (`automatic: false`, so there is nothing
 * to reconcile), by the standard method, from the balance of bank-account funds, to a bank
 * account; none is reversed. The bank gives no trace id: pending while the payout moves,
 * `unsupported` once it has ended.
 */
export function renderPayout(payout: Payout): Json {
  const moving = payout.status === 'pending' || payout.status === 'in_transit';
  return {
    id: payout.id,
    object: 'payout',
    amount: payout.amount,
    application_fee: null,
    application_fee_amount: null,
    arrival_date: payout.arrivalDate,
    automatic: false,
    balance_transaction: payout.balanceTransaction,
    created: payout.created,
    currency: payout.currency,
    description: payout.description,
    destination: payout.destination,
    failure_balance_transaction: payout.failureBalanceTransaction,
    failure_code: payout.failureCode,
    failure_message: payout.failureMessage,
    livemode: false,
    metadata: payout.metadata,
    method: payout.method,
    original_payout: null,
    payout_method: null,
    reconciliation_status: 'not_applicable',
    reversed_by: null,
    source_type: 'bank_account',
    statement_descriptor: payout.statementDescriptor,
    status: payout.status,
    trace_id: { status: moving ? 'pending' : 'unsupported', value: null },
    type: 'bank_account',
  };
}
