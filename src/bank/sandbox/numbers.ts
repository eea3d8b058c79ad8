/**
 * Account and routing numbers as the bank reports them. At a tokenizing institution the cash
 * accounts carry tokenized account numbers: a new one for each generation (each consent after the
 * first, each rotation), expected to expire 90 days after it was issued.
 */
import type { SandboxAccount } from '../catalogue.ts';
import type { NumbersEntryBody } from '../wire.ts';
import { random } from './prng.ts';

export const tokenLifetimeSeconds = 90 * 86_400;

/** What the bank remembers about one holder's account beyond the catalogue. */
export interface AccountFacts {
  closed: boolean;
  unavailable: boolean;
  numberGeneration: number;
  numbersIssuedAt: number;
  numbersDeactivated: boolean;
  consents: number;
}

export function isTokenized(account: SandboxAccount): boolean {
  return account.identifierType === 'tokenized_account_number';
}

function numberFor(account: SandboxAccount, generation: number): string {
  if (generation === 0) return account.accountNumber;
  return `9${random(`tan:${account.accountNumber}:${generation}`).digits(11)}`;
}

export function numbersOf(account: SandboxAccount, facts: AccountFacts, now: number): NumbersEntryBody[] {
  if (!account.supportedPaymentMethodTypes.includes('us_bank_account')) return [];
  const tokenized = isTokenized(account);
  const expiry = tokenized ? facts.numbersIssuedAt + tokenLifetimeSeconds : null;
  const expired = expiry !== null && now >= expiry;
  return [
    {
      routing_number: account.routingNumber,
      account_number: numberFor(account, facts.numberGeneration),
      identifier_type: account.identifierType,
      status: facts.numbersDeactivated || expired ? 'deactivated' : 'transactable',
      expected_expiry_date: expiry,
      supported_networks: ['ach'],
    },
  ];
}

/** A new tokenized number, valid from now. */
export function rotate(facts: AccountFacts, now: number): void {
  facts.numberGeneration += 1;
  facts.numbersIssuedAt = now;
  facts.numbersDeactivated = false;
}
