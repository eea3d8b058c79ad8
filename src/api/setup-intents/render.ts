import type { KeyKind } from '../../domain/merchants/service.ts';
import { microdepositType } from '../../domain/payments/microdeposits.ts';
import type { SetupAttempt } from '../../domain/payments/setup-attempts.ts';
import type { SetupIntent } from '../../domain/payments/setup-intent-store.ts';
import type { Json } from '../wire/expand.ts';

/** What Stripe shows of a SetupIntent to a publishable key (with its client secret). */
const publishableFields = [
  'id',
  'object',
  'automatic_payment_methods',
  'cancellation_reason',
  'client_secret',
  'created',
  'description',
  'last_setup_error',
  'livemode',
  'next_action',
  'payment_method',
  'payment_method_configuration_details',
  'payment_method_types',
  'status',
  'usage',
];

/** Stripe's SetupIntent; a publishable key sees only the fields Stripe shows it. */
export function renderSetupIntent(intent: SetupIntent, keyKind: KeyKind = 'secret'): Json {
  const full: Json = {
    id: intent.id,
    object: 'setup_intent',
    application: null,
    automatic_payment_methods: null,
    cancellation_reason: intent.cancellationReason,
    client_secret: intent.clientSecret,
    created: intent.created,
    customer: intent.customer,
    description: intent.description,
    flow_directions: null,
    last_setup_error: intent.lastSetupError && {
      type: 'invalid_request_error',
      code: intent.lastSetupError.code,
      message: intent.lastSetupError.message,
    },
    latest_attempt: intent.latestAttempt,
    livemode: false,
    mandate: intent.mandate,
    metadata: intent.metadata,
    next_action:
      intent.status === 'requires_action' && intent.microdeposits
        ? verifyWithMicrodeposits(intent.microdeposits.arrivalDate)
        : null,
    on_behalf_of: null,
    payment_method: intent.paymentMethod,
    payment_method_configuration_details: null,
    payment_method_options: {
      us_bank_account: { mandate_options: {}, verification_method: intent.verificationMethod },
    },
    payment_method_types: ['us_bank_account'],
    single_use_mandate: null,
    status: intent.status,
    usage: intent.usage,
  };
  if (keyKind === 'secret') return full;
  return Object.fromEntries(publishableFields.map((f) => [f, full[f]]));
}

export function renderSetupAttempt(attempt: SetupAttempt): Json {
  return {
    id: attempt.id,
    object: 'setup_attempt',
    application: null,
    attach_to_self: false,
    created: attempt.created,
    customer: attempt.customer,
    flow_directions: null,
    livemode: false,
    on_behalf_of: null,
    payment_method: attempt.paymentMethod,
    payment_method_details: { type: 'us_bank_account', us_bank_account: {} },
    setup_error: null,
    setup_intent: attempt.setupIntent,
    status: attempt.status,
    usage: attempt.usage,
  };
}

/** The next action of an intent waiting for microdeposits (SetupIntent or PaymentIntent). */
export function verifyWithMicrodeposits(arrivalDate: number): Json {
  return {
    type: 'verify_with_microdeposits',
    verify_with_microdeposits: {
      arrival_date: arrivalDate,
      // openfc serves no hosted verification page: verify through the API.
      hosted_verification_url: '',
      microdeposit_type: microdepositType,
    },
  };
}
