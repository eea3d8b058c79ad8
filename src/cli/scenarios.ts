import type { ApiClient } from './api-client.ts';
import { fundsScenarios } from './funds-scenarios.ts';
import { paymentScenarios } from './payment-scenarios.ts';
import { createCustomer, linkAccount, type Say, type Scenario } from './scenario-steps.ts';

async function deactivate(api: ApiClient, say: Say) {
  const linked = await linkAccount(api, say);
  await api.post(`/v1/test_helpers/financial_connections/authorizations/${linked.authorization}/simulate`, {
    event: 'consent_expired',
  });
  say(`Simulated consent_expired on authorization ${linked.authorization}`);
  return linked;
}

/** Links an account with the feature's permission and refreshes it; the event comes when it ends. */
function refresh(feature: 'balance' | 'ownership' | 'transactions', permission: string): Scenario {
  return async (api, say) => {
    const { account } = await linkAccount(api, say, [permission]);
    await api.post(`/v1/financial_connections/accounts/${account}/refresh`, { features: [feature] });
    say(`Asked to refresh the ${feature} of account ${account}`);
    return { objects: [account] };
  };
}

/**
 * The event types `openfc trigger` can cause, each through the real lifecycle over the API, as a
 * merchant's own calls and the test helpers would.
 */
export const scenarios: Record<string, Scenario> = {
  'customer.created': async (api, say) => ({ objects: [await createCustomer(api, say)] }),
  'customer.updated': async (api, say) => {
    const id = await createCustomer(api, say);
    await api.post(`/v1/customers/${id}`, { name: 'Updated by openfc trigger' });
    say(`Updated customer ${id}`);
    return { objects: [id] };
  },
  'customer.deleted': async (api, say) => {
    const id = await createCustomer(api, say);
    await api.delete(`/v1/customers/${id}`);
    say(`Deleted customer ${id}`);
    return { objects: [id] };
  },
  'financial_connections.account.created': async (api, say) => ({
    objects: [(await linkAccount(api, say)).account],
  }),
  'financial_connections.account.deactivated': async (api, say) => ({
    objects: [(await deactivate(api, say)).account],
  }),
  'financial_connections.account.reactivated': async (api, say) => {
    const { customer, account, authorization } = await deactivate(api, say);
    const relink = await api.post('/v1/financial_connections/sessions', {
      account_holder: { type: 'customer', customer },
      permissions: ['balances', 'payment_method'],
      relink_options: { authorization, account },
    });
    await api.post(`/v1/test_helpers/financial_connections/sessions/${String(relink.id)}/complete`, {});
    say(`Relinked authorization ${authorization} through session ${String(relink.id)}`);
    return { objects: [account] };
  },
  'financial_connections.account.disconnected': async (api, say) => {
    const { account } = await linkAccount(api, say);
    await api.post(`/v1/financial_connections/accounts/${account}/disconnect`);
    say(`Disconnected account ${account}`);
    return { objects: [account] };
  },
  'financial_connections.account.refreshed_balance': refresh('balance', 'balances'),
  'financial_connections.account.refreshed_ownership': refresh('ownership', 'ownership'),
  'financial_connections.account.refreshed_transactions': refresh('transactions', 'transactions'),
  ...paymentScenarios,
  ...fundsScenarios,
};
