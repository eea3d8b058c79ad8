import { ApiError } from '../../domain/errors.ts';
import { maximumAmount } from '../../domain/payments/payment-intent-rules.ts';
import { listEnvelope, pageParams, rangeParam, toPage } from '../wire/list.ts';
import { int, metadata, oneOf, str } from '../wire/params.ts';
import { defineRoute, requestRef } from '../wire/route.ts';
import { renderPayout } from './render.ts';

/** openfc's bank accounts take ACH payouts only: Stripe's refusal of an instant one. */
function instantRefused(): ApiError {
  return new ApiError({
    status: 400,
    type: 'invalid_request_error',
    code: 'instant_payouts_unsupported',
    message: 'Instant Payouts are not supported for this bank account: use the standard method.',
    param: 'method',
  });
}

export const payoutRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/payouts',
    returns: 'payout',
    params: {
      amount: int(1, maximumAmount),
      currency: oneOf(['usd']),
      destination: str(255).optional(),
      description: str(5000).optional(),
      metadata: metadata().optional(),
      method: oneOf(['standard', 'instant']).optional(),
      source_type: oneOf(['bank_account', 'card', 'fpx']).optional(),
      statement_descriptor: str(22).optional(),
    },
    async handle(ctx, p) {
      if (p.method === 'instant') throw instantRefused();
      const payout = await ctx.services.payouts.create(
        ctx.merchant.id,
        {
          amount: p.amount,
          currency: p.currency,
          destination: p.destination,
          description: p.description,
          metadata: p.metadata,
          statementDescriptor: p.statement_descriptor,
        },
        requestRef(ctx),
      );
      return renderPayout(payout);
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/payouts/:payout',
    returns: 'payout',
    params: {},
    async handle(ctx) {
      return renderPayout(await ctx.services.payouts.get(ctx.merchant.id, ctx.path.payout ?? ''));
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/payouts/:payout',
    returns: 'payout',
    params: { metadata: metadata().optional() },
    async handle(ctx, p) {
      return renderPayout(
        await ctx.services.payouts.update(ctx.merchant.id, ctx.path.payout ?? '', p, requestRef(ctx)),
      );
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/payouts/:payout/cancel',
    returns: 'payout',
    params: {},
    async handle(ctx) {
      return renderPayout(
        await ctx.services.payouts.cancel(ctx.merchant.id, ctx.path.payout ?? '', requestRef(ctx)),
      );
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/payouts',
    returns: { list: 'payout' },
    params: {
      ...pageParams,
      status: oneOf(['pending', 'in_transit', 'paid', 'failed', 'canceled']).optional(),
      destination: str(255).optional(),
      created: rangeParam.optional(),
      arrival_date: rangeParam.optional(),
    },
    async handle(ctx, p) {
      const page = await ctx.services.payouts.list(
        ctx.merchant.id,
        { status: p.status, destination: p.destination, created: p.created, arrivalDate: p.arrival_date },
        toPage(p),
      );
      return listEnvelope('/v1/payouts', page.data.map(renderPayout), page.hasMore);
    },
  }),
];
