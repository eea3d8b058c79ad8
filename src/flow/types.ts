/** The flow API's answers, as the contract between the server and this app defines them. */

export interface Institution {
  id: string;
  name: string;
  url: string;
  login: 'oauth' | 'credentials' | 'none';
  status: 'up' | 'down';
  expected_available_at: number | null;
}

export interface PickableAccount {
  id: string;
  display_name: string;
  last4: string;
  category: string;
  subcategory: string;
  selectable: boolean;
  reason: string | null;
  relink_target: boolean;
}

export interface Prompt {
  kind: 'options' | 'mfa' | 'confirm_mfa' | 'security_question';
  message: string;
  options?: string[];
}

export type Step =
  | { kind: 'consent' }
  | { kind: 'institution' }
  | { kind: 'login'; institution: Institution; method: 'credentials' | 'none' }
  | { kind: 'oauth'; institution: Institution; authorize_url: string }
  | { kind: 'prompt'; institution: Institution; prompt: Prompt }
  | { kind: 'accounts'; institution: Institution; multiple: boolean; accounts: PickableAccount[] }
  | {
      kind: 'error';
      institution: Institution | null;
      code:
        | 'institution_unavailable'
        | 'invalid_credentials'
        | 'login_failed'
        | 'access_denied'
        | 'no_account'
        | 'other';
      message: string;
      retry: boolean;
    }
  | {
      kind: 'done';
      status: 'succeeded' | 'cancelled' | 'failed';
      institution: Institution | null;
      accounts: { display_name: string; last4: string }[];
      message: string | null;
    };

export type Permission = 'balances' | 'ownership' | 'payment_method' | 'transactions';

/** The Stripe session object, passed through to the merchant untouched. */
export type StripeSession = Record<string, unknown>;

export interface FlowView {
  object: 'flow_state';
  merchant: { name: string };
  session: {
    id: string;
    status: string;
    permissions: Permission[];
    relink: null | { authorization: string; account: string | null; institution: Institution };
    limits_accounts: number | null;
    account_subcategories: string[] | null;
    ui_mode: 'modal' | 'hosted';
    return_url: string | null;
  };
  step: Step;
  result: StripeSession | null;
  /** A session for a connected account that linked an account no bank account token can be made from. */
  bank_account_token_error: FlowError | null;
}

/** Stripe's error shape; what `openfc:error` carries to the merchant. */
export interface FlowError {
  type: string;
  code?: string | undefined;
  param?: string | undefined;
  message: string;
}

/** What the mandate screen shows: `POST /flow/v1/setup_intents/mandate`. */
export interface MandateView {
  object: 'flow_mandate';
  merchant: { name: string };
  payment_method: { id: string; bank_name: string; last4: string | null };
  /** The SetupIntent as a publishable key sees it, passed through to the merchant untouched. */
  setup_intent: Record<string, unknown>;
}
