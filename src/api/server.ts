import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { type BankContext, defaultSandboxBankPrefix, sandboxBankPlugin } from '../bank/sandbox/plugin.ts';
import { newId } from '../domain/ids.ts';
import { requestIds } from '../domain/request-logs/log.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Services } from '../services.ts';
import { distFolder } from './built-pages.ts';
import type { Catalogue } from './catalogue.ts';
import { registerDashboard } from './dashboard/plugin.ts';
import { registerOAuthCallback } from './flow/oauth-callback.ts';
import { registerFlowPages } from './flow-pages.ts';
import { registerMetrics } from './metrics.ts';
import { hasLogPage, requestLogHooks, requestLogUrl } from './request-log.ts';
import { attachCliWebsocket } from './stripecli/websocket.ts';
import { errorBody, toApiError } from './wire/errors.ts';
import { unrecognizedUrl } from './wire/route.ts';

export const maxBodyBytes = 1024 * 1024;

export interface ServerOptions {
  services: Services;
  logger: FastifyBaseLogger;
  /** The sandbox bank to serve under its own prefix (none when openfc uses a bank elsewhere). */
  sandboxBank: BankContext | undefined;
  metrics: Metrics;
  /** Who may read `/metrics`; without it, `/metrics` is off. */
  adminToken?: string;
  /** The resources served: their routes, renderers and loaders. */
  catalogue: Catalogue;
  /** Whether the dashboard is served under /dashboard. */
  dashboard: boolean;
}

/** The HTTP edge: Stripe's wire format in front of the domain services. */
export function buildServer({
  services,
  logger,
  sandboxBank,
  metrics,
  adminToken,
  catalogue,
  dashboard,
}: ServerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => newId(requestIds),
    bodyLimit: maxBodyBytes,
    // Query strings are parsed by the routes with Stripe's bracket rules.
    routerOptions: { querystringParser: () => ({}), ignoreTrailingSlash: true },
    return503OnClosing: true,
    // On close, idle keep-alive connections are closed at once; busy ones after their answer.
    forceCloseConnections: 'idle',
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_req, body, done) =>
    done(null, body),
  );

  app.addHook('onRequest', async (request, reply) => {
    reply.header('Request-Id', request.id);
  });

  registerMetrics(app, metrics, adminToken);

  app.setErrorHandler((error, request, reply) => {
    const apiError = toApiError(error);
    if (apiError.status >= 500) request.log.error({ err: error }, 'request failed');
    return reply
      .code(apiError.status)
      .type('application/json; charset=utf-8')
      .send(
        JSON.stringify(
          errorBody(apiError, hasLogPage(request, dashboard) ? requestLogUrl(request) : undefined),
        ),
      );
  });

  app.setNotFoundHandler(async (request) => {
    throw unrecognizedUrl(request.method, request.url);
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  registerFlowPages(app);
  if (dashboard) registerDashboard(app, services, catalogue, distFolder());

  if (sandboxBank)
    app.register(sandboxBankPlugin, { prefix: defaultSandboxBankPrefix, context: sandboxBank });

  // Every API request is logged for the dashboard (whose pages are the only reader).
  const logging = dashboard ? requestLogHooks(services.requestLogWriter) : undefined;
  for (const route of catalogue.routes) {
    app.route({
      method: route.method,
      url: route.url,
      handler: route.handler(services, catalogue),
      ...(logging && route.url.startsWith('/v1/') && logging),
    });
  }
  registerOAuthCallback(app, services);
  attachCliWebsocket(app, services, catalogue);
  return app;
}
