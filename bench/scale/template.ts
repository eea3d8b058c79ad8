/**
 * The rows the seeder copies, made through openfc's HTTP API as a merchant would: a webhook
 * endpoint, a customer, a session with the `balances`, `payment_method` and `transactions`
 * permissions completed with the test helper, its first account's transactions refreshed, and
 * every event delivered.
 */
import { setTimeout as sleep } from 'node:timers/promises';

const apiVersion = '2026-03-04.preview';

export interface TemplateFixture {
  customer: string;
  /** The first linked account: numbers, transactions, events, deliveries. */
  account: string;
  /** Every account the session linked. */
  accounts: string[];
  endpoint: string;
}

export type Call = (method: 'GET' | 'POST', path: string, form?: string) => Promise<Record<string, unknown>>;

/** Calls openfc with the secret key; a non-2xx answer throws with its body. */
export function apiCaller(url: string, secretKey: string): Call {
  return async (method, path, form) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${secretKey}`,
        'stripe-version': apiVersion,
        ...(form !== undefined && { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      body: form,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
}

async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await sleep(50);
  }
}

export async function makeTemplate(call: Call, webhookUrl: string): Promise<TemplateFixture> {
  const endpoint = (
    await call('POST', '/v1/webhook_endpoints', `url=${encodeURIComponent(webhookUrl)}&enabled_events[]=*`)
  ).id as string;
  const customer = (
    await call('POST', '/v1/customers', 'name=Template%20Holder&email=template%40example.com')
  ).id as string;
  const session = (
    await call(
      'POST',
      '/v1/financial_connections/sessions',
      `account_holder[type]=customer&account_holder[customer]=${customer}&permissions[0]=balances&permissions[1]=payment_method&permissions[2]=transactions`,
    )
  ).id as string;
  const completed = await call(
    'POST',
    `/v1/test_helpers/financial_connections/sessions/${session}/complete`,
    '',
  );
  const accounts = ((completed.accounts as { data: { id: string }[] }).data ?? []).map((a) => a.id);
  const account = accounts[0];
  if (!account) throw new Error(`Completing ${session} linked no accounts.`);
  await call('POST', `/v1/financial_connections/accounts/${account}/refresh`, 'features[]=transactions');
  await until(
    `the transactions of ${account}`,
    () => call('GET', `/v1/financial_connections/accounts/${account}`),
    (a) => (a.transaction_refresh as { status?: string } | null)?.status === 'succeeded',
  );
  await until(
    'every event to be delivered',
    () => call('GET', '/v1/events?limit=100'),
    (list) => (list.data as { pending_webhooks: number }[]).every((e) => e.pending_webhooks === 0),
  );
  return { customer, account, accounts, endpoint };
}
