import { accountEvents, authorizationEvents } from '../../domain/financial-connections/simulate.ts';
import { renderAccount, renderAuthorization } from '../financial-connections/render.ts';
import { oneOf } from '../wire/params.ts';
import { defineRoute } from '../wire/route.ts';

/** Test helpers that make bank-side facts happen, synchronously. */
export const simulateRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/test_helpers/financial_connections/authorizations/:authorization/simulate',
    returns: 'financial_connections.authorization',
    params: { event: oneOf(authorizationEvents) },
    previewOnly: true,
    async handle(ctx, p) {
      const id = ctx.path.authorization ?? '';
      return renderAuthorization(
        await ctx.services.simulator.authorization(ctx.merchant.id, id, p.event),
        ctx.version,
      );
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/test_helpers/financial_connections/accounts/:account/simulate',
    returns: 'financial_connections.account',
    params: { event: oneOf(accountEvents) },
    async handle(ctx, p) {
      const id = ctx.path.account ?? '';
      return renderAccount(await ctx.services.simulator.account(ctx.merchant.id, id, p.event), ctx.version);
    },
  }),
];
