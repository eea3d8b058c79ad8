import type { ApiClient } from './api-client.ts';
import { linkAccount, type Say, type Scenario } from './scenario-steps.ts';

/** The institution whose accounts carry tokenized numbers, which the bank can deactivate. */
const tokenizingInstitution = 'Tokenized Account Numbers';
const amount = 2000;
const day = 86_400;
/** Past the longest settlement openfc allows (30 business days), the debit is not coming. */
const maxSettlementDays = 45;

/**
 * Links an account for payments and sets it up as the ACH guide does: a SetupIntent confirmed
 * with the customer's offline acceptance of a mandate, which saves a PaymentMethod on it.
 */
async function setUp(api: ApiClient, say: Say, institution?: string) {
  const linked = await linkAccount(api, say, ['payment_method'], institution);
  const intent = await api.post('/v1/setup_intents', {
    customer: linked.customer,
    payment_method_types: ['us_bank_account'],
    payment_method_data: {
      type: 'us_bank_account',
      us_bank_account: { financial_connections_account: linked.account },
    },
    mandate_data: { customer_acceptance: { type: 'offline' } },
    confirm: true,
    description: 'Made by openfc trigger',
  });
  const setup = {
    ...linked,
    setupIntent: String(intent.id),
    paymentMethod: String(intent.payment_method),
    mandate: String(intent.mandate),
  };
  say(
    `Confirmed SetupIntent ${setup.setupIntent} with an offline mandate ${setup.mandate}: PaymentMethod ${setup.paymentMethod} (${String(intent.status)})`,
  );
  return setup;
}

type SetUp = Awaited<ReturnType<typeof setUp>>;

/** Confirms a PaymentIntent that debits the saved PaymentMethod under its mandate. */
async function pay(api: ApiClient, say: Say, setup: SetUp) {
  const intent = await api.post('/v1/payment_intents', {
    amount,
    currency: 'usd',
    customer: setup.customer,
    payment_method_types: ['us_bank_account'],
    payment_method: setup.paymentMethod,
    mandate: setup.mandate,
    confirm: true,
    description: 'Made by openfc trigger',
  });
  const paid = { paymentIntent: String(intent.id), charge: String(intent.latest_charge) };
  say(
    `Confirmed PaymentIntent ${paid.paymentIntent} for $${(amount / 100).toFixed(2)} (${String(intent.status)}): charge ${paid.charge}`,
  );
  return paid;
}

/**
 * Moves the merchant's sandbox clock forward a day at a time, as a user would through the test
 * helper, until the ACH debit settles (after --ach-settlement-days business days).
 */
async function settle(api: ApiClient, say: Say, paymentIntent: string): Promise<void> {
  say("Advancing the merchant's sandbox clock a day at a time until the ACH debit settles");
  for (let days = 1; days <= maxSettlementDays; days++) {
    const clock = await api.post('/v1/test_helpers/sandbox_clock/advance', { seconds: day });
    const intent = await api.get(`/v1/payment_intents/${paymentIntent}`);
    if (intent.status === 'processing') continue;
    const now = new Date(Number(clock.now) * 1000).toISOString().slice(0, 10);
    say(
      `Advanced the sandbox clock ${days} day${days === 1 ? '' : 's'}, to ${now}: the debit settled and PaymentIntent ${paymentIntent} is now ${String(intent.status)}`,
    );
    return;
  }
  throw new Error(`PaymentIntent ${paymentIntent} did not settle within ${maxSettlementDays} days.`);
}

async function deactivateNumbers(api: ApiClient, say: Say, account: string) {
  await api.post(`/v1/test_helpers/financial_connections/accounts/${account}/simulate`, {
    event: 'account_numbers_deactivated',
  });
  say(`Simulated account_numbers_deactivated on account ${account}`);
}

function objectsOf(...parts: Array<Record<string, string>>): string[] {
  return parts.flatMap((part) => Object.values(part));
}

const setUpAccount: Scenario = async (api, say) => ({ objects: objectsOf(await setUp(api, say)) });

const detach: Scenario = async (api, say) => {
  const setup = await setUp(api, say);
  await api.post(`/v1/payment_methods/${setup.paymentMethod}/detach`);
  say(`Detached PaymentMethod ${setup.paymentMethod}: its mandate ${setup.mandate} ends`);
  return { objects: objectsOf(setup) };
};

const confirmPayment: Scenario = async (api, say) => {
  const setup = await setUp(api, say);
  return { objects: objectsOf(setup, await pay(api, say, setup)) };
};

const settledPayment: Scenario = async (api, say) => {
  const setup = await setUp(api, say);
  const paid = await pay(api, say, setup);
  await settle(api, say, paid.paymentIntent);
  return { objects: objectsOf(setup, paid) };
};

/** The bank deactivates the account's tokenized numbers before the debit settles: it is returned. */
const failedPayment: Scenario = async (api, say) => {
  const setup = await setUp(api, say, tokenizingInstitution);
  const paid = await pay(api, say, setup);
  await deactivateNumbers(api, say, setup.account);
  await settle(api, say, paid.paymentIntent);
  return { objects: objectsOf(setup, paid) };
};

/** The payment event types `openfc trigger` can cause, each through a real ACH lifecycle. */
export const paymentScenarios: Record<string, Scenario> = {
  'setup_intent.created': setUpAccount,
  'setup_intent.succeeded': setUpAccount,
  'setup_intent.canceled': async (api, say) => {
    const intent = await api.post('/v1/setup_intents', { payment_method_types: ['us_bank_account'] });
    await api.post(`/v1/setup_intents/${String(intent.id)}/cancel`);
    say(`Created and canceled SetupIntent ${String(intent.id)}`);
    return { objects: [String(intent.id)] };
  },
  'payment_method.attached': setUpAccount,
  'payment_method.automatically_updated': async (api, say) => {
    const setup = await setUp(api, say, tokenizingInstitution);
    await deactivateNumbers(api, say, setup.account);
    return { objects: objectsOf(setup) };
  },
  'payment_method.detached': detach,
  'mandate.updated': detach,
  'payment_intent.created': confirmPayment,
  'payment_intent.processing': confirmPayment,
  'charge.pending': confirmPayment,
  'payment_intent.succeeded': settledPayment,
  'charge.succeeded': settledPayment,
  'payment_intent.payment_failed': failedPayment,
  'charge.failed': failedPayment,
  'payment_intent.canceled': async (api, say) => {
    const intent = await api.post('/v1/payment_intents', { amount, currency: 'usd' });
    await api.post(`/v1/payment_intents/${String(intent.id)}/cancel`);
    say(`Created and canceled PaymentIntent ${String(intent.id)}`);
    return { objects: [String(intent.id)] };
  },
};
