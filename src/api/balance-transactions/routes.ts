import { balanceTransactionTypes } from '../../domain/balance/balance-transactions.ts';
import { listEnvelope, pageParams, rangeParam, toPage } from '../wire/list.ts';
import { oneOf, str } from '../wire/params.ts';
import { defineRoute } from '../wire/route.ts';
import { renderBalanceTransaction } from './render.ts';

/** The movements of a merchant's funds: read-only, recorded by what moved them. */
export const balanceTransactionRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/balance_transactions/:id',
    returns: 'balance_transaction',
    params: {},
    async handle(ctx) {
      return renderBalanceTransaction(
        await ctx.services.balanceTransactions.get(ctx.merchant.id, ctx.path.id ?? ''),
      );
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/balance_transactions',
    returns: { list: 'balance_transaction' },
    params: {
      ...pageParams,
      type: oneOf(balanceTransactionTypes).optional(),
      source: str().optional(),
      currency: str(3).optional(),
      created: rangeParam.optional(),
    },
    async handle(ctx, p) {
      const page = await ctx.services.balanceTransactions.list(
        ctx.merchant.id,
        { type: p.type, source: p.source, currency: p.currency, created: p.created },
        toPage(p),
      );
      return listEnvelope('/v1/balance_transactions', page.data.map(renderBalanceTransaction), page.hasMore);
    },
  }),
];
