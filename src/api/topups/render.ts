import type { Topup } from '../../domain/balance/topups.ts';
import type { Json } from '../wire/expand.ts';

/**
 * Stripe's Topup. openfc debits the platform's bank account on file, so there is no `source`; a
 * canceled top-up expects no funds, so it has no `expected_availability_date`. openfc's sandbox
 * bank pays every top-up debit: none fails.
 */
export function renderTopup(topup: Topup): Json {
  return {
    id: topup.id,
    object: 'topup',
    amount: topup.amount,
    balance_transaction: topup.balanceTransaction,
    created: topup.created,
    currency: topup.currency,
    description: topup.description,
    expected_availability_date: topup.status === 'canceled' ? null : topup.settlesAt,
    failure_code: null,
    failure_message: null,
    initiated_by: 'user',
    livemode: false,
    metadata: topup.metadata,
    source: null,
    statement_descriptor: topup.statementDescriptor,
    status: topup.status,
    transfer_group: topup.transferGroup,
  };
}
