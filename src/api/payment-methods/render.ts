import type { PaymentMethod } from '../../domain/payments/payment-methods.ts';
import type { Json } from '../wire/expand.ts';

/** Stripe's `us_bank_account` PaymentMethod; its bank details are the linked account's now. */
export function renderPaymentMethod(pm: PaymentMethod): Json {
  const bank = pm.usBankAccount;
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
    us_bank_account: {
      account_holder_type: bank.accountHolderType,
      account_type: bank.accountType,
      bank_name: bank.bankName,
      financial_connections_account: bank.financialConnectionsAccount,
      fingerprint: bank.fingerprint,
      last4: bank.last4,
      networks: { preferred: 'ach', supported: bank.supportedNetworks },
      routing_number: bank.routingNumber,
      status_details:
        bank.blocked === null ? null : { blocked: { network_code: null, reason: bank.blocked } },
    },
  };
}
