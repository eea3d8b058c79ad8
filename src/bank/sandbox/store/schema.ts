/**
 * The sandbox bank's own tables. They stand for an outside institution's records, so they live
 * apart from openfc's: a file of their own on SQLite, a schema of their own on PostgreSQL. Tokens,
 * codes and pending-login ids are kept only as SHA-256 digests.
 */
export interface BankDatabase {
  bank_meta: { name: string; value: string };
  /** OAuth clients registered with the bank (openfc is one), with a digest of their secret. */
  bank_clients: { id: string; secret_digest: string; created: number };
  /** Holders. `tenant` is the merchant a client acts for: holders never cross tenants. */
  bank_users: {
    id: string;
    tenant: string;
    institution_id: string;
    /** How far this holder's time runs ahead of the bank's clock (openfc's per-merchant clock). */
    time_offset: number;
    created: number;
  };
  bank_accounts: {
    id: string;
    user_id: string;
    account_key: string;
    closed: number;
    unavailable: number;
    number_generation: number;
    numbers_issued_at: number;
    numbers_deactivated: number;
    consents: number;
  };
  bank_consents: {
    id: string;
    client_id: string;
    user_id: string;
    institution_id: string;
    /** JSON array of the bank's account ids. */
    account_ids: string;
    expires_at: number;
    status: string;
    ends_on_first_use: number;
    refresh_digest: string;
    /** When the consent stopped allowing data calls (revoked, disconnected, ...), or null. */
    ended_at: number | null;
    created: number;
  };
  bank_access_tokens: { digest: string; consent_id: string; expires_at: number };
  /** Authorization codes waiting to be exchanged; kept until they expire so a reuse is recognised. */
  bank_codes: {
    digest: string;
    client_id: string | null;
    institution_id: string;
    user_id: string;
    account_ids: string;
    redirect_uri: string | null;
    code_challenge: string | null;
    expires_at: number;
    redeemed_consent: string | null;
  };
  /** Consent pages waiting for the holder's answer, and multi-step logins waiting for the next answer. */
  bank_pending: {
    digest: string;
    kind: 'consent_page' | 'login';
    data: string;
    expires_at: number;
  };
}
