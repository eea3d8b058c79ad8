import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../domain/errors.ts';
import type { Metrics } from '../metrics/metrics.ts';

export const metricsPath = '/metrics';

const digest = (value: string) => createHash('sha256').update(value).digest();

function bearer(header: string | undefined): string | undefined {
  const match = header?.match(/^bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

/**
 * Counts every answered request under its route's pattern (`unmatched` for unknown URLs, so that
 * ids in URLs never become label values), and serves the counts at `/metrics` to the holder of
 * the admin token. Without an admin token, `/metrics` is off and requests are not counted.
 */
export function registerMetrics(
  app: FastifyInstance,
  metrics: Metrics,
  adminToken: string | undefined,
): void {
  // Comparing digests takes the same time whatever the token given, and whatever its length.
  const expected = adminToken === undefined ? undefined : digest(adminToken);
  if (expected !== undefined) {
    app.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.request(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
  }

  app.get(metricsPath, async (request, reply) => {
    if (expected === undefined) {
      throw new ApiError({
        status: 404,
        type: 'invalid_request_error',
        message:
          'Metrics are off. Start openfc with an admin token (--admin-token or OPENFC_ADMIN_TOKEN, at least 32 characters) and send it as Authorization: Bearer <admin token>.',
      });
    }
    const given = bearer(request.headers.authorization);
    if (given === undefined || !timingSafeEqual(digest(given), expected)) {
      throw new ApiError({
        status: 401,
        type: 'invalid_request_error',
        message: 'Metrics need the admin token, sent as Authorization: Bearer <admin token>.',
      });
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}
