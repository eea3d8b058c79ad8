import type { ApiClient } from './api-client.ts';
import type { Say, Scenario } from './scenario-steps.ts';

const amount = 2000;

function dollars(cents: number): string {
  return `$${(cents / 100).toFixed(2)}`;
}

/** A top-up of the platform's balance, pending until its debit settles. */
async function topUp(api: ApiClient, say: Say): Promise<{ id: string; settlesAt: number }> {
  const topup = await api.post('/v1/topups', {
    amount,
    currency: 'usd',
    description: 'Made by openfc trigger',
  });
  const id = String(topup.id);
  say(`Created top-up ${id} for ${dollars(amount)} (${String(topup.status)})`);
  return { id, settlesAt: Number(topup.expected_availability_date) };
}

/** Moves the merchant's sandbox clock past the top-up's settlement: its funds are then available. */
async function settle(api: ApiClient, say: Say, topup: { id: string; settlesAt: number }): Promise<void> {
  const clock = await api.get('/v1/test_helpers/sandbox_clock');
  const seconds = Math.max(1, topup.settlesAt - Number(clock.now) + 1);
  await api.post('/v1/test_helpers/sandbox_clock/advance', { seconds });
  const settled = await api.get(`/v1/topups/${topup.id}`);
  say(
    `Advanced the sandbox clock past the top-up's settlement: top-up ${topup.id} is now ${String(settled.status)}`,
  );
}

/** A connected account, funded by a settled top-up, and a transfer to it. */
async function transfer(api: ApiClient, say: Say): Promise<string[]> {
  const account = String((await api.post('/v1/accounts', { type: 'custom' })).id);
  say(`Created connected account ${account}`);
  const topup = await topUp(api, say);
  await settle(api, say, topup);
  const made = await api.post('/v1/transfers', {
    amount,
    currency: 'usd',
    destination: account,
    description: 'Made by openfc trigger',
  });
  const id = String(made.id);
  say(`Transferred ${dollars(amount)} to ${account}: transfer ${id}`);
  return [account, topup.id, id];
}

/** The institution whose accounts have tokenized account numbers, which its bank can deactivate. */
const tokenizing = 'Tokenized Account Numbers';

/**
 * A connected account with a bank account for payouts, linked at the tokenizing institution and
 * attached from the session's bank account token, and funds transferred to it.
 */
async function payee(
  api: ApiClient,
  say: Say,
): Promise<{ account: string; fcAccount: string; objects: string[] }> {
  const account = String((await api.post('/v1/accounts', { type: 'custom' })).id);
  say(`Created connected account ${account}`);
  const session = await api.post('/v1/financial_connections/sessions', {
    account_holder: { type: 'account', account },
    permissions: ['payment_method'],
    limits: { accounts: 1 },
  });
  const completed = await api.post(
    `/v1/test_helpers/financial_connections/sessions/${String(session.id)}/complete`,
    { institution: tokenizing },
  );
  const fcAccount = String((completed.accounts as { data: Array<{ id: string }> }).data[0]?.id);
  const token = (completed.bank_account_token as { id?: string } | null)?.id;
  if (!token) throw new Error(`Session ${String(session.id)} made no bank account token.`);
  say(`Completed session ${String(session.id)} at ${tokenizing}: account ${fcAccount}`);
  const bank = String(
    (await api.post(`/v1/accounts/${account}/external_accounts`, { external_account: token })).id,
  );
  say(`Attached bank account ${bank} to ${account}`);
  const topup = await topUp(api, say);
  await settle(api, say, topup);
  const made = await api.post('/v1/transfers', { amount, currency: 'usd', destination: account });
  say(`Transferred ${dollars(amount)} to ${account}: transfer ${String(made.id)}`);
  return { account, fcAccount, objects: [account, bank, topup.id, String(made.id)] };
}

/** A payout of the connected account, and its clock moved past the payout's arrival date. */
async function payOut(api: ApiClient, say: Say, account: string): Promise<string> {
  const as = api.actingAs(account);
  const payout = await as.post('/v1/payouts', {
    amount,
    currency: 'usd',
    description: 'Made by openfc trigger',
  });
  const id = String(payout.id);
  say(`Created payout ${id} for ${dollars(amount)} from ${account} (${String(payout.status)})`);
  const clock = await as.get('/v1/test_helpers/sandbox_clock');
  const seconds = Math.max(1, Number(payout.arrival_date) - Number(clock.now) + 1);
  await as.post('/v1/test_helpers/sandbox_clock/advance', { seconds });
  const arrived = await as.get(`/v1/payouts/${id}`);
  say(
    `Advanced ${account}'s sandbox clock past the payout's arrival date: payout ${id} is now ${String(arrived.status)}`,
  );
  return id;
}

/** The top-up, transfer and payout event types `openfc trigger` can cause, through the platform's API. */
export const fundsScenarios: Record<string, Scenario> = {
  'topup.created': async (api, say) => ({ objects: [(await topUp(api, say)).id] }),
  'topup.succeeded': async (api, say) => {
    const topup = await topUp(api, say);
    await settle(api, say, topup);
    return { objects: [topup.id] };
  },
  'topup.canceled': async (api, say) => {
    const topup = await topUp(api, say);
    await api.post(`/v1/topups/${topup.id}/cancel`);
    say(`Canceled top-up ${topup.id}`);
    return { objects: [topup.id] };
  },
  'transfer.created': async (api, say) => ({ objects: await transfer(api, say) }),
  'transfer.updated': async (api, say) => {
    const objects = await transfer(api, say);
    const id = objects[objects.length - 1] as string;
    await api.post(`/v1/transfers/${id}`, { metadata: { updated_by: 'openfc trigger' } });
    say(`Updated transfer ${id}`);
    return { objects };
  },
  'payout.paid': async (api, say) => {
    const { account, objects } = await payee(api, say);
    return { objects: [...objects, await payOut(api, say, account)], account };
  },
  'payout.failed': async (api, say) => {
    const { account, fcAccount, objects } = await payee(api, say);
    await api.post(`/v1/test_helpers/financial_connections/accounts/${fcAccount}/simulate`, {
      event: 'account_numbers_deactivated',
    });
    say(`Deactivated the tokenized account numbers of ${fcAccount}`);
    return { objects: [...objects, await payOut(api, say, account)], account };
  },
};
