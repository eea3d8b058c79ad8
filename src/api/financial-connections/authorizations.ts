import { defineRoute } from '../wire/route.ts';
import { renderAuthorization } from './render.ts';

export const authorizationRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/financial_connections/authorizations/:authorization',
    returns: 'financial_connections.authorization',
    params: {},
    previewOnly: true,
    async handle(ctx) {
      const authorization = await ctx.services.authorizations.get(
        ctx.merchant.id,
        ctx.path.authorization ?? '',
      );
      return renderAuthorization(authorization, ctx.version);
    },
  }),
];
