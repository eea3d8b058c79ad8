import { z } from 'zod';
import { invalidRequest } from '../../domain/errors.ts';
import {
  type AccountHolder,
  accountSubcategories,
  permissions,
  prefetchFeatures,
} from '../../domain/financial-connections/types.ts';
import { renderToken } from '../tokens/render.ts';
import { arrayOf, emptyableInt, obj, oneOf, str } from '../wire/params.ts';
import { defineRoute, type RequestContext } from '../wire/route.ts';
import { hostedParams, hostedSettings } from './hosted-params.ts';
import { renderSession } from './render.ts';

const holderParams = obj({
  type: oneOf(['account', 'customer']),
  customer: str().optional(),
  account: str().optional(),
});

function toHolder(p: z.output<typeof holderParams> | undefined): AccountHolder | null {
  if (!p) return null;
  const other = p.type === 'customer' ? 'account' : 'customer';
  if (p[other] !== undefined) {
    throw invalidRequest(
      `account_holder[${other}] is only available when account_holder[type] is ${other}.`,
      `account_holder[${other}]`,
    );
  }
  const id = p[p.type];
  if (id === undefined) {
    throw invalidRequest(
      `Missing required param: account_holder[${p.type}].`,
      `account_holder[${p.type}]`,
      'parameter_missing',
    );
  }
  return p.type === 'customer' ? { type: 'customer', customer: id } : { type: 'account', account: id };
}

/** Parameters that exist only on preview API versions are unknown on GA ones, as on Stripe. */
function refusePreviewParams(ctx: RequestContext, present: Record<string, unknown>): void {
  if (ctx.version.preview) return;
  for (const [name, value] of Object.entries(present)) {
    if (value !== undefined)
      throw invalidRequest(`Received unknown parameter: ${name}`, name, 'parameter_unknown');
  }
}

function checkReturnUrl(url: string | undefined): void {
  if (url === undefined) return;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidRequest(`Not a valid URL: return_url must be an absolute URL.`, 'return_url', 'url_invalid');
  }
  if (parsed.username || parsed.password) {
    throw invalidRequest('return_url must not carry credentials.', 'return_url', 'url_invalid');
  }
}

const createParams = {
  account_holder: holderParams.optional(),
  permissions: z.array(oneOf(permissions)).min(1),
  hosted: hostedParams,
  filters: obj({
    account_subcategories: arrayOf(oneOf(accountSubcategories)).optional(),
    countries: arrayOf(str(2)).optional(),
    institution: str().optional(),
    require_payment_method_support: oneOf(['all', 'at_least_one', 'none']).optional(),
  }).optional(),
  limits: obj({ accounts: emptyableInt(1, 100) }).optional(),
  manual_entry: obj({ mode: oneOf(['automatic', 'custom', 'disabled']).optional() }).optional(),
  prefetch: arrayOf(oneOf(prefetchFeatures)).optional(),
  relink_options: obj({ authorization: str(), account: str().optional() }).optional(),
  return_url: str().optional(),
  ui_mode: oneOf(['hosted', 'modal']).optional(),
};

export const sessionRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/financial_connections/sessions',
    returns: 'financial_connections.session',
    params: createParams,
    async handle(ctx, p) {
      refusePreviewParams(ctx, {
        relink_options: p.relink_options,
        ui_mode: p.ui_mode,
        hosted: p.hosted,
        'filters[institution]': p.filters?.institution,
      });
      if (!ctx.version.preview && p.account_holder === undefined) {
        throw invalidRequest(
          'Missing required param: account_holder.',
          'account_holder',
          'parameter_missing',
        );
      }
      if (!ctx.version.preview && p.prefetch?.includes('inferred_balances')) {
        throw invalidRequest(
          'Invalid prefetch[]: inferred_balances needs a preview API version.',
          'prefetch',
        );
      }
      const hosted = hostedSettings(ctx, p);
      checkReturnUrl(p.return_url);
      const session = await ctx.services.sessions.create(ctx.merchant, {
        holder: toHolder(p.account_holder),
        permissions: [...new Set(p.permissions)],
        filters: p.filters,
        limitsAccounts: p.limits?.accounts,
        prefetch: p.prefetch && [...new Set(p.prefetch)],
        returnUrl: hosted?.returnUrl ?? p.return_url,
        manualEntryMode: p.manual_entry?.mode,
        relink: p.relink_options,
        hosted: hosted && {
          deliveryMethod: hosted.deliveryMethod,
          base: ctx.services.hostedLinks.base(ctx.origin),
        },
      });
      return renderSession(session, ctx.version);
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/financial_connections/sessions/:session',
    returns: 'financial_connections.session',
    params: {},
    async handle(ctx, p) {
      const session = await ctx.services.sessions.get(ctx.merchant.id, ctx.path.session ?? '');
      const token =
        (p as { expand?: string[] }).expand?.includes('bank_account_token') &&
        (await ctx.services.bankAccountTokens.ofSession(ctx.merchant.id, session.id));
      return renderSession(session, ctx.version, token ? renderToken(token) : undefined);
    },
  }),
];
