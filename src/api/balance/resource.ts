import type { FundsByStatus } from '../../domain/balance/balance-transactions.ts';
import { defineResource } from '../resource.ts';
import { renderBalance } from './render.ts';
import { balanceRoutes } from './routes.ts';

/** A merchant's balance: one per merchant, found without an id, summed from its balance transactions. */
export const balanceResource = defineResource<FundsByStatus[]>({
  object: 'balance',
  routes: balanceRoutes,
  singleton: true,
  render: renderBalance,
  get: (services, merchant) => services.balanceTransactions.fundsByStatus(merchant.id),
});
