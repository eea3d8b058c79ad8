/**
 * openfc under benchmark: started in its own process on an SQLite data dir (or a PostgreSQL
 * database), with the fixtures the benchmark reads (a customer, completed sessions and their
 * accounts, and an account with refreshed transactions) made through the HTTP API.
 *
 * Usage: node --import tsx bench/openfc-server.ts <data dir> [PostgreSQL URL]
 * Prints one JSON line on stdout once ready:
 *   {"url", "secretKey", "customer", "session", "account", "linkedAccounts", "accountBodyBytes",
 *    "transactionsAccount", "transactionCount"}
 * Stops cleanly (closing the store) on SIGTERM or SIGINT.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { startOpenfc } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

const apiVersion = '2026-03-04.preview';

const dataDir = process.argv[2];
// With a PostgreSQL URL, openfc stores there (the data dir still holds its keys).
const databaseUrl = process.argv[3];
if (!dataDir) {
  console.error('Usage: openfc-server.ts <data dir> [PostgreSQL URL]');
  process.exit(2);
}

// OPENFC_DASHBOARD=off measures openfc without the dashboard (and so without its request logs).
const dashboardSetting = process.env.OPENFC_DASHBOARD;
const running = await startOpenfc(
  loadConfig(
    {
      port: '0',
      host: '127.0.0.1',
      dataDir,
      databaseUrl,
      logLevel: 'warn',
      // On PostgreSQL, a key of the run's own (without one openfc warns on stdout, this process's answer).
      encryptionKey: databaseUrl === undefined ? undefined : randomBytes(32).toString('hex'),
    },
    dashboardSetting === undefined ? {} : { OPENFC_DASHBOARD: dashboardSetting },
  ),
);
const secretKey = running.keys.secretKey;
if (!secretKey) throw new Error('openfc started without a known secret key.');

async function call(
  method: 'GET' | 'POST',
  path: string,
  form?: string,
): Promise<{ text: string; json: Record<string, unknown> }> {
  const response = await fetch(`${running.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${secretKey}`,
      'stripe-version': apiVersion,
      ...(form !== undefined && { 'content-type': 'application/x-www-form-urlencoded' }),
      // As the official SDK sends every POST: the routes are then measured in a process that has
      // answered idempotent requests, as a merchant's is.
      ...(method === 'POST' && { 'idempotency-key': randomUUID() }),
    },
    body: form,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return { text, json: JSON.parse(text) as Record<string, unknown> };
}

const customer = (await call('POST', '/v1/customers', 'name=Bench%20Customer&email=bench%40example.com')).json
  .id as string;
const sessionForm = `account_holder[type]=customer&account_holder[customer]=${customer}&permissions[0]=balances&permissions[1]=payment_method`;

/** Creates a session and completes it as the sandbox user would, linking the institution's accounts. */
async function linkAccounts(form = sessionForm): Promise<{ session: string; accounts: string[] }> {
  const session = (await call('POST', '/v1/financial_connections/sessions', form)).json.id as string;
  const completed = (
    await call('POST', `/v1/test_helpers/financial_connections/sessions/${session}/complete`, '')
  ).json as { accounts?: { data?: { id: string }[] } };
  return { session, accounts: (completed.accounts?.data ?? []).map((a) => a.id) };
}

// One session's accounts are the benchmarked account; more sessions fill a whole page of
// `GET /v1/financial_connections/accounts?limit=10`.
const first = await linkAccounts();
const session = first.session;
const account = first.accounts[0];
if (!account) throw new Error(`Completing ${session} linked no accounts.`);
let linkedAccounts = first.accounts.length;
for (let more = 0; linkedAccounts < 10 && more < 10; more++)
  linkedAccounts += (await linkAccounts()).accounts.length;

const accountBody = await call('GET', `/v1/financial_connections/accounts/${account}`);

// An account linked with the `transactions` permission, its transactions refreshed from the sandbox
// bank, for `GET /v1/financial_connections/transactions?account=…&limit=100`.
const transactionsAccount = (
  await linkAccounts(
    `account_holder[type]=customer&account_holder[customer]=${customer}&permissions[0]=balances&permissions[1]=transactions`,
  )
).accounts[0];
if (!transactionsAccount) throw new Error('Completing the transactions session linked no accounts.');
await call(
  'POST',
  `/v1/financial_connections/accounts/${transactionsAccount}/refresh`,
  'features[]=transactions',
);
const refreshDeadline = Date.now() + 10_000;
for (;;) {
  const refresh = (await call('GET', `/v1/financial_connections/accounts/${transactionsAccount}`)).json
    .transaction_refresh as { status?: string } | null;
  if (refresh?.status === 'succeeded') break;
  if (refresh?.status === 'failed')
    throw new Error(`The transaction refresh of ${transactionsAccount} failed.`);
  if (Date.now() > refreshDeadline) {
    throw new Error(
      `The transaction refresh of ${transactionsAccount} did not succeed within 10 s (status ${refresh?.status}).`,
    );
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
}
// Every transaction of the account, counted page by page.
let transactionCount = 0;
for (let after: string | undefined; ; ) {
  const page = (
    await call(
      'GET',
      `/v1/financial_connections/transactions?account=${transactionsAccount}&limit=100${after ? `&starting_after=${after}` : ''}`,
    )
  ).json as { data: { id: string }[]; has_more: boolean };
  transactionCount += page.data.length;
  after = page.data.at(-1)?.id;
  if (!page.has_more || !after) break;
}

process.stdout.write(
  `${JSON.stringify({
    url: running.url,
    secretKey,
    customer,
    session,
    account,
    linkedAccounts,
    accountBodyBytes: Buffer.byteLength(accountBody.text),
    transactionsAccount,
    transactionCount,
  })}\n`,
);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await running.close();
  // An explicit exit, so that `--cpu-prof` writes its profile.
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
