import type { BankAccountToken } from '../../domain/payouts/bank-account-tokens.ts';
import type { Json } from '../wire/expand.ts';

/** Stripe's `token` of type `bank_account`: the bank details as they were when it was made. */
export function renderToken(token: BankAccountToken): Json {
  return {
    id: token.id,
    object: 'token',
    bank_account: {
      id: token.bankAccountId,
      object: 'bank_account',
      account_holder_name: null,
      account_holder_type: token.accountHolderType,
      account_type: token.accountType,
      bank_name: token.bankName,
      country: 'US',
      currency: 'usd',
      fingerprint: token.fingerprint,
      last4: token.last4,
      routing_number: token.routingNumber,
      status: 'new',
    },
    client_ip: null,
    created: token.created,
    livemode: false,
    type: 'bank_account',
    used: token.used,
  };
}
