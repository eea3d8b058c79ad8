import type { BankAccountToken } from '../../domain/payouts/bank-account-tokens.ts';
import { defineResource } from '../resource.ts';
import { defineRoute } from '../wire/route.ts';
import { renderToken } from './render.ts';

/**
 * Tokens: openfc makes bank account tokens only, from sessions that link an account for a
 * connected account; `GET /v1/tokens/:token` reads one (`used` once it was attached).
 */
export const tokenResource = defineResource<BankAccountToken>({
  object: 'token',
  routes: [
    defineRoute({
      method: 'GET',
      url: '/v1/tokens/:token',
      returns: 'token',
      params: {},
      async handle(ctx) {
        return renderToken(await ctx.services.bankAccountTokens.get(ctx.merchant.id, ctx.path.token ?? ''));
      },
    }),
  ],
  render: renderToken,
  get: (services, merchant, id) => services.bankAccountTokens.get(merchant.id, id),
  find: (services, merchant, id) => services.bankAccountTokens.find(merchant.id, id),
});
