/** The dashboard API's answers (`/dashboard/api/…`): Stripe's objects as the newest preview version renders them. */

export interface SessionInfo {
  merchant: { id: string; name: string };
  csrf_token: string;
  expires_at: number;
}

export interface ApiErrorBody {
  type: string;
  message: string;
  code?: string;
  param?: string;
}

export interface List<T> {
  data: T[];
  has_more: boolean;
}

export interface RefreshState {
  status: 'failed' | 'pending' | 'succeeded';
  last_attempted_at: number;
}

export interface Account {
  id: string;
  display_name: string | null;
  institution_name: string;
  last4: string | null;
  category: string;
  subcategory: string;
  status: 'active' | 'inactive' | 'disconnected';
  status_details: {
    active?: { cause: string; action: string; expected_deactivation_date: number };
    inactive?: { cause: string; action: string };
  };
  permissions: string[] | null;
  subscriptions: string[] | null;
  supported_payment_method_types: string[];
  account_holder: { type: 'customer'; customer: string } | { type: 'account'; account: string } | null;
  balance: {
    as_of: number;
    current: Record<string, number>;
    type: 'cash' | 'credit';
  } | null;
  balance_refresh: RefreshState | null;
  ownership_refresh: RefreshState | null;
  transaction_refresh: RefreshState | null;
  authorization: string;
  created: number;
}

export interface Authorization {
  id: string;
  status: string;
  status_details?: { inactive?: { action: string } } | null;
  institution_name: string;
  account_holder: Account['account_holder'];
}

export interface AccountView {
  account: Account;
  authorization: Authorization | null;
  /** The sessions that linked and relinked the account, oldest first. */
  sessions: string[];
}

export interface Customer {
  id: string;
  name: string | null;
  email: string | null;
  description: string | null;
  phone: string | null;
  created: number;
}

export interface CustomerView {
  customer: Customer;
  accounts: List<Account>;
}

export interface AuthorizationView {
  authorization: Authorization;
  accounts: Account[];
  /** The sessions that linked or relinked its accounts, or were made to relink it, oldest first. */
  sessions: string[];
}

export interface Session {
  id: string;
  status: 'pending' | 'succeeded' | 'failed' | 'cancelled';
  status_details?: { cancelled?: { reason: string } };
  account_holder: Account['account_holder'];
  permissions: string[];
  prefetch: string[] | null;
  accounts: { data: Account[] };
  relink_options?: { authorization: string; account: string | null };
  relink_result?: { account: string | null; authorization: string | null; failure_reason: string | null };
  ui_mode: 'modal' | 'hosted';
  url: string | null;
}

export interface StripeEvent {
  id: string;
  type: string;
  created: number;
  pending_webhooks: number;
  data: { object: { id?: string; object?: string } };
}

export interface Attempt {
  id: string;
  attempted_at: number;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
  response_excerpt: string | null;
  next_attempt_at: number | null;
}

export interface Delivery {
  id: string;
  endpoint: { id: string; url: string };
  created: number;
  status: 'pending' | 'succeeded' | 'failed' | 'cancelled';
  next_attempt_at: number | null;
  attempts: Attempt[];
}

export interface EventView {
  event: StripeEvent;
  deliveries: Delivery[];
  versions: VersionRenderings;
}

/** An event's object as each API version renders it: versions that agree share a rendering. */
export interface VersionRenderings {
  /** `object` null: readers on these versions never see the event. */
  renderings: { versions: string[]; object: Record<string, unknown> | null }[];
  /** The fields that differ: the value in each rendering, in order; null where absent. */
  differences: { path: string; values: ({ value: unknown } | null)[] }[];
}

export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string | null;
  status: 'enabled' | 'disabled';
  enabled_events: string[];
  api_version: string | null;
  created: number;
}

export interface EndpointView {
  endpoint: WebhookEndpoint;
  /** The latest deliveries, newest first. */
  deliveries: (Delivery & { event: { id: string; type: string } })[];
}

export interface Institution {
  id: string;
  name: string;
}

export interface ClockView {
  now: number;
  offset_seconds: number;
  max_advance_seconds: number;
  /** With a chosen span: the consents it ends, soonest first, with the accounts they deactivate. */
  deactivations?: { authorization: string; ends_at: number; accounts: Account[] }[];
}

export type PaymentKind = 'payment-methods' | 'setup-intents' | 'payment-intents' | 'mandates' | 'charges';

/** A PaymentMethod, SetupIntent, PaymentIntent, mandate or charge: the fields the dashboard shows. */
export interface PaymentObject {
  id: string;
  object: 'payment_method' | 'setup_intent' | 'payment_intent' | 'mandate' | 'charge';
  /** Mandates have none: when the customer accepted is theirs. */
  created?: number;
  customer?: string | null;
  status?: string;
  payment_method?: string | null;
  mandate?: string | null;
  usage?: string;
  cancellation_reason?: string | null;
  amount?: number;
  currency?: string;
  latest_charge?: string | null;
  last_payment_error?: { message?: string } | null;
  payment_intent?: string;
  failure_message?: string | null;
  balance_transaction?: string | null;
  customer_acceptance?: { type: string; accepted_at: number };
  payment_method_details?: { us_bank_account?: { mandate?: string | null; last4?: string | null } };
  us_bank_account?: {
    bank_name: string | null;
    last4: string | null;
    account_type: string | null;
    routing_number: string | null;
    financial_connections_account: string | null;
    status_details: { blocked?: { reason: string } } | null;
  };
}

/** A payment object, with the linked account behind its PaymentMethod. */
export interface PaymentView {
  object: PaymentObject;
  financial_connections_account: string | null;
}

/** How far the holder got in a session's flow, as openfc keeps it. */
export interface FlowProgress {
  step: 'consent' | 'institution' | 'login' | 'oauth' | 'prompt' | 'accounts' | 'error' | 'done';
  steps_taken: number;
  consented: boolean;
  institution: string | null;
  institution_name: string | null;
  shared_accounts: number | null;
  failure: { kind: string; message: string | null } | null;
}

/** One API request in the merchant's logs. */
export interface RequestLogSummary {
  id: string;
  created: number;
  method: string;
  path: string;
  status: number;
  duration_ms: number;
  /** The connected account it acted as (`Stripe-Account`). */
  account: string | null;
  api_version: string | null;
  idempotency_key: string | null;
}

/** A body as the log keeps it: parsed when kept whole, else its first 64 kB as text. */
export interface LoggedBody {
  json: unknown;
  text: string | null;
  size: number;
  truncated: boolean;
}

export interface RequestLog extends RequestLogSummary {
  params: LoggedBody;
  response: LoggedBody;
}

/** The logs list's filters, as its address carries them. */
export interface LogFilters {
  status?: string;
  method?: string;
  path?: string;
  request_id?: string;
}

/** Funds of one currency in a Balance. */
export interface Funds {
  amount: number;
  currency: string;
}

export interface Balance {
  object: 'balance';
  available: Funds[];
  pending: Funds[];
}

export interface BalanceTransaction {
  id: string;
  amount: number;
  net: number;
  fee: number;
  currency: string;
  type: string;
  status: string;
  available_on: number;
  created: number;
  source: string | null;
  description: string | null;
}

export interface Topup {
  id: string;
  amount: number;
  currency: string;
  status: string;
  created: number;
  expected_availability_date: number | null;
  balance_transaction: string | null;
  description: string | null;
  statement_descriptor: string | null;
  transfer_group: string | null;
}

export interface Transfer {
  id: string;
  amount: number;
  currency: string;
  created: number;
  destination: string;
  destination_payment: string;
  balance_transaction: string;
  description: string | null;
  transfer_group: string | null;
}

export interface ConnectedAccount {
  id: string;
  type: string;
  email: string | null;
  country: string;
  business_type: string | null;
  created: number;
  capabilities: Record<string, string>;
  payouts_enabled: boolean;
  charges_enabled: boolean;
  external_accounts: { data: unknown[]; total_count: number };
}

export interface ExternalBankAccount {
  id: string;
  bank_name: string | null;
  last4: string;
  currency: string;
  default_for_currency: boolean;
  status: string;
  routing_number: string;
  account_holder_type: string | null;
}

export interface ConnectedAccountView {
  account: ConnectedAccount;
  balance: Balance;
  external_accounts: List<{ external_account: ExternalBankAccount; financial_connections_account: string }>;
  transfers: List<Transfer>;
  payouts: List<Payout>;
}

export interface Payout {
  id: string;
  amount: number;
  currency: string;
  status: string;
  created: number;
  arrival_date: number;
  destination: string | null;
  balance_transaction: string | null;
  failure_balance_transaction: string | null;
  failure_code: string | null;
  failure_message: string | null;
  description: string | null;
  method: string;
}
