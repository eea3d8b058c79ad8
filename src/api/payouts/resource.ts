import type { Payout } from '../../domain/payouts/payouts.ts';
import { defineResource } from '../resource.ts';
import { renderPayout } from './render.ts';
import { payoutRoutes } from './routes.ts';

/** Payouts, seen by the account that made them. */
export const payoutResource = defineResource<Payout>({
  object: 'payout',
  routes: payoutRoutes,
  render: renderPayout,
  get: (services, merchant, id) => services.payouts.get(merchant.id, id),
  find: (services, merchant, id) => services.payouts.find(merchant.id, id),
  expandable: {
    balance_transaction: 'balance_transaction',
    failure_balance_transaction: 'balance_transaction',
    destination: 'bank_account',
  },
});
