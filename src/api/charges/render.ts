import type { Charge } from '../../domain/payments/charges.ts';
import type { Json } from '../wire/expand.ts';

const emptyAddress = { city: null, country: null, line1: null, line2: null, postal_code: null, state: null };

/**
 * Stripe's Charge for an ACH debit, kept to what a PaymentIntent needs: openfc has no refunds or
 * disputes, so those fields are empty.
 */
export function renderCharge(charge: Charge): Json {
  const debited = charge.debited;
  return {
    id: charge.id,
    object: 'charge',
    amount: charge.amount,
    amount_captured: charge.status === 'succeeded' ? charge.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: charge.balanceTransaction,
    billing_details: { address: emptyAddress, email: null, name: null, phone: null },
    calculated_statement_descriptor: null,
    captured: charge.status === 'succeeded',
    created: charge.created,
    currency: charge.currency,
    customer: charge.customer,
    description: charge.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: charge.failureCode,
    failure_message: charge.failureMessage,
    fraud_details: {},
    livemode: false,
    metadata: {},
    on_behalf_of: null,
    outcome: null,
    paid: charge.status === 'succeeded',
    payment_intent: charge.paymentIntent,
    payment_method: charge.paymentMethod,
    payment_method_details: {
      type: 'us_bank_account',
      us_bank_account: {
        account_holder_type: debited.accountHolderType,
        account_type: debited.accountType,
        bank_name: debited.bankName,
        fingerprint: debited.fingerprint,
        last4: debited.last4,
        mandate: charge.mandate,
        payment_reference: null,
        routing_number: debited.routingNumber,
      },
    },
    receipt_email: null,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: charge.status,
    transfer_data: null,
    transfer_group: null,
  };
}
