import { defineRoute } from '../wire/route.ts';
import { renderBalance } from './render.ts';

/** The balance of the account a request acts as: the platform's own, or a connected account's. */
export const balanceRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/balance',
    returns: 'balance',
    params: {},
    async handle(ctx) {
      return renderBalance(await ctx.services.balanceTransactions.fundsByStatus(ctx.merchant.id));
    },
  }),
];
