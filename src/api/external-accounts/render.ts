import type { ExternalAccount } from '../../domain/payouts/external-account-store.ts';
import type { Json } from '../wire/expand.ts';

const nothingDue = { currently_due: [], errors: [], past_due: [], pending_verification: [] };

/** Stripe's `bank_account` as an external account of a connected account. */
export function renderExternalAccount(external: ExternalAccount): Json {
  return {
    id: external.id,
    object: 'bank_account',
    account: external.accountId,
    account_holder_name: external.accountHolderName,
    account_holder_type: external.accountHolderType,
    account_type: external.accountType,
    available_payout_methods: ['standard'],
    bank_name: external.bankName,
    country: 'US',
    currency: external.currency,
    default_for_currency: external.defaultForCurrency,
    fingerprint: external.fingerprint,
    future_requirements: nothingDue,
    last4: external.last4,
    metadata: external.metadata,
    requirements: nothingDue,
    routing_number: external.routingNumber,
    status: external.status,
  };
}
