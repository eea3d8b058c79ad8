/**
 * The connector: the only way openfc's domain reaches an institution. Expected bank failures
 * (downtime, an expired or revoked consent, a closed account, wrong credentials) come back as
 * values; only a broken contract (openfc sending a request the bank calls malformed, a bank answer
 * that contradicts this interface on purpose) is thrown, as a `ConnectorError`.
 */
import type { AccountCategory, AccountSubcategory } from './catalogue.ts';

/** Why the bank would not do what was asked. */
export type BankFailure =
  /**
   * The bank did not answer, answered 5xx, timed out or answered something unreadable; or
   * (`recordsLost`) it answers but has lost its records of the connection (a sandbox bank whose
   * store was replaced), which no relink by the holder caused.
   */
  | { kind: 'institution_unavailable'; expectedAvailableAt?: number; message?: string; recordsLost?: boolean }
  /** The consent reached its end date (or the bank ended it early); a relink is required. */
  | { kind: 'consent_expired'; message?: string }
  /** The account holder revoked openfc's access at the bank. */
  | { kind: 'access_revoked'; message?: string }
  /** The bank wants the holder to log in again (password change, new MFA rule, ...). */
  | { kind: 'reauthentication_required'; message?: string }
  /** The account holder ended the connection at the bank, for good: no relink brings it back. */
  | { kind: 'holder_disconnected'; message?: string }
  | { kind: 'account_closed'; message?: string }
  /** The account is no longer shared under this consent, or the bank cannot serve it. */
  | { kind: 'account_unavailable'; message?: string }
  /** Wrong credentials or MFA answer; the same login may be tried again. */
  | { kind: 'invalid_credentials'; message?: string }
  /** The bank ended the login attempt; start a new one. */
  | { kind: 'login_failed'; message?: string }
  /** An authorization code, refresh token or access token the bank does not (or no longer) accept. */
  | { kind: 'invalid_grant'; message?: string }
  /** The access token has expired: refresh the grant and try again. */
  | { kind: 'access_token_expired'; message?: string };

export type BankFailureKind = BankFailure['kind'];

export type BankResult<T> = { ok: true; value: T } | { ok: false; failure: BankFailure };

/** What openfc keeps after an authorization; all times are Unix seconds on the bank's clock. */
export interface Grant {
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: number;
  consentExpiresAt: number;
  bankUserId: string;
  /** The bank's store that issued the grant, when the bank names it (see `recordsLost`). */
  bankInstance?: string;
}

export type AccountStatus = 'open' | 'closed' | 'unavailable';

export interface BankAccount {
  /** The bank's own id for the account, stable for one holder. */
  id: string;
  /** The catalogue key of the account ('checking', 'savings', ...), stable across holders. */
  key: string;
  name: string;
  category: AccountCategory;
  subcategory: AccountSubcategory;
  last4: string;
  status: AccountStatus;
  supportedPaymentMethodTypes: Array<'us_bank_account' | 'link'>;
  currency: string;
}

/** A completed authorization: the grant, and the accounts the holder shared under it. */
export interface Authorized {
  grant: Grant;
  accounts: BankAccount[];
}

export type LoginPrompt =
  | { kind: 'options'; message: string; options: string[] }
  | { kind: 'mfa'; message: string }
  | { kind: 'confirm_mfa'; message: string }
  | { kind: 'security_question'; message: string };

export type LoginStep =
  | { status: 'authorized'; authorized: Authorized }
  | { status: 'prompt'; loginId: string; prompt: LoginPrompt };

/** The first login step (credentials, for a merchant), or an answer to a prompt of an earlier step. */
export type LoginInput =
  | { tenant: string; username?: string; password?: string }
  | { loginId: string; answer: string };

export type Balance =
  | { type: 'cash'; asOf: number; currency: string; current: number; available: number }
  | { type: 'credit'; asOf: number; currency: string; current: number; used: number };

export interface Owner {
  name: string;
  email: string | null;
  phone: string | null;
  address: string | null;
}

export interface Transaction {
  /** Unique within its account. */
  id: string;
  /** Minor units; negative when money leaves the account. */
  amount: number;
  currency: string;
  description: string;
  status: 'pending' | 'posted';
  transactedAt: number;
  postedAt: number | null;
}

export interface AccountNumbers {
  routingNumber: string;
  accountNumber: string;
  identifierType: 'account_number' | 'tokenized_account_number';
  status: 'transactable' | 'deactivated';
  expectedExpiryDate: number | null;
  supportedNetworks: Array<'ach'>;
}

export interface AuthorizeRequest {
  /** The merchant openfc acts for: the bank keeps each merchant's holders apart. */
  tenant: string;
  redirectUri: string;
  state: string;
  /** base64url(SHA-256(code_verifier)); the bank only accepts S256. */
  codeChallenge: string;
  /** Names the holder at the bank, so that a relink reaches the same holder. */
  loginHint?: string;
}

export interface CodeExchange {
  code: string;
  codeVerifier?: string;
  redirectUri?: string;
}

export interface SandboxAuthorizationRequest {
  tenant: string;
  accountKeys: string[];
  bankUser?: string;
  codeChallenge?: string;
}

export interface InstitutionConnector {
  /** Where to send the holder's browser for an OAuth institution. */
  startAuthorization(institutionId: string, request: AuthorizeRequest): Promise<BankResult<{ url: string }>>;
  exchangeCode(institutionId: string, exchange: CodeExchange): Promise<BankResult<Authorized>>;
  /** Credential (or no-login) institutions: one step of the login, possibly a prompt to answer. */
  logIn(institutionId: string, input: LoginInput): Promise<BankResult<LoginStep>>;
  /** Sandbox only: an authorization code for the given accounts without a browser, and its holder. */
  createSandboxAuthorization(
    institutionId: string,
    request: SandboxAuthorizationRequest,
  ): Promise<BankResult<{ code: string; bankUserId: string }>>;
  refresh(institutionId: string, grant: Grant): Promise<BankResult<Grant>>;
  revoke(institutionId: string, grant: Grant): Promise<BankResult<null>>;
  listAccounts(institutionId: string, grant: Grant): Promise<BankResult<BankAccount[]>>;
  getBalance(institutionId: string, grant: Grant, accountId: string): Promise<BankResult<Balance>>;
  listOwners(institutionId: string, grant: Grant, accountId: string): Promise<BankResult<Owner[]>>;
  listTransactions(
    institutionId: string,
    grant: Grant,
    accountId: string,
    options?: { since?: number },
  ): Promise<BankResult<Transaction[]>>;
  getAccountNumbers(
    institutionId: string,
    grant: Grant,
    accountId: string,
  ): Promise<BankResult<AccountNumbers[]>>;
}

/** A broken contract between openfc and a bank: a bug to fix, not a state to show a user. */
export class ConnectorError extends Error {
  readonly status: number | undefined;
  readonly bankError: string | undefined;

  constructor(message: string, details: { status?: number; bankError?: string } = {}) {
    super(message);
    this.name = 'ConnectorError';
    this.status = details.status;
    this.bankError = details.bankError;
  }
}

export function ok<T>(value: T): BankResult<T> {
  return { ok: true, value };
}

export function fail<T = never>(failure: BankFailure): BankResult<T> {
  return { ok: false, failure };
}
