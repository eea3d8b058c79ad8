import { listEnvelope, pageParams, toPage } from '../wire/list.ts';
import { defineRoute } from '../wire/route.ts';
import { renderInstitution } from './render.ts';

const url = '/v1/financial_connections/institutions';

export const institutionRoutes = [
  defineRoute({
    method: 'GET',
    url,
    returns: { list: 'financial_connections.institution' },
    params: pageParams,
    previewOnly: true,
    async handle(ctx, p) {
      const page = ctx.services.institutions.list(toPage(p));
      return listEnvelope(url, page.data.map(renderInstitution), page.hasMore);
    },
  }),
  defineRoute({
    method: 'GET',
    url: `${url}/:institution`,
    returns: 'financial_connections.institution',
    params: {},
    previewOnly: true,
    async handle(ctx) {
      return renderInstitution(ctx.services.institutions.get(ctx.path.institution ?? ''));
    },
  }),
];
