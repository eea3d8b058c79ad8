import type { Topup } from '../../domain/balance/topups.ts';
import { defineResource } from '../resource.ts';
import { renderTopup } from './render.ts';
import { topupRoutes } from './routes.ts';

export const topupResource = defineResource<Topup>({
  object: 'topup',
  routes: topupRoutes,
  render: renderTopup,
  get: (services, merchant, id) => services.topups.get(merchant.id, id),
  find: (services, merchant, id) => services.topups.find(merchant.id, id),
  expandable: { balance_transaction: 'balance_transaction' },
});
