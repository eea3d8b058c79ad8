import { invalidRequest } from '../../domain/errors.ts';
import { refreshFeatures, subscriptionFeatures } from '../../domain/financial-connections/account-data.ts';
import type { DataFeature } from '../../domain/financial-connections/data-access.ts';
import { listEnvelope, pageParams, toPage } from '../wire/list.ts';
import { arrayOf, oneOf, str } from '../wire/params.ts';
import { defineRoute } from '../wire/route.ts';
import type { ApiVersion } from '../wire/versions.ts';
import { renderAccount } from './render.ts';
import { ownersUrl, renderOwner } from './render-data.ts';

const url = '/v1/financial_connections/accounts/:account';

/**
 * The features a request names, checked against what its API version offers; inferred balances
 * are refused until openfc computes them.
 */
function features(requested: string[], gaOffers: readonly string[], version: ApiVersion): DataFeature[] {
  if (requested.length === 0)
    throw invalidRequest('Invalid features: must name at least one feature.', 'features');
  for (const [i, feature] of requested.entries()) {
    if (!version.preview && !gaOffers.includes(feature)) {
      throw invalidRequest(
        `Invalid features[${i}]: must be one of ${gaOffers.join(', ')} on API version ${version.name}.`,
        'features',
      );
    }
    if (feature === 'inferred_balances') {
      throw invalidRequest('Invalid features: inferred_balances is not supported by openfc yet.', 'features');
    }
  }
  return [...new Set(requested)] as DataFeature[];
}

const gaRefresh = ['balance', 'ownership', 'transactions'];
const gaSubscriptions = ['transactions'];

/** `subscribe` and `unsubscribe` differ only in the service call. */
function subscriptionRoute(action: 'subscribe' | 'unsubscribe') {
  return defineRoute({
    method: 'POST',
    url: `${url}/${action}`,
    returns: 'financial_connections.account',
    params: { features: arrayOf(oneOf(subscriptionFeatures)) },
    async handle(ctx, p) {
      const chosen = features(p.features, gaSubscriptions, ctx.version);
      const account = await ctx.services.accountData[action](ctx.merchant.id, ctx.path.account ?? '', chosen);
      return renderAccount(account, ctx.version);
    },
  });
}

export const accountDataRoutes = [
  defineRoute({
    method: 'POST',
    url: `${url}/refresh`,
    returns: 'financial_connections.account',
    params: { features: arrayOf(oneOf(refreshFeatures)) },
    async handle(ctx, p) {
      const account = await ctx.services.accountData.refresh(
        ctx.merchant.id,
        ctx.path.account ?? '',
        features(p.features, gaRefresh, ctx.version),
      );
      return renderAccount(account, ctx.version);
    },
  }),
  subscriptionRoute('subscribe'),
  subscriptionRoute('unsubscribe'),
  defineRoute({
    method: 'GET',
    url: `${url}/owners`,
    returns: { list: 'financial_connections.account_owner' },
    params: { ...pageParams, ownership: str() },
    async handle(ctx, p) {
      const accountId = ctx.path.account ?? '';
      const page = await ctx.services.transactions.listOwners(
        ctx.merchant.id,
        accountId,
        p.ownership,
        toPage(p),
      );
      return listEnvelope(ownersUrl(accountId, p.ownership), page.data.map(renderOwner), page.hasMore);
    },
  }),
];
