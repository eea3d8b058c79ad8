/**
 * The openfc sandbox catalogue: the test institutions a session can link, and
 * the bank accounts each of them holds. Plain data plus two lookups — the
 * sandbox bank reads this to decide how a login behaves and which accounts it
 * offers.
 *
 * The institution names mirror Stripe's test institutions so that clients
 * written against Stripe's test mode (e.g. selecting "Test OAuth Institution"
 * and then the account named "Success") work unchanged against openfc.
 */

export type AccountCategory = 'cash' | 'credit' | 'investment' | 'other';
export type AccountSubcategory =
  | 'checking'
  | 'savings'
  | 'credit_card'
  | 'line_of_credit'
  | 'mortgage'
  | 'other';
export type InstitutionAuth = 'none' | 'oauth' | 'credentials';
/** How a login at this institution behaves. */
export type InstitutionAvailability =
  | { kind: 'up' }
  | { kind: 'down_scheduled'; availableAfterSeconds: number } // expected back this many seconds from "now"
  | { kind: 'down_unscheduled' }
  | { kind: 'down_error' };
/** Bank-side behaviour the later sandbox bank implements; data only here. */
export type InstitutionBehaviour =
  | 'standard'
  | 'inactive_after_link'
  | 'tokenized_account_numbers'
  | 'invalid_payment_accounts'
  | 'ownership_states';

export interface SandboxAccount {
  key: string; // stable within the institution, e.g. 'checking', 'savings', 'credit-card'
  displayName: string; // e.g. 'Everyday Checking'
  category: AccountCategory;
  subcategory: AccountSubcategory;
  last4: string; // 4 digits, equal to the last 4 of accountNumber
  routingNumber: string; // 9-digit ABA routing number
  accountNumber: string; // full sandbox account number (digits); the tokenized number at tokenized institutions
  identifierType: 'account_number' | 'tokenized_account_number';
  supportedPaymentMethodTypes: Array<'us_bank_account' | 'link'>;
  currency: 'usd';
}

export interface SandboxInstitution {
  id: string; // 'fcinst_' + 14 base62 chars, stable
  name: string;
  url: string | null;
  countries: string[];
  routingNumbers: string[];
  features: { balances: boolean; ownership: boolean; payment_method: boolean; transactions: boolean };
  auth: InstitutionAuth;
  availability: InstitutionAvailability;
  behaviour: InstitutionBehaviour;
  accounts: SandboxAccount[];
}

export const defaultInstitutionName = 'Test Institution';

/** Stripe's test ABA routing number; every sandbox account uses it. */
const SANDBOX_ROUTING_NUMBER = '110000000';

const UP: InstitutionAvailability = { kind: 'up' };
const TWO_HOURS_IN_SECONDS = 2 * 60 * 60;

// ---------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------

/** The per-account facts that differ; everything else is derived. */
interface AccountSpec {
  key: string;
  displayName: string;
  subcategory: AccountSubcategory;
  accountNumber: string;
}

function account(
  key: string,
  displayName: string,
  subcategory: AccountSubcategory,
  accountNumber: string,
): AccountSpec {
  return { key, displayName, subcategory, accountNumber };
}

function categoryOf(subcategory: AccountSubcategory): AccountCategory {
  switch (subcategory) {
    case 'checking':
    case 'savings':
      return 'cash';
    case 'credit_card':
    case 'line_of_credit':
    case 'mortgage':
      return 'credit';
    case 'other':
      return 'other';
  }
}

interface InstitutionSpec {
  id: string;
  name: string;
  url: string;
  auth: InstitutionAuth;
  availability?: InstitutionAvailability;
  behaviour?: InstitutionBehaviour;
  accounts: AccountSpec[];
}

/**
 * Expands an institution spec into a full catalogue entry. Institution-wide
 * rules live here rather than on each account:
 * - only cash accounts (checking/savings) can back a payment method;
 * - "Invalid Payment Accounts" offers no payment method on any account;
 * - tokenized institutions report their cash account numbers as tokenized.
 */
function defineInstitution(spec: InstitutionSpec): SandboxInstitution {
  const behaviour = spec.behaviour ?? 'standard';
  const paymentsAllowed = behaviour !== 'invalid_payment_accounts';

  const accounts = spec.accounts.map((a): SandboxAccount => {
    const category = categoryOf(a.subcategory);
    const isCash = category === 'cash';
    return {
      key: a.key,
      displayName: a.displayName,
      category,
      subcategory: a.subcategory,
      last4: a.accountNumber.slice(-4),
      routingNumber: SANDBOX_ROUTING_NUMBER,
      accountNumber: a.accountNumber,
      identifierType:
        isCash && behaviour === 'tokenized_account_numbers' ? 'tokenized_account_number' : 'account_number',
      supportedPaymentMethodTypes: isCash && paymentsAllowed ? ['us_bank_account', 'link'] : [],
      currency: 'usd',
    };
  });

  return {
    id: spec.id,
    name: spec.name,
    url: spec.url,
    countries: ['US'],
    routingNumbers: [SANDBOX_ROUTING_NUMBER],
    features: { balances: true, ownership: true, payment_method: paymentsAllowed, transactions: true },
    auth: spec.auth,
    availability: spec.availability ?? UP,
    behaviour,
    accounts,
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

// ---------------------------------------------------------------------------
// Catalogue
// ---------------------------------------------------------------------------
//
// Account numbers are 12 digits: '10' + a two-digit institution code +
// '0000' + the last four, so they are unique across the catalogue at a
// glance. Tokenized account numbers instead start with '9', the way a
// bank-issued token looks nothing like the customer's real number.

export const sandboxInstitutions: readonly SandboxInstitution[] = deepFreeze([
  defineInstitution({
    id: 'fcinst_Qn1a7A4KhL42se',
    name: 'Test Institution',
    url: 'https://test-institution.example',
    auth: 'none',
    accounts: [
      account('checking', 'Success', 'checking', '100100006789'),
      account('savings', 'High Yield Savings', 'savings', '100100004321'),
      account('credit-card', 'Rewards Credit Card', 'credit_card', '100100005517'),
      account('line-of-credit', 'Personal Line of Credit', 'line_of_credit', '100100007702'),
      account('mortgage', 'Home Mortgage', 'mortgage', '100100009034'),
    ],
  }),
  // Same accounts as Test Institution (same names, same last four), reached
  // through an OAuth popup instead.
  defineInstitution({
    id: 'fcinst_Qn1a6jqpI0Gb84',
    name: 'Test OAuth Institution',
    url: 'https://test-oauth-institution.example',
    auth: 'oauth',
    accounts: [
      account('checking', 'Success', 'checking', '100200006789'),
      account('savings', 'High Yield Savings', 'savings', '100200004321'),
      account('credit-card', 'Rewards Credit Card', 'credit_card', '100200005517'),
      account('line-of-credit', 'Personal Line of Credit', 'line_of_credit', '100200007702'),
      account('mortgage', 'Home Mortgage', 'mortgage', '100200009034'),
    ],
  }),
  // Each account stands for a different ownership state; the sandbox bank
  // keys its ownership data off the account key.
  defineInstitution({
    id: 'fcinst_Qn1aly9zRRkWP1',
    name: 'Ownership Accounts',
    url: 'https://ownership-accounts.example',
    auth: 'none',
    behaviour: 'ownership_states',
    accounts: [
      account('checking-single-owner', 'Single Owner Checking', 'checking', '100300001101'),
      account('checking-joint-owners', 'Joint Owners Checking', 'checking', '100300002202'),
      account('savings-no-owner-data', 'No Owner Data Savings', 'savings', '100300003303'),
      account('credit-card', 'Owner Credit Card', 'credit_card', '100300004404'),
    ],
  }),
  defineInstitution({
    id: 'fcinst_Qn1aNn8l07746s',
    name: 'Sandbox Bank (OAuth)',
    url: 'https://sandbox-bank-oauth.example',
    auth: 'oauth',
    accounts: [
      account('checking', 'Primary Checking', 'checking', '100400003418'),
      account('savings', 'Savings', 'savings', '100400006052'),
      account('credit-card', 'Platinum Card', 'credit_card', '100400001187'),
      account('line-of-credit', 'Home Equity Line of Credit', 'line_of_credit', '100400008823'),
      account('mortgage', '30-Year Fixed Mortgage', 'mortgage', '100400002960'),
    ],
  }),
  // Stripe-hosted style login form; the sandbox bank interprets the magic
  // inputs (options, mfa, confirm_mfa, security_question, error, incorrect).
  defineInstitution({
    id: 'fcinst_Qn1aVTBBJ4ubmQ',
    name: 'Sandbox Bank (Non-OAuth)',
    url: 'https://sandbox-bank-non-oauth.example',
    auth: 'credentials',
    accounts: [
      account('checking', 'Checking', 'checking', '100500004716'),
      account('business-checking', 'Business Checking', 'checking', '100500005829'),
      account('savings', 'Money Market Savings', 'savings', '100500007390'),
      account('credit-card', 'Cash Back Card', 'credit_card', '100500002641'),
    ],
  }),
  defineInstitution({
    id: 'fcinst_Qn1aporTsLJQH4',
    name: 'Invalid Payment Accounts',
    url: 'https://invalid-payment-accounts.example',
    auth: 'none',
    behaviour: 'invalid_payment_accounts',
    accounts: [
      account('checking', 'Non-ACH Checking', 'checking', '100600003157'),
      account('savings', 'Non-ACH Savings', 'savings', '100600008264'),
      account('credit-card', 'Credit Card', 'credit_card', '100600006473'),
    ],
  }),
  // The down banks are real banks whose login is unavailable; they still list
  // accounts so that a later, successful login has something to return.
  defineInstitution({
    id: 'fcinst_Qn1aC9A7bD2EED',
    name: 'Down Bank (Scheduled)',
    url: 'https://down-bank-scheduled.example',
    auth: 'none',
    availability: { kind: 'down_scheduled', availableAfterSeconds: TWO_HOURS_IN_SECONDS },
    accounts: [
      account('checking', 'Checking', 'checking', '100700001942'),
      account('savings', 'Savings', 'savings', '100700005386'),
    ],
  }),
  defineInstitution({
    id: 'fcinst_Qn1a8Ynz2Il9zF',
    name: 'Down Bank (Unscheduled)',
    url: 'https://down-bank-unscheduled.example',
    auth: 'none',
    availability: { kind: 'down_unscheduled' },
    accounts: [
      account('checking', 'Checking', 'checking', '100800002753'),
      account('savings', 'Savings', 'savings', '100800006618'),
    ],
  }),
  defineInstitution({
    id: 'fcinst_Qn1aOU8Z6Qsvpn',
    name: 'Down Bank (Error)',
    url: 'https://down-bank-error.example',
    auth: 'none',
    availability: { kind: 'down_error' },
    accounts: [
      account('checking', 'Checking', 'checking', '100900003864'),
      account('savings', 'Savings', 'savings', '100900007429'),
    ],
  }),
  // Accounts link successfully and then go inactive, for exercising
  // deactivation and relink.
  defineInstitution({
    id: 'fcinst_Qn1aH3xKpT7mWd',
    name: 'Inactive Accounts',
    url: 'https://inactive-accounts.example',
    auth: 'none',
    behaviour: 'inactive_after_link',
    accounts: [
      account('checking', 'Checking', 'checking', '101000004185'),
      account('savings', 'Savings', 'savings', '101000009271'),
      account('credit-card', 'Credit Card', 'credit_card', '101000006530'),
    ],
  }),
  // Cash accounts carry tokenized account numbers (TANs) rather than the
  // real number; the credit card keeps a plain account number.
  defineInstitution({
    id: 'fcinst_Qn1aZ8rVbE2nLq',
    name: 'Tokenized Account Numbers',
    url: 'https://tokenized-account-numbers.example',
    auth: 'oauth',
    behaviour: 'tokenized_account_numbers',
    accounts: [
      account('checking', 'Total Checking', 'checking', '947205318846'),
      account('savings', 'Premier Savings', 'savings', '958316402217'),
      account('credit-card', 'Travel Rewards Card', 'credit_card', '101100005093'),
    ],
  }),
]);

// ---------------------------------------------------------------------------
// Lookups
// ---------------------------------------------------------------------------

const institutionsById = new Map(sandboxInstitutions.map((i) => [i.id, i]));
const institutionsByName = new Map(sandboxInstitutions.map((i) => [i.name, i]));

/** Finds an institution by its id, or by its exact display name (case-sensitive). */
export function findInstitution(idOrName: string): SandboxInstitution | undefined {
  return institutionsById.get(idOrName) ?? institutionsByName.get(idOrName);
}

export function findSandboxAccount(institution: SandboxInstitution, key: string): SandboxAccount | undefined {
  return institution.accounts.find((a) => a.key === key);
}
