import type { Mandate } from '../../domain/payments/mandates.ts';
import type { Json } from '../wire/expand.ts';

/** Stripe's multi-use `us_bank_account` mandate. */
export function renderMandate(mandate: Mandate): Json {
  return {
    id: mandate.id,
    object: 'mandate',
    customer_acceptance: mandate.customerAcceptance,
    livemode: false,
    multi_use: {},
    payment_method: mandate.paymentMethod,
    payment_method_details: { type: 'us_bank_account', us_bank_account: {} },
    status: mandate.status,
    type: 'multi_use',
  };
}
