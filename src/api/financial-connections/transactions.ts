import { listEnvelope, pageParams, rangeParam, toPage } from '../wire/list.ts';
import { obj, str } from '../wire/params.ts';
import { defineRoute } from '../wire/route.ts';
import { renderTransaction } from './render-data.ts';

const url = '/v1/financial_connections/transactions';

export const transactionRoutes = [
  defineRoute({
    method: 'GET',
    url,
    returns: { list: 'financial_connections.transaction' },
    params: {
      ...pageParams,
      account: str(),
      transacted_at: rangeParam.optional(),
      transaction_refresh: obj({ after: str() }).optional(),
    },
    async handle(ctx, p) {
      const page = await ctx.services.transactions.list(
        ctx.merchant.id,
        { account: p.account, transactedAt: p.transacted_at, refreshedAfter: p.transaction_refresh?.after },
        toPage(p),
      );
      return listEnvelope(url, page.data.map(renderTransaction), page.hasMore);
    },
  }),
  defineRoute({
    method: 'GET',
    url: `${url}/:transaction`,
    returns: 'financial_connections.transaction',
    params: {},
    async handle(ctx) {
      return renderTransaction(
        await ctx.services.transactions.get(ctx.merchant.id, ctx.path.transaction ?? ''),
      );
    },
  }),
];
