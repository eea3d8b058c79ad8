import { resourceMissing } from '../../domain/errors.ts';
import type { ExternalAccount } from '../../domain/payouts/external-account-store.ts';
import { defineResource } from '../resource.ts';
import { renderExternalAccount } from './render.ts';
import { externalAccountRoutes } from './routes.ts';

/** Connected accounts' bank accounts for payouts (`account.external_account.*` events carry them). */
export const externalAccountResource = defineResource<ExternalAccount>({
  object: 'bank_account',
  routes: externalAccountRoutes,
  render: renderExternalAccount,
  get: async (services, merchant, id) => {
    const found = await services.externalAccounts.find(merchant, id);
    if (!found) throw resourceMissing('external account', id);
    return found;
  },
  find: (services, merchant, id) => services.externalAccounts.find(merchant, id),
  expandable: { account: 'account' },
});
