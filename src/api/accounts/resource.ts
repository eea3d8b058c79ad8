import type { Account } from '../../domain/merchants/connected-accounts.ts';
import { defineResource } from '../resource.ts';
import { renderAccount } from './render.ts';
import { accountRoutes } from './routes.ts';

/**
 * Stripe accounts: the platform's own (`/v1/account`) and its connected accounts. A merchant
 * sees itself and, as a platform, its connected accounts; `account_holder.account` expands to one.
 */
export const stripeAccountResource = defineResource<Account>({
  object: 'account',
  routes: accountRoutes,
  render: renderAccount,
  get: async (services, merchant, id) =>
    services.connectedAccounts.withExternalAccounts(await services.connectedAccounts.get(merchant, id)),
  find: async (services, merchant, id) => {
    const account = await services.connectedAccounts.find(merchant, id);
    return account && !account.deleted ? services.connectedAccounts.withExternalAccounts(account) : undefined;
  },
});
