import { invalidRequest } from '../../domain/errors.ts';
import type { AccountHolder } from '../../domain/financial-connections/types.ts';
import { listEnvelope, pageParams, toPage } from '../wire/list.ts';
import { obj, str } from '../wire/params.ts';
import { defineRoute, requestRef } from '../wire/route.ts';
import { renderAccount } from './render.ts';

const url = '/v1/financial_connections/accounts';

export const accountRoutes = [
  defineRoute({
    method: 'GET',
    url,
    returns: { list: 'financial_connections.account' },
    params: {
      ...pageParams,
      account_holder: obj({ customer: str().optional(), account: str().optional() }).optional(),
      session: str().optional(),
    },
    async handle(ctx, p) {
      const { customer, account } = p.account_holder ?? {};
      if (customer !== undefined && account !== undefined) {
        throw invalidRequest(
          'You may only specify one of these parameters: account_holder[customer], account_holder[account].',
          'account_holder',
          'parameters_exclusive',
        );
      }
      const holder: AccountHolder | undefined =
        customer !== undefined
          ? { type: 'customer', customer }
          : account !== undefined
            ? { type: 'account', account }
            : undefined;
      if (p.session !== undefined) await ctx.services.sessions.get(ctx.merchant.id, p.session, 'session');
      const page = await ctx.services.accounts.list(
        ctx.merchant.id,
        { holder, session: p.session },
        toPage(p),
      );
      return listEnvelope(
        url,
        page.data.map((a) => renderAccount(a, ctx.version)),
        page.hasMore,
      );
    },
  }),
  defineRoute({
    method: 'GET',
    url: `${url}/:account`,
    returns: 'financial_connections.account',
    params: {},
    async handle(ctx) {
      return renderAccount(
        await ctx.services.accounts.get(ctx.merchant.id, ctx.path.account ?? ''),
        ctx.version,
      );
    },
  }),
  defineRoute({
    method: 'POST',
    url: `${url}/:account/disconnect`,
    returns: 'financial_connections.account',
    params: {},
    async handle(ctx) {
      const account = await ctx.services.accounts.disconnect(
        ctx.merchant.id,
        ctx.path.account ?? '',
        requestRef(ctx),
      );
      // The last connected account of an authorization takes the authorization (and its grant at
      // the bank) with it.
      await ctx.services.bank.disconnectIfUnused(account.authorizationId);
      return renderAccount(account, ctx.version);
    },
  }),
];
