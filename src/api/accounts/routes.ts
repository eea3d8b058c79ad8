import type { z } from 'zod';
import { invalidRequest } from '../../domain/errors.ts';
import {
  type Capability,
  type ConnectedAccountType,
  capabilityNames,
} from '../../domain/merchants/connected-accounts.ts';
import type { Merchant } from '../../domain/merchants/service.ts';
import { checkEmail } from '../wire/email.ts';
import { listEnvelope, pageParams, rangeParam, toPage } from '../wire/list.ts';
import { bool, emptyableStr, metadata, obj, oneOf, str } from '../wire/params.ts';
import { defineRoute, type RequestContext, requestRef } from '../wire/route.ts';
import { renderAccount } from './render.ts';

function requestedParam() {
  return obj({ requested: bool() }).optional();
}

const capabilityParams = obj({
  card_payments: requestedParam(),
  transfers: requestedParam(),
  us_bank_account_ach_payments: requestedParam(),
});

/** Stripe's `controller` hash, as far as it describes a custom or an Express account. */
const controllerParams = obj({
  fees: obj({ payer: oneOf(['account', 'application']) }).optional(),
  losses: obj({ payments: oneOf(['application', 'stripe']) }).optional(),
  requirement_collection: oneOf(['application', 'stripe']).optional(),
  stripe_dashboard: obj({ type: oneOf(['express', 'full', 'none']) }).optional(),
});

type Controller = z.output<typeof controllerParams>;

/**
 * The account type a `controller` describes: the platform pays fees and bears losses, and the
 * account has the Express dashboard (Express) or none with the platform collecting requirements
 * (custom). openfc makes no other kind of connected account.
 */
function typeOfController(c: Controller): ConnectedAccountType {
  const platformOwned = c.fees?.payer !== 'account' && c.losses?.payments !== 'stripe';
  const dashboard = c.stripe_dashboard?.type;
  if (platformOwned && dashboard === 'express' && c.requirement_collection !== 'application')
    return 'express';
  if (platformOwned && dashboard === 'none' && c.requirement_collection === 'application') return 'custom';
  throw invalidRequest(
    'openfc makes custom and Express connected accounts only: set controller[stripe_dashboard][type] to express, or to none with controller[requirement_collection]=application.',
    'controller',
  );
}

function accountType(type: string | undefined, controller: Controller | undefined): ConnectedAccountType {
  if (type !== undefined && controller !== undefined)
    throw invalidRequest(
      'You may only specify one of these parameters: type, controller.',
      'controller',
      'parameters_exclusive',
    );
  if (controller !== undefined) return typeOfController(controller);
  if (type === 'custom' || type === 'express') return type;
  if (type === 'standard')
    throw invalidRequest(
      'openfc makes custom and Express connected accounts only: Standard accounts connect through OAuth, which openfc does not offer.',
      'type',
    );
  throw invalidRequest('Missing required param: type.', 'type', 'parameter_missing');
}

/** The capabilities a request asks for. */
function requested(capabilities: z.output<typeof capabilityParams> | undefined): Capability[] {
  return capabilityNames.filter((name) => capabilities?.[name]?.requested === true);
}

/** Connected accounts are a platform's: a request acting as a connected account cannot reach them. */
function platformOf(ctx: RequestContext): Merchant {
  if (ctx.merchant.platformId !== null)
    throw invalidRequest(
      'This request acts as a connected account (Stripe-Account): only its platform manages connected accounts.',
    );
  return ctx.merchant;
}

const updatable = {
  email: emptyableStr(512).optional(),
  business_type: oneOf(['individual', 'company']).optional(),
  metadata: metadata().optional(),
};

export const accountRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/accounts',
    returns: 'account',
    params: {
      ...updatable,
      type: oneOf(['custom', 'express', 'standard']).optional(),
      controller: controllerParams.optional(),
      country: str(2).optional(),
      capabilities: capabilityParams.optional(),
    },
    async handle(ctx, p) {
      const platform = platformOf(ctx);
      const type = accountType(p.type, p.controller);
      checkEmail(p.email);
      if (p.country !== undefined && p.country.toUpperCase() !== 'US')
        throw invalidRequest(
          `openfc keeps accounts in the United States only: country must be US, not ${p.country}.`,
          'country',
        );
      const account = await ctx.services.connectedAccounts.create(platform, {
        type,
        email: p.email ?? undefined,
        businessType: p.business_type,
        capabilities: requested(p.capabilities),
        metadata: p.metadata,
      });
      return renderAccount(account);
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/account',
    returns: 'account',
    params: {},
    async handle(ctx) {
      const account = await ctx.services.connectedAccounts.get(ctx.merchant, ctx.merchant.id);
      return renderAccount(await ctx.services.connectedAccounts.withExternalAccounts(account));
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/accounts/:account',
    returns: 'account',
    params: {},
    async handle(ctx) {
      const account = await ctx.services.connectedAccounts.get(ctx.merchant, ctx.path.account ?? '');
      return renderAccount(await ctx.services.connectedAccounts.withExternalAccounts(account));
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/accounts/:account',
    returns: 'account',
    params: updatable,
    async handle(ctx, p) {
      checkEmail(p.email);
      const account = await ctx.services.connectedAccounts.update(
        platformOf(ctx),
        ctx.path.account ?? '',
        { email: p.email, businessType: p.business_type, metadata: p.metadata },
        requestRef(ctx),
      );
      return renderAccount(await ctx.services.connectedAccounts.withExternalAccounts(account));
    },
  }),
  defineRoute({
    method: 'DELETE',
    url: '/v1/accounts/:account',
    returns: 'account',
    params: {},
    async handle(ctx) {
      const id = ctx.path.account ?? '';
      await ctx.services.connectedAccounts.delete(platformOf(ctx), id);
      return { id, object: 'account', deleted: true };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/accounts',
    returns: { list: 'account' },
    params: { ...pageParams, created: rangeParam.optional() },
    async handle(ctx, p) {
      const page = await ctx.services.connectedAccounts.list(
        platformOf(ctx),
        { created: p.created },
        toPage(p),
      );
      const accounts = await Promise.all(
        page.data.map((a) => ctx.services.connectedAccounts.withExternalAccounts(a)),
      );
      return listEnvelope('/v1/accounts', accounts.map(renderAccount), page.hasMore);
    },
  }),
];
