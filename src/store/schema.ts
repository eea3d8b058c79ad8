/** The tables openfc keeps. JSON columns hold text in both backends; times are Unix seconds. */
export interface MerchantAccountsTable {
  id: string;
  name: string;
  default_api_version: string;
  created: number;
  /** The platform that made this connected account; null for a platform (a key holder). */
  platform_id: string | null;
  /** A connected account's fields; null on a platform's row. */
  type: 'custom' | 'express' | null;
  email: string | null;
  country: string | null;
  business_type: 'individual' | 'company' | null;
  /** JSON array of the capabilities the platform requested. */
  capabilities: string | null;
  /** JSON object. */
  metadata: string | null;
  deleted: number;
}

export interface ApiKeysTable {
  id: string;
  merchant_id: string;
  kind: 'secret' | 'publishable';
  key_hash: string;
  last4: string;
  created: number;
  /** Publishable keys only, sealed with the merchant's id: the hosted page is handed it. */
  key_sealed: string | null;
}

export interface CustomersTable {
  id: string;
  merchant_id: string;
  created: number;
  email: string | null;
  name: string | null;
  description: string | null;
  phone: string | null;
  metadata: string;
  deleted: number;
}

export interface FcAuthorizationsTable {
  id: string;
  merchant_id: string;
  created: number;
  institution_id: string;
  holder_type: 'customer' | 'account' | null;
  holder_id: string | null;
  status: 'active' | 'inactive' | 'disconnected';
  status_details: string;
  grant_sealed: string | null;
  bank_user_id: string | null;
  /** When openfc last asked the bank about it, on the merchant's sandbox clock. */
  bank_checked_at: number | null;
  /** The institution's name when the holder linked (or last relinked) at it. */
  institution_name: string;
}

export interface FcAccountsTable {
  id: string;
  merchant_id: string;
  created: number;
  authorization_id: string;
  institution_id: string;
  bank_account_key: string;
  holder_type: 'customer' | 'account' | null;
  holder_id: string | null;
  status: 'active' | 'inactive' | 'disconnected';
  status_details: string;
  permissions: string;
  subscriptions: string;
  bank_account_id: string | null;
  balance: string | null;
  balance_refresh: string | null;
  ownership_refresh: string | null;
  transaction_refresh: string | null;
  ownership_id: string | null;
  /** The bank's account numbers as sealed JSON, bound to the account id. */
  account_numbers_sealed: string | null;
  /** The non-secret parts of the account numbers, as JSON. */
  account_numbers: string | null;
  /** The expiry date of the tokenized number last announced as about to expire. */
  number_expiry_noticed: number | null;
  /** What the bank reported about the account when it was linked (or last relinked). */
  institution_name: string;
  display_name: string | null;
  last4: string | null;
  category: 'cash' | 'credit' | 'investment' | 'other';
  subcategory: 'checking' | 'savings' | 'credit_card' | 'line_of_credit' | 'mortgage' | 'other';
  /** JSON array of payment method types. */
  supported_payment_method_types: string;
}

export interface FcAccountOwnershipsTable {
  id: string;
  merchant_id: string;
  account_id: string;
  created: number;
}

export interface FcAccountOwnersTable {
  id: string;
  ownership_id: string;
  name: string;
  email: string | null;
  phone: string | null;
  raw_address: string | null;
  refreshed_at: number | null;
}

export interface FcTransactionsTable {
  id: string;
  merchant_id: string;
  account_id: string;
  bank_transaction_id: string;
  amount: number;
  currency: string;
  description: string;
  status: 'pending' | 'posted' | 'void';
  transacted_at: number;
  posted_at: number | null;
  void_at: number | null;
  transaction_refresh: string;
  updated: number;
}

export interface FcSessionsTable {
  id: string;
  merchant_id: string;
  created: number;
  client_secret: string;
  holder_type: 'customer' | 'account' | null;
  holder_id: string | null;
  status: 'pending' | 'succeeded' | 'cancelled' | 'failed';
  permissions: string;
  prefetch: string | null;
  filters: string;
  limits_accounts: number | null;
  manual_entry_mode: string | null;
  return_url: string | null;
  relink_authorization_id: string | null;
  relink_account_id: string | null;
  relink_result: string | null;
  cancelled_reason: string | null;
  ui_mode: 'modal' | 'hosted';
  hosted_delivery_method: 'email' | 'url' | null;
}

export interface FcSessionAccountsTable {
  session_id: string;
  account_id: string;
  position: number;
}

export type FlowStepKind =
  | 'consent'
  | 'institution'
  | 'login'
  | 'oauth'
  | 'prompt'
  | 'accounts'
  | 'error'
  | 'done';

/** The account holder's progress through a pending session, one step at a time. */
export interface FcSessionFlowsTable {
  session_id: string;
  merchant_id: string;
  /** Grows with every step taken; a step is taken only from the version it was read at. */
  version: number;
  step: FlowStepKind;
  institution_id: string | null;
  consented: number;
  /** SHA-256 of the OAuth `state`, to find the flow from the bank's redirect. */
  state_digest: string | null;
  /** The PKCE verifier, sealed and bound to the session. */
  verifier_sealed: string | null;
  redirect_uri: string | null;
  /** The bank's authorization URL (it carries the `state`), sealed and bound to the session. */
  authorize_url_sealed: string | null;
  /** The bank's login in progress, sealed and bound to the session. */
  login_id_sealed: string | null;
  /** The bank's current question, as JSON. */
  prompt: string | null;
  /** The bank's grant after the login, sealed and bound to the session. */
  grant_sealed: string | null;
  /** The accounts the bank shared after the login (no numbers), as JSON. */
  bank_accounts: string | null;
  failure_kind: string | null;
  failure_message: string | null;
  /** When a down bank said it expects to be back (Unix seconds). */
  failure_available_at: number | null;
  updated: number;
}

export interface IdempotencyKeysTable {
  merchant_id: string;
  key: string;
  request_hash: string;
  /**
   * `running` until the request's first write commits, `committed` from then until its response
   * is stored, `done` after.
   */
  state: 'running' | 'committed' | 'done';
  status_code: number | null;
  /** The stored response, sealed with openfc's secret box (it may hold a signing secret). */
  body: string | null;
  created: number;
  /** The request that holds the key (nullable in the table, always written). */
  request_id: string;
  /** The object the request made or changed, as recorded with its first write. */
  object_id: string | null;
}

export interface SandboxClocksTable {
  merchant_id: string;
  offset_seconds: number;
}

export interface EventsTable {
  id: string;
  merchant_id: string;
  created: number;
  type: string;
  object_id: string;
  /** The Stripe object type of the snapshot (`customer`, `payment_intent`, …). */
  object_kind: string;
  /** The domain record the event is about, as JSON; rendered per API version when read. */
  object_snapshot: string;
  previous_attributes: string | null;
  request_id: string | null;
  idempotency_key: string | null;
  /** The connected account the event comes from; null for a platform's own events. */
  account: string | null;
}

export interface WebhookEndpointsTable {
  id: string;
  merchant_id: string;
  created: number;
  url: string;
  description: string | null;
  /** JSON array of event types, or ["*"]. */
  enabled_events: string;
  api_version: string | null;
  metadata: string;
  status: 'enabled' | 'disabled';
  /** The signing secret, sealed and bound to the endpoint id. */
  secret_sealed: string;
  /** 1: the endpoint receives the events of the merchant's connected accounts, not its own. */
  connect: number;
}

/** One event to send to one endpoint: the delivery outbox. Times are Unix milliseconds. */
export interface WebhookDeliveriesTable {
  id: string;
  merchant_id: string;
  event_id: string;
  endpoint_id: string;
  created: number;
  status: 'pending' | 'succeeded' | 'failed' | 'cancelled';
  /** Attempts begun so far (counted when a worker claims the delivery). */
  attempts: number;
  /** When the next attempt is due; while claimed, when the claim lapses. */
  next_attempt_at: number;
  /** The claim of the worker sending it now; null when nobody is. */
  lease: string | null;
}

export interface WebhookAttemptsTable {
  id: string;
  merchant_id: string;
  delivery_id: string;
  event_id: string;
  endpoint_id: string;
  /** Unix milliseconds. */
  attempted_at: number;
  duration_ms: number;
  status_code: number | null;
  /** Why the attempt failed without a response (timeout, refused connection). */
  error: string | null;
  response_excerpt: string | null;
  /** When the next attempt is due after this one, if any (Unix milliseconds). */
  next_attempt_at: number | null;
}

export interface HostedLinksTable {
  id: string;
  merchant_id: string;
  session_id: string;
  token_digest: string;
  url_sealed: string;
  relink_authorization_id: string | null;
  created: number;
  issued_real: number;
  expires_at: number;
  first_visited_at: number | null;
  replaced_at: number | null;
  mail_to: string | null;
  mail_status: 'pending' | 'sent' | 'failed' | null;
}

export interface PaymentMethodsTable {
  id: string;
  merchant_id: string;
  created: number;
  /** The customer it is attached to, if any. */
  customer_id: string | null;
  /** The linked account whose current numbers it pays from; null for entered numbers. */
  fc_account_id: string | null;
  account_holder_type: 'individual' | 'company';
  /** As the caller gave it; null renders the account's subcategory. */
  account_type: 'checking' | 'savings' | null;
  /** Stripe's billing_details, as JSON. */
  billing_details: string;
  metadata: string;
  /** Entered numbers only (null on linked accounts): what the PaymentMethod shows of them. */
  routing_number: string | null;
  last4: string | null;
  fingerprint: string | null;
  /** The entered account number, sealed with the PaymentMethod's id. */
  account_number_sealed: string | null;
  /** 1 when made from a `pm_usBankAccount_*` test token: verified without microdeposits. */
  test_token: number | null;
  /** 1 once its entered numbers were verified with microdeposits. */
  verified: number | null;
}

export interface MandatesTable {
  id: string;
  merchant_id: string;
  created: number;
  payment_method_id: string;
  status: 'active' | 'inactive' | 'pending';
  /** Stripe's customer_acceptance, as JSON. */
  customer_acceptance: string;
}

export interface SetupIntentsTable {
  id: string;
  merchant_id: string;
  created: number;
  client_secret: string;
  customer_id: string | null;
  payment_method_id: string | null;
  status: 'requires_payment_method' | 'requires_confirmation' | 'requires_action' | 'succeeded' | 'canceled';
  usage: 'off_session' | 'on_session';
  description: string | null;
  verification_method: 'automatic' | 'instant' | 'microdeposits';
  metadata: string;
  mandate_id: string | null;
  latest_attempt_id: string | null;
  cancellation_reason: 'abandoned' | 'duplicate' | 'requested_by_customer' | null;
  /** While it waits for microdeposits (requires_action): when they land. */
  microdeposits_arrival: number | null;
  /** Wrong microdeposit verifications tried so far. */
  microdeposit_failures: number | null;
  /** The mandate acceptance given at confirmation, as JSON, recorded once microdeposits verify. */
  pending_acceptance: string | null;
  /** Why the last setup failed (code and message), as JSON. */
  last_setup_error: string | null;
}

export interface SetupAttemptsTable {
  id: string;
  merchant_id: string;
  created: number;
  setup_intent_id: string;
  customer_id: string | null;
  payment_method_id: string;
  status: 'succeeded';
  usage: 'off_session' | 'on_session';
}

export interface PaymentIntentsTable {
  id: string;
  merchant_id: string;
  created: number;
  client_secret: string;
  amount: number;
  currency: 'usd';
  customer_id: string | null;
  payment_method_id: string | null;
  status:
    | 'requires_payment_method'
    | 'requires_confirmation'
    | 'requires_action'
    | 'processing'
    | 'succeeded'
    | 'canceled';
  description: string | null;
  metadata: string;
  /** While it waits for its entered account's microdeposits: when they land (merchant's clock). */
  microdeposits_arrival: number | null;
  /** Wrong microdeposit verifications tried so far. */
  microdeposit_failures: number | null;
  /** The mandate to debit under once the microdeposits verify, as JSON. */
  pending_mandate: string | null;
  /** The mandate the debit is made under, set on confirmation. */
  mandate_id: string | null;
  latest_charge_id: string | null;
  /** Stripe's last_payment_error as JSON, with the PaymentMethod as it was when the debit failed. */
  last_payment_error: string | null;
  /** When the debit settles, on the merchant's sandbox clock (Unix seconds); set while processing. */
  settles_at: number | null;
  canceled_at: number | null;
  cancellation_reason: 'abandoned' | 'duplicate' | 'fraudulent' | 'requested_by_customer' | null;
}

export interface ChargesTable {
  id: string;
  merchant_id: string;
  created: number;
  payment_intent_id: string;
  amount: number;
  currency: 'usd';
  customer_id: string | null;
  payment_method_id: string;
  mandate_id: string;
  description: string | null;
  status: 'pending' | 'succeeded' | 'failed';
  failure_code: string | null;
  failure_message: string | null;
  /** Stripe's payment_method_details.us_bank_account, as the bank account was when debited (JSON). */
  bank_details: string;
  /** The balance transaction a succeeded charge added to the merchant's balance. */
  balance_transaction_id: string | null;
}

/** Funds moving through a merchant's balance: one row per Stripe balance transaction. */
export interface BalanceTransactionsTable {
  id: string;
  merchant_id: string;
  created: number;
  type: string;
  reporting_category: string;
  /** The object the funds moved for (a charge id); null for movements of no object. */
  source_id: string | null;
  amount: number;
  currency: string;
  fee: number;
  /** Stripe's fee_details (JSON). */
  fee_details: string;
  net: number;
  /** When the net funds become available, on the merchant's sandbox clock (Unix seconds). */
  available_on: number;
  description: string | null;
}

export interface TopupsTable {
  id: string;
  merchant_id: string;
  created: number;
  amount: number;
  currency: string;
  status: 'pending' | 'succeeded' | 'canceled';
  /** When the debit of the platform's bank account settles, on the merchant's sandbox clock. */
  settles_at: number;
  /** Set when the top-up succeeds and its funds enter the balance. */
  balance_transaction_id: string | null;
  description: string | null;
  /** JSON. */
  metadata: string;
  statement_descriptor: string | null;
  transfer_group: string | null;
}

export interface TransfersTable {
  id: string;
  /** The platform that sent the funds. */
  merchant_id: string;
  created: number;
  amount: number;
  currency: string;
  /** The connected account that received them. */
  destination: string;
  /** The payment the funds arrived as, on the connected account (its balance transaction's source). */
  destination_payment: string;
  /** The platform's balance transaction: the funds leaving its balance. */
  balance_transaction_id: string;
  description: string | null;
  /** JSON. */
  metadata: string;
  transfer_group: string | null;
}

export interface DashboardSessionsTable {
  /** SHA-256 of the token the session cookie holds. */
  token_hash: string;
  merchant_id: string;
  /** Sent back by the dashboard's page with each change it asks for. */
  csrf_token: string;
  created: number;
  expires_at: number;
}

/** A single-use bank account token from a session that linked an account for a connected account. */
export interface BankAccountTokensTable {
  id: string;
  /** The merchant that made the session. */
  merchant_id: string;
  /** The account the session linked for (its `account_holder[account]`): the only one that can use it. */
  account_id: string;
  session_id: string;
  fc_account_id: string;
  /** The bank account id (`ba_`) the token becomes when attached. */
  bank_account_id: string;
  created: number;
  used: number;
  account_holder_type: 'individual' | 'company';
  account_type: 'checking' | 'savings' | null;
  bank_name: string | null;
  last4: string;
  routing_number: string;
  fingerprint: string;
}

/** A connected account's bank account for payouts (an external account), on a linked account. */
export interface ExternalAccountsTable {
  id: string;
  account_id: string;
  fc_account_id: string;
  created: number;
  account_holder_name: string | null;
  account_holder_type: 'individual' | 'company' | null;
  account_type: 'checking' | 'savings' | null;
  bank_name: string | null;
  last4: string;
  routing_number: string;
  fingerprint: string;
  currency: string;
  default_for_currency: number;
  status: 'new' | 'tokenized_account_number_deactivated' | 'errored';
  /** JSON. */
  metadata: string;
}

/** One API request, as the dashboard's logs show it: secrets redacted, bodies capped. */
export interface RequestLogsTable {
  /** The request's `Request-Id` (`req_…`). */
  id: string;
  /** The merchant whose key made the request. */
  merchant_id: string;
  /** The connected account the request acted as (`Stripe-Account`); null for the merchant itself. */
  account: string | null;
  created: number;
  method: string;
  /** The URL's path, without its query. */
  path: string;
  status: number;
  duration_ms: number;
  api_version: string | null;
  idempotency_key: string | null;
  /** The query or form parameters as JSON, redacted and capped; null when they could not be read. */
  params: string | null;
  /** How long the redacted parameters were (characters) before the cap. */
  params_size: number;
  /** The response body, redacted and capped; null when there was none. */
  response: string | null;
  /** How long the redacted response body was (characters) before the cap. */
  response_size: number;
}

/** Funds an account sent from its available balance to one of its bank accounts. */
export interface PayoutsTable {
  id: string;
  /** The account paying out: a connected account, or a platform. */
  merchant_id: string;
  created: number;
  amount: number;
  currency: string;
  status: 'pending' | 'in_transit' | 'paid' | 'failed' | 'canceled';
  method: 'standard';
  /** The bank account (`ba_`) the funds go to. */
  destination: string;
  /** When the payout leaves for the bank, on the account's sandbox clock. */
  in_transit_at: number;
  /** When the funds reach the bank account (and the payout is paid, or fails). */
  arrival_date: number;
  /** The funds leaving the balance. */
  balance_transaction_id: string;
  /** The funds coming back, when the payout failed. */
  failure_balance_transaction_id: string | null;
  failure_code: string | null;
  failure_message: string | null;
  description: string | null;
  /** JSON. */
  metadata: string;
  statement_descriptor: string | null;
}

export interface Database {
  merchant_accounts: MerchantAccountsTable;
  api_keys: ApiKeysTable;
  customers: CustomersTable;
  fc_authorizations: FcAuthorizationsTable;
  fc_accounts: FcAccountsTable;
  fc_sessions: FcSessionsTable;
  fc_session_accounts: FcSessionAccountsTable;
  fc_session_flows: FcSessionFlowsTable;
  fc_account_ownerships: FcAccountOwnershipsTable;
  fc_account_owners: FcAccountOwnersTable;
  fc_transactions: FcTransactionsTable;
  idempotency_keys: IdempotencyKeysTable;
  sandbox_clocks: SandboxClocksTable;
  events: EventsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  hosted_links: HostedLinksTable;
  payment_methods: PaymentMethodsTable;
  mandates: MandatesTable;
  setup_intents: SetupIntentsTable;
  setup_attempts: SetupAttemptsTable;
  payment_intents: PaymentIntentsTable;
  charges: ChargesTable;
  dashboard_sessions: DashboardSessionsTable;
  balance_transactions: BalanceTransactionsTable;
  topups: TopupsTable;
  transfers: TransfersTable;
  bank_account_tokens: BankAccountTokensTable;
  external_accounts: ExternalAccountsTable;
  request_logs: RequestLogsTable;
  payouts: PayoutsTable;
}
