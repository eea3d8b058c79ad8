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
  // What moved the funds. A connected account's payment from a transfer has no object of its own:
  // its source (`py_…`) stays an id.
  expandable: { source: ['charge', 'topup', 'transfer', 'payout'] },
});
