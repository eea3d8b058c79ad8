import type Stripe from 'stripe';
import { eventually } from './eventually.ts';
import type { Harness } from './harness.ts';

/** Session objects as preview versions show them (the GA SDK's types lack the relink fields). */
export type PreviewSession = Stripe.FinancialConnections.Session & {
  status: 'pending' | 'succeeded' | 'cancelled' | 'failed';
  status_details?: { cancelled: { reason: string } };
  relink_options?: { authorization: string; account: string | null };
  relink_result?: { account: string | null; authorization: string | null; failure_reason: string | null };
  ui_mode: string;
  url: null;
};

export type PreviewAccount = Stripe.FinancialConnections.Account & {
  authorization: string;
  institution: string;
};

export type CreateParams = Omit<Stripe.FinancialConnections.SessionCreateParams, 'account_holder'> & {
  account_holder?: Stripe.FinancialConnections.SessionCreateParams.AccountHolder;
  relink_options?: { authorization: string; account?: string };
  filters?: Stripe.FinancialConnections.SessionCreateParams.Filters & { institution?: string };
};

export async function createSession(stripe: Stripe, params: CreateParams): Promise<PreviewSession> {
  const created = await stripe.financialConnections.sessions.create(
    params as Stripe.FinancialConnections.SessionCreateParams,
  );
  return created as unknown as PreviewSession;
}

/** The test helper's parameters: what the user would choose and type in the hosted flow. */
export interface CompleteParams {
  institution?: string;
  accounts?: string[];
  outcome?: string;
  credentials?: { username: string; password: string; answers?: string[] };
}

export async function completeSession(
  stripe: Stripe,
  id: string,
  params: CompleteParams = {},
): Promise<PreviewSession> {
  return (await stripe.rawRequest(
    'POST',
    `/v1/test_helpers/financial_connections/sessions/${id}/complete`,
    params,
  )) as PreviewSession;
}

/** A customer with accounts linked at an institution through a completed session. */
export async function linkAccounts(
  h: Harness,
  options: { institution?: string; permissions?: CreateParams['permissions']; limit?: number } = {},
) {
  const stripe = h.stripe();
  const customer = await stripe.customers.create({ email: 'holder@example.com' });
  const session = await createSession(stripe, {
    account_holder: { type: 'customer', customer: customer.id },
    permissions: options.permissions ?? ['balances', 'payment_method'],
    ...(options.limit !== undefined && { limits: { accounts: options.limit } }),
  });
  const completed = await completeSession(stripe, session.id, { institution: options.institution });
  const accounts = completed.accounts.data as PreviewAccount[];
  const authorization = accounts[0]?.authorization as string;
  return { stripe, customer, session: completed, accounts, authorization };
}

/** A deactivation cause (or other bank-side event) made to happen through openfc's test helper. */
export async function simulate(
  stripe: Stripe,
  kind: 'authorizations' | 'accounts',
  id: string,
  event: string,
): Promise<Record<string, unknown>> {
  const path = `/v1/test_helpers/financial_connections/${kind}/${id}/simulate`;
  return (await stripe.rawRequest('POST', path, { event })) as unknown as Record<string, unknown>;
}

/** Strips the SDK's `lastResponse` so that bodies compare as sent. */
export function body<T extends object>(value: T): Omit<T, 'lastResponse'> {
  const { lastResponse: _ignored, ...rest } = value as T & { lastResponse?: unknown };
  return rest;
}

/**
 * Makes a bank-side fact happen directly at the embedded sandbox bank's control endpoint (as the
 * holder or the bank would), without telling openfc.
 */
export async function atBank(h: Harness, path: string): Promise<void> {
  const response = await fetch(`${h.url}/sandbox-bank/control${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.adminToken}` },
  });
  if (!response.ok)
    throw new Error(`The sandbox bank refused ${path}: ${response.status} ${await response.text()}`);
}

/** The holder at the sandbox bank behind an authorization of the harness's default merchant. */
export async function bankUserOf(h: Harness, authorization: string, merchantId = h.running.merchant.id) {
  const found = await h.running.services.authorizations.get(merchantId, authorization);
  return found.bankUserId as string;
}

/** Refreshes an account's balance and waits for the refresh to leave `pending`; the account then. */
export async function refreshBalance(
  stripe: Stripe,
  account: string,
): Promise<Stripe.FinancialConnections.Account> {
  await stripe.financialConnections.accounts.refresh(account, { features: ['balance'] });
  return eventually(
    'the balance refresh to end',
    () => stripe.financialConnections.accounts.retrieve(account),
    (found) => found.balance_refresh?.status !== 'pending',
  );
}
