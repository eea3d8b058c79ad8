import type { FastifyInstance } from 'fastify';
import type { SessionListFilter } from '../../domain/financial-connections/sessions.ts';
import { connectionStatuses, sessionStatuses } from '../../domain/financial-connections/types.ts';
import type { Services } from '../../services.ts';
import { renderAuthorization, renderSession } from '../financial-connections/render.ts';
import { signedIn } from './guard.ts';
import { choiceFromQuery, pageFromQuery, textFromQuery } from './params.ts';
import { dashboardVersion, query } from './routes.ts';

/** The sessions list's filters: `status`, and `relink` (`true`: relink sessions; `false`: the others). */
function sessionFilter(query: URLSearchParams): SessionListFilter {
  const relink = choiceFromQuery(query, 'relink', ['true', 'false']);
  return {
    status: choiceFromQuery(query, 'status', sessionStatuses),
    relink: relink === undefined ? undefined : relink === 'true',
  };
}

/**
 * The merchant's Financial Connections sessions and authorizations, newest first (Stripe lists
 * neither; the dashboard does, read as their retrieves render them), and the institutions the
 * accounts and authorizations lists filter by.
 */
export function registerDashboardConnectionRoutes(app: FastifyInstance, services: Services): void {
  const api = '/dashboard/api';

  // A session's client secret is the holder's, not the page's.
  app.get(`${api}/sessions`, async (request) => {
    const { merchant } = await signedIn(services, request);
    const page = await services.sessions.list(
      merchant.id,
      sessionFilter(query(request)),
      pageFromQuery(query(request)),
    );
    return {
      data: page.data.map((session) => {
        const { client_secret: _secret, ...rendered } = renderSession(session, dashboardVersion);
        return rendered;
      }),
      has_more: page.hasMore,
    };
  });

  app.get(`${api}/authorizations`, async (request) => {
    const { merchant } = await signedIn(services, request);
    const page = await services.authorizations.list(
      merchant.id,
      {
        status: choiceFromQuery(query(request), 'status', connectionStatuses),
        institution: textFromQuery(query(request), 'institution'),
      },
      pageFromQuery(query(request)),
    );
    return {
      data: page.data.map((authorization) => renderAuthorization(authorization, dashboardVersion)),
      has_more: page.hasMore,
    };
  });

  app.get(`${api}/institutions`, async (request) => {
    await signedIn(services, request);
    const page = services.institutions.list({ limit: 100 });
    return { data: page.data.map(({ id, name }) => ({ id, name })), has_more: page.hasMore };
  });
}
