import { defineRoute } from '../wire/route.ts';
import { renderMandate } from './render.ts';

export const mandateRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/mandates/:mandate',
    returns: 'mandate',
    params: {},
    async handle(ctx) {
      return renderMandate(await ctx.services.mandates.get(ctx.merchant.id, ctx.path.mandate ?? ''));
    },
  }),
];
