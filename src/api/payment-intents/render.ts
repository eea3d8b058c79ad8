import type { KeyKind } from '../../domain/merchants/service.ts';
import type { PaymentIntent } from '../../domain/payments/payment-intent-store.ts';
import { renderPaymentMethod } from '../payment-methods/render.ts';
import { verifyWithMicrodeposits } from '../setup-intents/render.ts';
import type { Json } from '../wire/expand.ts';

/** What Stripe shows of a PaymentIntent to a publishable key (with its client secret). */
const publishableFields = [
  'id',
  'object',
  'amount',
  'automatic_payment_methods',
  'canceled_at',
  'cancellation_reason',
  'capture_method',
  'client_secret',
  'confirmation_method',
  'created',
  'currency',
  'description',
  'last_payment_error',
  'livemode',
  'next_action',
  'payment_method',
  'payment_method_configuration_details',
  'payment_method_types',
  'processing',
  'receipt_email',
  'setup_future_usage',
  'shipping',
  'status',
];

function renderError(intent: PaymentIntent): Json | null {
  const error = intent.lastPaymentError;
  if (error === null) return null;
  return {
    // No charge when the microdeposits failed to verify: nothing was debited.
    ...(error.charge === null ? {} : { charge: error.charge }),
    code: error.code,
    doc_url: `https://stripe.com/docs/error-codes/${error.code.replaceAll('_', '-')}`,
    message: error.message,
    payment_method: renderPaymentMethod(error.paymentMethod),
    type: 'invalid_request_error',
  };
}

/** Stripe's PaymentIntent for a `us_bank_account` debit; a publishable key sees only its fields. */
export function renderPaymentIntent(intent: PaymentIntent, keyKind: KeyKind = 'secret'): Json {
  const full: Json = {
    id: intent.id,
    object: 'payment_intent',
    // The 2026 name of the list, next to the older one: openfc debits us_bank_account only.
    allowed_payment_method_types: ['us_bank_account'],
    amount: intent.amount,
    amount_capturable: 0,
    amount_received: intent.status === 'succeeded' ? intent.amount : 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: intent.canceledAt,
    cancellation_reason: intent.cancellationReason,
    capture_method: 'automatic',
    client_secret: intent.clientSecret,
    confirmation_method: 'automatic',
    created: intent.created,
    currency: intent.currency,
    customer: intent.customer,
    customer_account: null,
    description: intent.description,
    excluded_payment_method_types: null,
    last_payment_error: renderError(intent),
    latest_charge: intent.latestCharge,
    livemode: false,
    managed_payments: null,
    metadata: intent.metadata,
    next_action:
      intent.status === 'requires_action' && intent.microdeposits
        ? verifyWithMicrodeposits(intent.microdeposits.arrivalDate)
        : null,
    on_behalf_of: null,
    payment_method: intent.paymentMethod,
    payment_method_configuration_details: null,
    payment_method_options: { us_bank_account: { verification_method: 'automatic' } },
    payment_method_types: ['us_bank_account'],
    payment_record: null,
    processing: null,
    receipt_email: null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: intent.status,
    transfer_data: null,
    transfer_group: null,
  };
  if (keyKind === 'secret') return full;
  return Object.fromEntries(publishableFields.map((f) => [f, full[f]]));
}
