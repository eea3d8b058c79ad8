import { usBankAccountWire } from '../../domain/payments/bank-account.ts';
import type { PaymentMethod } from '../../domain/payments/payment-method-store.ts';
import type { Json } from '../wire/expand.ts';

/** Stripe's `us_bank_account` PaymentMethod; its bank details are the linked account's now. */
export function renderPaymentMethod(pm: PaymentMethod): Json {
  return {
    id: pm.id,
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: pm.billingDetails,
    created: pm.created,
    customer: pm.customer,
    livemode: false,
    metadata: pm.metadata,
    type: 'us_bank_account',
    us_bank_account: usBankAccountWire(pm.usBankAccount),
  };
}
