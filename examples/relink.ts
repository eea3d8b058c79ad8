import Stripe from 'stripe';

// The official SDK pointed at openfc, with the secret key `npx openfc serve` printed.
const api = new URL(process.env.OPENFC_API_BASE ?? 'http://127.0.0.1:4242');
const protocol = api.protocol === 'https:' ? 'https' : 'http';
const stripe = new Stripe(process.env.OPENFC_SECRET_KEY ?? '', {
  host: api.hostname,
  port: Number(api.port) || (protocol === 'https' ? 443 : 80),
  protocol,
});

// The SDK's types follow the GA version it pins; relink is in the preview versions. Ask for one
// per request, and type the preview fields this code reads on top of the SDK's own types.
const preview = { apiVersion: '2026-03-04.preview' } satisfies Stripe.RequestOptions;

interface PreviewAccount extends Stripe.FinancialConnections.Account {
  authorization: string;
  status_details?: Stripe.FinancialConnections.Account.StatusDetails & {
    // Causes are an open list, as every Stripe enum: access_expired, account_closed, …
    inactive?: { action: 'none' | 'relink_required'; cause: string };
  };
}

interface PreviewSession extends Stripe.FinancialConnections.Session {
  status: 'pending' | 'succeeded' | 'cancelled' | 'failed';
  relink_result: { account: string | null; authorization: string | null; failure_reason: string | null };
}

type RelinkSessionParams = Stripe.FinancialConnections.SessionCreateParams & {
  relink_options: { authorization: string; account?: string };
};

async function retrieveAccount(id: string): Promise<PreviewAccount> {
  const account: Stripe.FinancialConnections.Account = await stripe.financialConnections.accounts.retrieve(
    id,
    {},
    preview,
  );
  return account as PreviewAccount;
}

/** openfc's test helper: does in one call what the user would do in the hosted flow. */
function complete(session: string, params: Record<string, unknown> = {}): Promise<PreviewSession> {
  const path = `/v1/test_helpers/financial_connections/sessions/${session}/complete`;
  return stripe.rawRequest('POST', path, params, preview);
}

// Link one account at Test Institution, then let its consent expire at the bank.
const customer = await stripe.customers.create({ email: 'ada@example.com' });
const account_holder = { type: 'customer' as const, customer: customer.id };
const session = await stripe.financialConnections.sessions.create(
  { account_holder, permissions: ['balances'], limits: { accounts: 1 } },
  preview,
);
const [linked] = (await complete(session.id, { institution: 'Test Institution' })).accounts.data;
if (!linked) throw new Error('no account was linked');
const { authorization } = await retrieveAccount(linked.id);
await stripe.rawRequest(
  'POST',
  `/v1/test_helpers/financial_connections/authorizations/${authorization}/simulate`,
  { event: 'consent_expired' },
  preview,
);

// What a merchant does on financial_connections.account.deactivated: read why, and relink.
const account = await retrieveAccount(linked.id);
const inactive = account.status_details?.inactive;
console.log(`${account.id} is ${account.status}: ${inactive?.cause}, ${inactive?.action}`);
if (inactive?.action === 'relink_required') {
  const params: RelinkSessionParams = {
    account_holder,
    permissions: ['balances'],
    relink_options: { authorization: account.authorization, account: account.id },
  };
  const relink = await stripe.financialConnections.sessions.create(params, preview);
  // In the browser, relink.client_secret opens the hosted flow; in a test, the helper completes it.
  const { status, relink_result } = await complete(relink.id);
  console.log(`relink ${status}: ${relink_result.account} is ${(await retrieveAccount(account.id)).status}`);
}
