/** The tables openfc keeps. JSON columns hold text in both backends; times are Unix seconds. */
export interface MerchantAccountsTable {
  id: string;
  name: string;
  default_api_version: string;
  created: number;
}

export interface ApiKeysTable {
  id: string;
  merchant_id: string;
  kind: 'secret' | 'publishable';
  key_hash: string;
  last4: string;
  created: number;
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
}

export interface FcSessionAccountsTable {
  session_id: string;
  account_id: string;
  position: number;
}

export interface IdempotencyKeysTable {
  merchant_id: string;
  key: string;
  request_hash: string;
  state: 'running' | 'done';
  status_code: number | null;
  body: string | null;
  created: number;
}

export interface Database {
  merchant_accounts: MerchantAccountsTable;
  api_keys: ApiKeysTable;
  customers: CustomersTable;
  fc_authorizations: FcAuthorizationsTable;
  fc_accounts: FcAccountsTable;
  fc_sessions: FcSessionsTable;
  fc_session_accounts: FcSessionAccountsTable;
  idempotency_keys: IdempotencyKeysTable;
}
