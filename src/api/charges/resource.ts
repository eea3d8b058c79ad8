import type { Charge } from '../../domain/payments/charges.ts';
import { defineResource } from '../resource.ts';
import { renderCharge } from './render.ts';
import { chargeRoutes } from './routes.ts';

export const chargeResource = defineResource<Charge>({
  object: 'charge',
  routes: chargeRoutes,
  render: renderCharge,
  get: (services, merchant, id) => services.charges.get(merchant.id, id),
  find: (services, merchant, id) => services.charges.find(merchant.id, id),
  expandable: {
    customer: 'customer',
    payment_intent: 'payment_intent',
    balance_transaction: 'balance_transaction',
  },
});
