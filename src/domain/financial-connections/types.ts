/** Financial Connections records as the domain sees them; the API renders them per version. */
import type { BankAccount } from '../../bank/connector.ts';

export const permissions = ['balances', 'ownership', 'payment_method', 'transactions'] as const;
export type Permission = (typeof permissions)[number];

export const accountSubcategories = [
  'checking',
  'credit_card',
  'line_of_credit',
  'mortgage',
  'savings',
] as const;
export const prefetchFeatures = ['balances', 'inferred_balances', 'ownership', 'transactions'] as const;

export type AccountHolder = { type: 'customer'; customer: string } | { type: 'account'; account: string };

export const connectionStatuses = ['active', 'inactive', 'disconnected'] as const;

export type ConnectionStatus = (typeof connectionStatuses)[number];

export interface InactiveDetails {
  cause:
    | 'access_denied'
    | 'access_expired'
    | 'account_closed'
    | 'account_unavailable'
    | 'institution_requirement'
    | 'unspecified';
  action: 'none' | 'relink_required';
}

export interface ActiveDetails {
  cause: 'access_expired' | 'institution_requirement' | 'unspecified';
  action: 'none' | 'relink_required';
  expected_deactivation_date: number;
}

export interface StatusDetails {
  active?: ActiveDetails;
  inactive?: InactiveDetails;
}

export interface FcAuthorization {
  id: string;
  created: number;
  institutionId: string;
  institutionName: string;
  /** The holder's identity at the bank, so that a relink logs in as the same holder. */
  bankUserId: string | null;
  holder: AccountHolder | null;
  status: ConnectionStatus;
  statusDetails: StatusDetails;
}

/** What the bank reported about an account when it was linked (or last relinked). */
export interface BankDetails {
  institutionName: string;
  displayName: string | null;
  last4: string | null;
  category: BankAccount['category'];
  subcategory: BankAccount['subcategory'];
  supportedPaymentMethodTypes: BankAccount['supportedPaymentMethodTypes'];
}

export interface FcAccount extends BankDetails {
  id: string;
  created: number;
  authorizationId: string;
  institutionId: string;
  bankAccountKey: string;
  /** The bank's id for the account, once linked at the bank. */
  bankAccountId: string | null;
  holder: AccountHolder | null;
  status: ConnectionStatus;
  statusDetails: StatusDetails;
  permissions: Permission[];
  subscriptions: string[];
  /** The last balance read, as Stripe's `balance` object. */
  balance: Record<string, unknown> | null;
  balanceRefresh: RefreshState | null;
  ownershipRefresh: RefreshState | null;
  transactionRefresh: (RefreshState & { id: string }) | null;
  ownershipId: string | null;
  /** The non-secret parts of the bank's account numbers, when openfc holds them. */
  accountNumbers: AccountNumberDetails[] | null;
}

/** One of an account's numbers as Stripe shows it: never the number itself. */
export interface AccountNumberDetails {
  identifier_type: 'account_number' | 'tokenized_account_number';
  status: 'transactable' | 'deactivated';
  expected_expiry_date: number | null;
  supported_networks: Array<'ach'>;
}

export type RefreshStatus = 'pending' | 'succeeded' | 'failed';

/** The state of the last refresh of one feature, as `*_refresh` renders it. */
export interface RefreshState {
  status: RefreshStatus;
  last_attempted_at: number;
  next_refresh_available_at: number | null;
}

export const sessionStatuses = ['pending', 'succeeded', 'failed', 'cancelled'] as const;

export type SessionStatus = (typeof sessionStatuses)[number];

export interface SessionFilters {
  account_subcategories: string[] | null;
  countries: string[] | null;
  institution?: string;
  require_payment_method_support?: 'all' | 'at_least_one' | 'none';
}

export interface RelinkResult {
  account: string | null;
  authorization: string | null;
  failure_reason: 'no_account' | 'no_authorization' | 'other' | null;
}

export interface FcSession {
  id: string;
  created: number;
  clientSecret: string;
  holder: AccountHolder | null;
  status: SessionStatus;
  permissions: Permission[];
  prefetch: string[] | null;
  filters: SessionFilters;
  limitsAccounts: number | null;
  manualEntryMode: string | null;
  returnUrl: string | null;
  relink: { authorization: string; account: string | null } | null;
  relinkResult: RelinkResult | null;
  cancelledReason: string | null;
  uiMode: 'modal' | 'hosted';
  hostedDeliveryMethod: 'email' | 'url' | null;
  /** The hosted page's link while the session is pending (hosted sessions only). */
  url: string | null;
  /** Accounts linked by this session, in the order the user picked them. */
  accounts: FcAccount[];
}

export function holderColumns(holder: AccountHolder | null) {
  if (!holder) return { holder_type: null, holder_id: null };
  return {
    holder_type: holder.type,
    holder_id: holder.type === 'customer' ? holder.customer : holder.account,
  };
}

export function holderFromColumns(
  type: 'customer' | 'account' | null,
  id: string | null,
): AccountHolder | null {
  if (!type || !id) return null;
  return type === 'customer' ? { type, customer: id } : { type, account: id };
}

export function sameHolder(a: AccountHolder | null, b: AccountHolder | null): boolean {
  return JSON.stringify(holderColumns(a)) === JSON.stringify(holderColumns(b));
}

declare module '../events/log.ts' {
  interface EventObjectTypes {
    'financial_connections.account': FcAccount;
    'financial_connections.authorization': FcAuthorization;
    'financial_connections.session': FcSession;
  }
}
