import { invalidRequest } from '../../domain/errors.ts';
import type { AccountHolderType } from '../../domain/payments/bank-account.ts';
import { listEnvelope, pageParams, toPage } from '../wire/list.ts';
import { bool, emptyableStr, metadata, oneOf, str } from '../wire/params.ts';
import { defineRoute, type RequestContext, requestRef } from '../wire/route.ts';
import { renderExternalAccount } from './render.ts';

const listUrl = (account: string) => `/v1/accounts/${account}/external_accounts`;

function accountOf(ctx: RequestContext): string {
  return ctx.path.account ?? '';
}

/** `account_holder_type`: individual or company, or empty to clear it. */
function holderType(value: string | null | undefined): AccountHolderType | null | undefined {
  if (value === undefined || value === null) return value;
  if (value === 'individual' || value === 'company') return value;
  throw invalidRequest(
    `Invalid account_holder_type: must be one of individual, company (got ${value}).`,
    'account_holder_type',
  );
}

/**
 * A connected account's bank accounts for payouts, managed by its platform. openfc makes them
 * from bank account tokens (`btok_`) only: numbers entered by hand and cards are not taken.
 */
export const externalAccountRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/accounts/:account/external_accounts',
    returns: 'bank_account',
    params: {
      external_account: str(),
      default_for_currency: bool().optional(),
      metadata: metadata().optional(),
    },
    async handle(ctx, p) {
      if (!p.external_account.startsWith('btok_')) {
        throw invalidRequest(
          'openfc makes external accounts from bank account tokens only: pass the btok_ token of a Financial Connections session for this account as external_account.',
          'external_account',
        );
      }
      const external = await ctx.services.externalAccounts.attach(
        ctx.merchant,
        accountOf(ctx),
        p.external_account,
        { defaultForCurrency: p.default_for_currency, metadata: p.metadata },
        requestRef(ctx),
      );
      return renderExternalAccount(external);
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/accounts/:account/external_accounts/:id',
    returns: 'bank_account',
    params: {},
    async handle(ctx) {
      return renderExternalAccount(
        await ctx.services.externalAccounts.get(ctx.merchant, accountOf(ctx), ctx.path.id ?? ''),
      );
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/accounts/:account/external_accounts/:id',
    returns: 'bank_account',
    params: {
      default_for_currency: bool().optional(),
      account_holder_name: str().optional(),
      account_holder_type: emptyableStr().optional(),
      metadata: metadata().optional(),
    },
    async handle(ctx, p) {
      const external = await ctx.services.externalAccounts.update(
        ctx.merchant,
        accountOf(ctx),
        ctx.path.id ?? '',
        {
          defaultForCurrency: p.default_for_currency,
          accountHolderName: p.account_holder_name,
          accountHolderType: holderType(p.account_holder_type),
          metadata: p.metadata,
        },
        requestRef(ctx),
      );
      return renderExternalAccount(external);
    },
  }),
  defineRoute({
    method: 'DELETE',
    url: '/v1/accounts/:account/external_accounts/:id',
    returns: 'bank_account',
    params: {},
    async handle(ctx) {
      const gone = await ctx.services.externalAccounts.delete(
        ctx.merchant,
        accountOf(ctx),
        ctx.path.id ?? '',
        requestRef(ctx),
      );
      return { id: gone.id, object: 'bank_account', currency: gone.currency, deleted: true };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/accounts/:account/external_accounts',
    returns: { list: 'bank_account' },
    params: { ...pageParams, object: oneOf(['bank_account', 'card']).optional() },
    async handle(ctx, p) {
      const account = accountOf(ctx);
      const page = await ctx.services.externalAccounts.list(
        ctx.merchant,
        account,
        { object: p.object },
        toPage(p),
      );
      return listEnvelope(listUrl(account), page.data.map(renderExternalAccount), page.hasMore);
    },
  }),
];
