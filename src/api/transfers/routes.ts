import { invalidRequest } from '../../domain/errors.ts';
import type { Merchant } from '../../domain/merchants/service.ts';
import { maximumAmount } from '../../domain/payments/payment-intent-rules.ts';
import { listEnvelope, pageParams, rangeParam, toPage } from '../wire/list.ts';
import { emptyableStr, int, metadata, oneOf, str } from '../wire/params.ts';
import { defineRoute, type RequestContext, requestRef } from '../wire/route.ts';
import { renderTransfer } from './render.ts';

/** A platform sends transfers to its connected accounts: a request acting as one cannot. */
function platformOf(ctx: RequestContext): Merchant {
  if (ctx.merchant.platformId !== null)
    throw invalidRequest(
      'Transfers send a platform’s funds to its connected accounts: a request acting as a connected account (Stripe-Account) cannot create one.',
    );
  return ctx.merchant;
}

export const transferRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/transfers',
    returns: 'transfer',
    params: {
      amount: int(1, maximumAmount),
      currency: oneOf(['usd']),
      destination: str(255),
      description: str(5000).optional(),
      metadata: metadata().optional(),
      transfer_group: str(5000).optional(),
    },
    async handle(ctx, p) {
      const transfer = await ctx.services.transfers.create(
        platformOf(ctx),
        {
          amount: p.amount,
          currency: p.currency,
          destination: p.destination,
          description: p.description,
          metadata: p.metadata,
          transferGroup: p.transfer_group,
        },
        requestRef(ctx),
      );
      return renderTransfer(transfer);
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/transfers/:transfer',
    returns: 'transfer',
    params: {},
    async handle(ctx) {
      return renderTransfer(await ctx.services.transfers.get(ctx.merchant.id, ctx.path.transfer ?? ''));
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/transfers/:transfer',
    returns: 'transfer',
    params: { description: emptyableStr(5000).optional(), metadata: metadata().optional() },
    async handle(ctx, p) {
      return renderTransfer(
        await ctx.services.transfers.update(ctx.merchant.id, ctx.path.transfer ?? '', p, requestRef(ctx)),
      );
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/transfers',
    returns: { list: 'transfer' },
    params: {
      ...pageParams,
      destination: str(255).optional(),
      created: rangeParam.optional(),
      transfer_group: str(5000).optional(),
    },
    async handle(ctx, p) {
      const page = await ctx.services.transfers.list(
        ctx.merchant.id,
        { destination: p.destination, created: p.created, transferGroup: p.transfer_group },
        toPage(p),
      );
      return listEnvelope('/v1/transfers', page.data.map(renderTransfer), page.hasMore);
    },
  }),
];
