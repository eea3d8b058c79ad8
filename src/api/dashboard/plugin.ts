import type { FastifyInstance } from 'fastify';
import { invalidRequest } from '../../domain/errors.ts';
import type { Services } from '../../services.ts';
import { type BuiltApp, loadApp, notBuilt, pageCsp, pageHeaders, serveAssets } from '../built-pages.ts';
import type { Catalogue } from '../catalogue.ts';
import { registerDashboardConnectRoutes } from './connect-routes.ts';
import { registerDashboardConnectionRoutes } from './connection-routes.ts';
import { requireSameOrigin } from './guard.ts';
import { registerDashboardLive } from './live.ts';
import { registerDashboardLogs } from './logs.ts';
import { registerDashboardPaymentRoutes } from './payment-routes.ts';
import { registerDashboardRoutes } from './routes.ts';
import { registerDashboardWebhookRoutes } from './webhook-routes.ts';

/** The dashboard's pages: one app, whose screens each have an address of their own. */
export const dashboardPages = [
  '/dashboard',
  '/dashboard/accounts',
  '/dashboard/accounts/:id',
  '/dashboard/customers',
  '/dashboard/customers/:id',
  '/dashboard/authorizations',
  '/dashboard/authorizations/:id',
  '/dashboard/sessions',
  '/dashboard/sessions/:id',
  '/dashboard/sandbox-clock',
  '/dashboard/payment-methods',
  '/dashboard/payment-methods/:id',
  '/dashboard/setup-intents',
  '/dashboard/setup-intents/:id',
  '/dashboard/payment-intents',
  '/dashboard/payment-intents/:id',
  '/dashboard/mandates',
  '/dashboard/mandates/:id',
  '/dashboard/charges',
  '/dashboard/charges/:id',
  '/dashboard/events',
  '/dashboard/events/:id',
  '/dashboard/webhook-endpoints',
  '/dashboard/webhook-endpoints/:id',
  '/dashboard/logs',
  '/dashboard/logs/:id',
  '/dashboard/balance',
  '/dashboard/topups',
  '/dashboard/topups/:id',
  '/dashboard/transfers',
  '/dashboard/transfers/:id',
  '/dashboard/connected-accounts',
  '/dashboard/connected-accounts/:id',
  '/dashboard/connected-accounts/:id/payouts',
  '/dashboard/connected-accounts/:id/payouts/:payout',
];

function servePages(app: FastifyInstance, built: BuiltApp | undefined): void {
  for (const url of dashboardPages) {
    app.get(url, async (_request, reply) => {
      if (!built) return notBuilt(reply, 'The dashboard');
      return reply
        .headers(pageHeaders)
        .header('content-security-policy', pageCsp("'none'"))
        .header('x-frame-options', 'DENY')
        .header('cache-control', 'no-store')
        .send(built.index);
    });
  }
  serveAssets(app, '/dashboard', built);
}

/**
 * The merchant's dashboard under `/dashboard`: its pages, its JSON API (`/dashboard/api/…`, JSON
 * bodies, a session cookie) and its live feed. `dist`: where the build is.
 */
export function registerDashboard(
  app: FastifyInstance,
  services: Services,
  catalogue: Catalogue,
  dist: string | undefined,
): void {
  app.register(async (dashboard) => {
    // The API reads form bodies; the dashboard's own page sends JSON.
    dashboard.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
      try {
        done(null, body === '' ? {} : JSON.parse(body as string));
      } catch {
        done(invalidRequest('The request body is not valid JSON.'), undefined);
      }
    });
    // Every change comes from the dashboard's own page: checked before its body is even read.
    dashboard.addHook('onRequest', async (request) => {
      if (request.method !== 'GET' && request.method !== 'HEAD') requireSameOrigin(request);
    });
    servePages(dashboard, loadApp(dist, 'dashboard'));
    registerDashboardRoutes(dashboard, services, catalogue);
    registerDashboardConnectionRoutes(dashboard, services);
    registerDashboardWebhookRoutes(dashboard, services);
    registerDashboardLogs(dashboard, services, '/dashboard/api');
    registerDashboardPaymentRoutes(dashboard, services);
    registerDashboardLive(dashboard, services);
    registerDashboardConnectRoutes(dashboard, services);
  });
}
