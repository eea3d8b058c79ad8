import { checkEmail } from '../wire/email.ts';
import { listEnvelope, pageParams, rangeParam, toPage } from '../wire/list.ts';
import { emptyableStr, metadata, str } from '../wire/params.ts';
import { defineRoute, requestRef } from '../wire/route.ts';
import { renderCustomer } from './render.ts';

const fields = {
  email: emptyableStr(512).optional(),
  name: emptyableStr(256).optional(),
  description: emptyableStr(350).optional(),
  phone: emptyableStr(20).optional(),
  metadata: metadata().optional(),
};

export const customerRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/customers',
    returns: 'customer',
    params: fields,
    async handle(ctx, p) {
      checkEmail(p.email);
      return renderCustomer(await ctx.services.customers.create(ctx.merchant.id, p, requestRef(ctx)));
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/customers/:customer',
    returns: 'customer',
    params: {},
    async handle(ctx) {
      return renderCustomer(await ctx.services.customers.get(ctx.merchant.id, ctx.path.customer ?? ''));
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/customers/:customer',
    returns: 'customer',
    params: fields,
    async handle(ctx, p) {
      checkEmail(p.email);
      return renderCustomer(
        await ctx.services.customers.update(ctx.merchant.id, ctx.path.customer ?? '', p, requestRef(ctx)),
      );
    },
  }),
  defineRoute({
    method: 'DELETE',
    url: '/v1/customers/:customer',
    returns: 'customer',
    params: {},
    async handle(ctx) {
      const id = ctx.path.customer ?? '';
      await ctx.services.customers.delete(ctx.merchant.id, id, requestRef(ctx));
      return { id, object: 'customer', deleted: true };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/customers',
    returns: { list: 'customer' },
    params: { ...pageParams, email: str(512).optional(), created: rangeParam.optional() },
    async handle(ctx, p) {
      const page = await ctx.services.customers.list(
        ctx.merchant.id,
        { email: p.email, created: p.created },
        toPage(p),
      );
      return listEnvelope('/v1/customers', page.data.map(renderCustomer), page.hasMore);
    },
  }),
];
