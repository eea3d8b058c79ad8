import { listEnvelope, pageParams, toPage } from '../wire/list.ts';
import { metadata, obj, str } from '../wire/params.ts';
import { defineRoute, requestRef } from '../wire/route.ts';
import {
  accountTypeParam,
  billingDetailsParams,
  holderTypeParam,
  paymentMethodDataParams,
  paymentMethodInput,
} from './params.ts';
import { renderPaymentMethod } from './render.ts';

const listParams = { ...pageParams, type: str().optional() };

export const paymentMethodRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/payment_methods',
    returns: 'payment_method',
    params: paymentMethodDataParams,
    async handle(ctx, p) {
      return renderPaymentMethod(
        await ctx.services.paymentMethods.create(ctx.merchant.id, paymentMethodInput(p)),
      );
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/payment_methods/:payment_method',
    returns: 'payment_method',
    params: {},
    async handle(ctx) {
      return renderPaymentMethod(
        await ctx.services.paymentMethods.get(ctx.merchant.id, ctx.path.payment_method ?? ''),
      );
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/payment_methods/:payment_method',
    returns: 'payment_method',
    params: {
      billing_details: billingDetailsParams.optional(),
      metadata: metadata().optional(),
      us_bank_account: obj({
        account_holder_type: holderTypeParam.optional(),
        account_type: accountTypeParam.optional(),
      }).optional(),
    },
    async handle(ctx, p) {
      const updated = await ctx.services.paymentMethods.update(
        ctx.merchant.id,
        ctx.path.payment_method ?? '',
        {
          billingDetails: p.billing_details,
          metadata: p.metadata,
          accountHolderType: p.us_bank_account?.account_holder_type,
          accountType: p.us_bank_account?.account_type,
        },
        requestRef(ctx),
      );
      return renderPaymentMethod(updated);
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/payment_methods/:payment_method/attach',
    returns: 'payment_method',
    params: { customer: str() },
    async handle(ctx, p) {
      const id = ctx.path.payment_method ?? '';
      return renderPaymentMethod(
        await ctx.services.paymentMethods.attach(ctx.merchant.id, id, p.customer, requestRef(ctx)),
      );
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/payment_methods/:payment_method/detach',
    returns: 'payment_method',
    params: {},
    async handle(ctx) {
      const id = ctx.path.payment_method ?? '';
      return renderPaymentMethod(
        await ctx.services.paymentMethods.detach(ctx.merchant.id, id, requestRef(ctx)),
      );
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/payment_methods',
    returns: { list: 'payment_method' },
    params: { ...listParams, customer: str().optional() },
    async handle(ctx, p) {
      const page = await ctx.services.paymentMethods.list(
        ctx.merchant.id,
        { customer: p.customer, type: p.type },
        toPage(p),
      );
      return listEnvelope('/v1/payment_methods', page.data.map(renderPaymentMethod), page.hasMore);
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/customers/:customer/payment_methods',
    returns: { list: 'payment_method' },
    params: listParams,
    async handle(ctx, p) {
      const customer = ctx.path.customer ?? '';
      const page = await ctx.services.paymentMethods.list(
        ctx.merchant.id,
        { customer, type: p.type },
        toPage(p),
      );
      return listEnvelope(
        `/v1/customers/${customer}/payment_methods`,
        page.data.map(renderPaymentMethod),
        page.hasMore,
      );
    },
  }),
];
