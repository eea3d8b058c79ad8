/**
 * openfc under benchmark: started in its own process on an SQLite data dir, with the fixtures the
 * benchmark reads (a customer, a completed session and its accounts) made through the HTTP API.
 *
 * Usage: node --import tsx bench/openfc-server.ts <data dir>
 * Prints one JSON line on stdout once ready:
 *   {"url", "secretKey", "customer", "session", "account", "accountBodyBytes"}
 * Stops cleanly (closing the store) on SIGTERM or SIGINT.
 */
import { startOpenfc } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

const apiVersion = '2026-03-04.preview';

const dataDir = process.argv[2];
if (!dataDir) {
  console.error('Usage: openfc-server.ts <data dir>');
  process.exit(2);
}

const running = await startOpenfc(
  loadConfig({ port: '0', host: '127.0.0.1', dataDir, logLevel: 'warn' }, {}),
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
async function linkAccounts(): Promise<{ session: string; accounts: string[] }> {
  const session = (await call('POST', '/v1/financial_connections/sessions', sessionForm)).json.id as string;
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

process.stdout.write(
  `${JSON.stringify({
    url: running.url,
    secretKey,
    customer,
    session,
    account,
    linkedAccounts,
    accountBodyBytes: Buffer.byteLength(accountBody.text),
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
