import { createHash } from 'node:crypto';
import type { AccountNumbers } from '../../bank/connector.ts';
import { ApiError, invalidRequest } from '../errors.ts';
import type { FcAccount } from '../financial-connections/types.ts';

/** Why a `us_bank_account` PaymentMethod cannot be debited now (Stripe's 2026 reason list). */
export type BlockedReason =
  | 'bank_account_closed'
  | 'bank_account_unusable'
  | 'tokenized_account_number_deactivated';

export type AccountHolderType = 'individual' | 'company';
export type BankAccountType = 'checking' | 'savings';

/** What a PaymentMethod shows of the bank account under it, read from the linked account now. */
export interface UsBankAccountView {
  accountHolderType: AccountHolderType;
  accountType: BankAccountType | null;
  bankName: string | null;
  /** The linked account it pays from; null for numbers entered by hand. */
  financialConnectionsAccount: string | null;
  fingerprint: string;
  last4: string | null;
  routingNumber: string | null;
  supportedNetworks: Array<'ach'>;
  blocked: BlockedReason | null;
}

/** The number payments use: a transactable one when the account has one. */
function currentNumber(numbers: readonly AccountNumbers[] | null): AccountNumbers | undefined {
  return numbers?.find((n) => n.status === 'transactable') ?? numbers?.[0];
}

function blockedReason(account: FcAccount, numbers: readonly AccountNumbers[] | null): BlockedReason | null {
  if (account.statusDetails.inactive?.cause === 'account_closed') return 'bank_account_closed';
  if (!numbers || numbers.length === 0 || numbers.some((n) => n.status === 'transactable')) return null;
  return numbers.some((n) => n.identifierType === 'tokenized_account_number')
    ? 'tokenized_account_number_deactivated'
    : 'bank_account_unusable';
}

/**
 * The same bank account gives the same fingerprint for a merchant whatever numbers the bank
 * issues for it: tokenized numbers change on every relink, the account behind them does not.
 */
function fingerprintOf(merchantId: string, account: FcAccount): string {
  return createHash('sha256')
    .update(`${merchantId}\0${account.institutionId}\0${account.bankAccountKey}`)
    .digest('base64url')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 16);
}

export function viewOf(
  merchantId: string,
  account: FcAccount,
  numbers: readonly AccountNumbers[] | null,
  chosen: { accountHolderType: AccountHolderType; accountType: BankAccountType | null },
): UsBankAccountView {
  const number = currentNumber(numbers);
  const subcategory = account.subcategory;
  return {
    accountHolderType: chosen.accountHolderType,
    accountType:
      chosen.accountType ?? (subcategory === 'checking' || subcategory === 'savings' ? subcategory : null),
    bankName: account.institutionName,
    financialConnectionsAccount: account.id,
    fingerprint: fingerprintOf(merchantId, account),
    last4: number ? number.accountNumber.slice(-4) : account.last4,
    routingNumber: number?.routingNumber ?? null,
    supportedNetworks: number?.supportedNetworks ?? ['ach'],
    blocked: blockedReason(account, numbers),
  };
}

/**
 * Refuses, as Stripe does, an account a new PaymentMethod (or a confirmation) cannot be built
 * on; `param` names where the caller gave the account.
 */
export function checkPayable(account: FcAccount, numbers: readonly AccountNumbers[] | null, param: string) {
  if (!account.permissions.includes('payment_method')) {
    throw invalidRequest(
      `The Financial Connections account '${account.id}' was not linked with the payment_method permission. Link it in a session whose permissions include payment_method.`,
      param,
      'payment_method_invalid_parameter',
    );
  }
  if (account.status !== 'active') {
    throw invalidRequest(
      `The Financial Connections account '${account.id}' is ${account.status}: a PaymentMethod needs an active account. Relink it to restore access.`,
      param,
      'financial_connections_account_inactive',
    );
  }
  if (!account.supportedPaymentMethodTypes.includes('us_bank_account')) {
    throw new ApiError({
      status: 400,
      type: 'invalid_request_error',
      code: 'bank_account_unusable',
      message: `The bank account of the Financial Connections account '${account.id}' cannot be used for us_bank_account payments. Use a different bank account.`,
      param,
    });
  }
  if (!numbers?.some((n) => n.status === 'transactable')) {
    throw invalidRequest(
      `The Financial Connections account '${account.id}' has no account numbers that can be used for payments now. Relink the account to get new account numbers.`,
      param,
      'financial_connections_account_unavailable_account_numbers',
    );
  }
}

/** The view as Stripe's `us_bank_account` hash names it (also what events show as previous values). */
export function usBankAccountWire(bank: UsBankAccountView): Record<string, unknown> {
  return {
    account_holder_type: bank.accountHolderType,
    account_type: bank.accountType,
    bank_name: bank.bankName,
    financial_connections_account: bank.financialConnectionsAccount,
    fingerprint: bank.fingerprint,
    last4: bank.last4,
    networks: { preferred: 'ach', supported: bank.supportedNetworks },
    routing_number: bank.routingNumber,
    status_details: bank.blocked === null ? null : { blocked: { network_code: null, reason: bank.blocked } },
  };
}

/** The fields of `before` that differ in `after`, with their old values; undefined when none. */
export function previousBankFields(
  before: UsBankAccountView,
  after: UsBankAccountView,
): Record<string, unknown> | undefined {
  const old = usBankAccountWire(before);
  const now = usBankAccountWire(after);
  const changed = Object.keys(old).filter((k) => JSON.stringify(old[k]) !== JSON.stringify(now[k]));
  return changed.length === 0 ? undefined : Object.fromEntries(changed.map((k) => [k, old[k]]));
}
