import { invalidRequest } from '../../domain/errors.ts';
import type { Merchant } from '../../domain/merchants/service.ts';
import { maximumAmount } from '../../domain/payments/payment-intent-rules.ts';
import { listEnvelope, pageParams, rangeParam, toPage } from '../wire/list.ts';
import { emptyableStr, int, metadata, oneOf, str } from '../wire/params.ts';
import { defineRoute, type RequestContext, requestRef } from '../wire/route.ts';
import { renderTopup } from './render.ts';

/** Top-ups fund a platform's balance: a request acting as a connected account cannot make one. */
function platformOf(ctx: RequestContext): Merchant {
  if (ctx.merchant.platformId !== null)
    throw invalidRequest(
      'Top-ups add funds to a platform’s balance: a request acting as a connected account (Stripe-Account) cannot create one.',
    );
  return ctx.merchant;
}

/** Stripe's rules for a top-up's statement descriptor: printable ASCII with at least one letter. */
function checkDescriptor(descriptor: string | undefined): void {
  if (descriptor === undefined) return;
  if (!/^[\x20-\x7e]*$/.test(descriptor) || /[<>\\'"*]/.test(descriptor))
    throw invalidRequest(
      'The statement descriptor may contain only printable ASCII characters other than <, >, \\, \', " and *.',
      'statement_descriptor',
      'invalid_characters',
    );
  if (!/[A-Za-z]/.test(descriptor))
    throw invalidRequest(
      'The statement descriptor must contain at least one letter.',
      'statement_descriptor',
    );
}

const updatable = {
  description: emptyableStr(5000).optional(),
  metadata: metadata().optional(),
};

export const topupRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/topups',
    returns: 'topup',
    params: {
      amount: int(1, maximumAmount),
      currency: oneOf(['usd']),
      description: str(5000).optional(),
      metadata: metadata().optional(),
      statement_descriptor: str(15).optional(),
      transfer_group: str(5000).optional(),
    },
    async handle(ctx, p) {
      const platform = platformOf(ctx);
      checkDescriptor(p.statement_descriptor);
      const topup = await ctx.services.topups.create(
        platform.id,
        {
          amount: p.amount,
          currency: p.currency,
          description: p.description,
          metadata: p.metadata,
          statementDescriptor: p.statement_descriptor,
          transferGroup: p.transfer_group,
        },
        requestRef(ctx),
      );
      return renderTopup(topup);
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/topups/:topup',
    returns: 'topup',
    params: {},
    async handle(ctx) {
      return renderTopup(await ctx.services.topups.get(ctx.merchant.id, ctx.path.topup ?? ''));
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/topups/:topup',
    returns: 'topup',
    params: updatable,
    async handle(ctx, p) {
      return renderTopup(await ctx.services.topups.update(ctx.merchant.id, ctx.path.topup ?? '', p));
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/topups/:topup/cancel',
    returns: 'topup',
    params: {},
    async handle(ctx) {
      return renderTopup(
        await ctx.services.topups.cancel(ctx.merchant.id, ctx.path.topup ?? '', requestRef(ctx)),
      );
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/topups',
    returns: { list: 'topup' },
    params: {
      ...pageParams,
      status: oneOf(['canceled', 'failed', 'pending', 'succeeded']).optional(),
      created: rangeParam.optional(),
      amount: rangeParam.optional(),
    },
    async handle(ctx, p) {
      // openfc's top-ups never fail: a filter on `failed` finds none.
      if (p.status === 'failed') return listEnvelope('/v1/topups', [], false);
      const page = await ctx.services.topups.list(
        ctx.merchant.id,
        { status: p.status, created: p.created, amount: p.amount },
        toPage(p),
      );
      return listEnvelope('/v1/topups', page.data.map(renderTopup), page.hasMore);
    },
  }),
];
