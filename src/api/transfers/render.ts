import type { Transfer } from '../../domain/balance/transfers.ts';
import type { Json } from '../wire/expand.ts';

/**
 * Stripe's Transfer. openfc reverses no transfers, so `reversals` is always empty; the funds come
 * from the platform's balance of bank-account funds (`source_type`), not from one charge.
 */
export function renderTransfer(transfer: Transfer): Json {
  return {
    id: transfer.id,
    object: 'transfer',
    amount: transfer.amount,
    amount_reversed: 0,
    balance_transaction: transfer.balanceTransaction,
    created: transfer.created,
    currency: transfer.currency,
    description: transfer.description,
    destination: transfer.destination,
    destination_payment: transfer.destinationPayment,
    livemode: false,
    metadata: transfer.metadata,
    reversals: {
      object: 'list',
      data: [],
      has_more: false,
      total_count: 0,
      url: `/v1/transfers/${transfer.id}/reversals`,
    },
    reversed: false,
    source_transaction: null,
    source_type: 'bank_account',
    transfer_group: transfer.transferGroup,
  };
}
