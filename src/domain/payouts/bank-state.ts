import type { AccountNumbers } from '../../bank/connector.ts';
import type { FcAccount } from '../financial-connections/types.ts';
import { type BankAccountType, viewOf } from '../payments/bank-account.ts';

/** An external account's status, as far as openfc can tell it (Stripe's values for external accounts). */
export type ExternalAccountStatus = 'new' | 'tokenized_account_number_deactivated' | 'errored';

/** What a bank account for payouts shows of the linked account under it, now. */
export interface BankState {
  bankName: string | null;
  last4: string;
  routingNumber: string;
  fingerprint: string;
  accountType: BankAccountType | null;
  status: ExternalAccountStatus;
}

/**
 * The numbers openfc holds for an account, each with the status the account shows now: a
 * tokenized number that passed its expiry date is deactivated in the account's details before
 * the bank is asked for new numbers.
 */
export function currentNumbers(
  account: FcAccount,
  sealed: readonly AccountNumbers[] | null,
): AccountNumbers[] {
  return (sealed ?? []).map((n, i) => ({ ...n, status: account.accountNumbers?.[i]?.status ?? n.status }));
}

/**
 * The bank account for payouts on a linked account, for the connected account `holderId`: the
 * same bank account has the same fingerprint for it whatever numbers the bank issues. Undefined
 * when openfc holds no numbers for the account.
 */
export function bankStateOf(
  holderId: string,
  account: FcAccount,
  numbers: readonly AccountNumbers[],
): BankState | undefined {
  if (numbers.length === 0) return undefined;
  const view = viewOf(holderId, account, numbers, { accountHolderType: 'individual', accountType: null });
  if (view.last4 === null || view.routingNumber === null) return undefined;
  return {
    bankName: view.bankName,
    last4: view.last4,
    routingNumber: view.routingNumber,
    fingerprint: view.fingerprint,
    accountType: view.accountType,
    status:
      view.blocked === null
        ? 'new'
        : view.blocked === 'tokenized_account_number_deactivated'
          ? 'tokenized_account_number_deactivated'
          : 'errored',
  };
}
