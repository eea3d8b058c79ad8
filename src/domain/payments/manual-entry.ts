import { createHmac } from 'node:crypto';
import type { SecretBox } from '../../store/secrets.ts';
import { invalidRequest } from '../errors.ts';
import type { DebitFailure } from './payment-intent-rules.ts';

/** Stripe's test routing number, and the bank name it shows for it. */
export const testRoutingNumber = '110000000';
const testBankName = 'STRIPE TEST BANK';

/** How the bank answers a debit from an entered account: settled, returned, or never. */
export type DebitOutcome =
  | { settles: 'succeeded' }
  | { settles: 'failed'; failure: { code: DebitFailure; message: string } }
  | { settles: 'never' };

/**
 * What the sandbox does with entered numbers. SetupIntents verify them with (simulated)
 * microdeposits, PaymentIntents take them as verified; the number Stripe documents as failing
 * microdeposits can be stored but never confirmed.
 */
export interface EnteredBehaviour {
  verifies: boolean;
  debit: DebitOutcome;
}

const succeeds: DebitOutcome = { settles: 'succeeded' };

function returned(code: DebitFailure, message: string): DebitOutcome {
  return { settles: 'failed', failure: { code, message } };
}

/**
 * Stripe's documented test account numbers (on routing 110000000) with their test tokens.
 * Stripe names the invalid-currency return `invalid_currency`; openfc reports it with the
 * closest code of Stripe's error code list, `payment_method_currency_mismatch`. The number
 * that triggers a dispute on Stripe settles successfully: openfc does not model disputes.
 */
const testAccounts: ReadonlyArray<{ number: string; token: string; behaviour: EnteredBehaviour }> = [
  { number: '000123456789', token: 'success', behaviour: { verifies: true, debit: succeeds } },
  {
    number: '000111111113',
    token: 'accountClosed',
    behaviour: {
      verifies: true,
      debit: returned('account_closed', "The customer's bank account has been closed."),
    },
  },
  {
    number: '000111111116',
    token: 'noAccount',
    behaviour: {
      verifies: true,
      debit: returned('no_account', "The customer's bank account could not be located."),
    },
  },
  {
    number: '000222222227',
    token: 'insufficientFunds',
    behaviour: {
      verifies: true,
      debit: returned(
        'insufficient_funds',
        "The customer's bank account has insufficient funds to cover this payment.",
      ),
    },
  },
  {
    number: '000333333335',
    token: 'debitNotAuthorized',
    behaviour: {
      verifies: true,
      debit: returned(
        'debit_not_authorized',
        'The customer notified their bank that this debit was not authorized.',
      ),
    },
  },
  {
    number: '000444444440',
    token: 'invalidCurrency',
    behaviour: {
      verifies: true,
      debit: returned(
        'payment_method_currency_mismatch',
        "The customer's bank account cannot be debited in this currency.",
      ),
    },
  },
  { number: '000666666661', token: 'failMicrodeposits', behaviour: { verifies: false, debit: succeeds } },
  { number: '000555555559', token: 'dispute', behaviour: { verifies: true, debit: succeeds } },
  { number: '000000000009', token: 'processing', behaviour: { verifies: true, debit: { settles: 'never' } } },
];

const tokenPrefix = 'pm_usBankAccount_';

/** The test numbers a `pm_usBankAccount_*` token stands for; undefined for any other id. */
export function numbersOfToken(id: string): { routingNumber: string; accountNumber: string } | undefined {
  if (!id.startsWith(tokenPrefix)) return undefined;
  const found = testAccounts.find((a) => a.token === id.slice(tokenPrefix.length));
  return found && { routingNumber: testRoutingNumber, accountNumber: found.number };
}

/** Numbers other than the documented ones verify and settle successfully. */
export function behaviourOf(routingNumber: string, accountNumber: string): EnteredBehaviour {
  const found = routingNumber === testRoutingNumber && testAccounts.find((a) => a.number === accountNumber);
  return found ? found.behaviour : { verifies: true, debit: succeeds };
}

export function bankNameOf(routingNumber: string): string | null {
  return routingNumber === testRoutingNumber ? testBankName : null;
}

/** An ABA routing number: nine digits whose weighted sum (3, 7, 1, …) is a multiple of ten. */
function isRoutingNumber(value: string): boolean {
  if (!/^\d{9}$/.test(value)) return false;
  const weights = [3, 7, 1, 3, 7, 1, 3, 7, 1];
  const sum = [...value].reduce((total, digit, i) => total + Number(digit) * (weights[i] ?? 0), 0);
  return sum % 10 === 0;
}

/** Refuses, as Stripe does, numbers that cannot be a US bank account; `name` gives each param. */
export function checkEnteredNumbers(
  routingNumber: string,
  accountNumber: string,
  name: (field: 'routing_number' | 'account_number') => string,
): void {
  if (!isRoutingNumber(routingNumber)) {
    throw invalidRequest(
      'Routing number must have 9 digits and be a valid ABA routing transit number.',
      name('routing_number'),
      'routing_number_invalid',
    );
  }
  if (!/^\d{4,17}$/.test(accountNumber)) {
    throw invalidRequest(
      'Account number must have between 4 and 17 digits.',
      name('account_number'),
      'account_number_invalid',
    );
  }
}

/**
 * The same entered numbers give the same fingerprint for a merchant. Keyed, since an account
 * number is short enough to be found again from a plain hash.
 */
export function enteredFingerprint(
  secrets: SecretBox,
  merchantId: string,
  routingNumber: string,
  accountNumber: string,
): string {
  return createHmac('sha256', secrets.derive('us_bank_account fingerprint'))
    .update(`${merchantId}\0${routingNumber}\0${accountNumber}`)
    .digest('base64url')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 16);
}
