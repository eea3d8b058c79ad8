import type { BalanceTransaction } from '../../domain/balance/balance-transactions.ts';
import { defineResource } from '../resource.ts';
import { renderBalanceTransaction } from './render.ts';
import { balanceTransactionRoutes } from './routes.ts';

export const balanceTransactionResource = defineResource<BalanceTransaction>({
  object: 'balance_transaction',
  routes: balanceTransactionRoutes,
  render: renderBalanceTransaction,
  get: (services, merchant, id) => services.balanceTransactions.get(merchant.id, id),
  find: (services, merchant, id) => services.balanceTransactions.find(merchant.id, id),
  // A charge's funds expand to the charge; the source of a top-up's, a transfer's or a transfer's
  // destination payment stays an id (expansion follows one type per field).
  expandable: { source: 'charge' },
});
