import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';

import { type BankContext, defaultSandboxBankPrefix, sandboxBankPlugin } from '../bank/sandbox/plugin.ts';
import { newId } from '../domain/ids.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Services } from '../services.ts';
import { registerOAuthCallback } from './flow/oauth-callback.ts';
import { registerFlowPages } from './flow-pages.ts';
import { registerMetrics } from './metrics.ts';
import { routes } from './routes.ts';
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
}

/** The HTTP edge: Stripe's wire format in front of the domain services. */
export function buildServer({
  services,
  logger,
  sandboxBank,
  metrics,
  adminToken,
}: ServerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => newId('request'),
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
      .send(JSON.stringify(errorBody(apiError, request.id)));
  });

  app.setNotFoundHandler(async (request) => {
    throw unrecognizedUrl(request.method, request.url);
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  registerFlowPages(app);

  if (sandboxBank)
    app.register(sandboxBankPlugin, { prefix: defaultSandboxBankPrefix, context: sandboxBank });

  for (const route of routes) {
    app.route({ method: route.method, url: route.url, handler: route.handler(services) });
  }
  registerOAuthCallback(app, services);
  attachCliWebsocket(app, services);
  return app;
}
