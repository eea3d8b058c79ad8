import { listEnvelope, pageParams, toPage } from '../wire/list.ts';
import { str } from '../wire/params.ts';
import { defineRoute } from '../wire/route.ts';
import { renderCharge } from './render.ts';

/** The charges of ACH debits: read-only, made and settled by their PaymentIntents. */
export const chargeRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/charges/:charge',
    returns: 'charge',
    params: {},
    async handle(ctx) {
      return renderCharge(await ctx.services.charges.get(ctx.merchant.id, ctx.path.charge ?? ''));
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/charges',
    returns: { list: 'charge' },
    params: { ...pageParams, payment_intent: str().optional(), customer: str().optional() },
    async handle(ctx, p) {
      const page = await ctx.services.charges.list(
        ctx.merchant.id,
        { paymentIntent: p.payment_intent, customer: p.customer },
        toPage(p),
      );
      return listEnvelope('/v1/charges', page.data.map(renderCharge), page.hasMore);
    },
  }),
];
