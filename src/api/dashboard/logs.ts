import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalidRequest } from '../../domain/errors.ts';
import type { RequestLog, RequestLogFilter } from '../../domain/request-logs/log.ts';
import type { Services } from '../../services.ts';
import { signedIn } from './guard.ts';
import { pageFromQuery } from './params.ts';

const outcomes = ['succeeded', 'failed'] as const;
const methods = ['GET', 'POST', 'DELETE'] as const;
const maxPathFilter = 200;

/** The list's filters from its query; an empty field filters nothing. */
function filterFromQuery(query: URLSearchParams): RequestLogFilter {
  const filter: RequestLogFilter = {};
  const status = query.get('status') || undefined;
  if (status !== undefined) {
    if (!(outcomes as readonly string[]).includes(status))
      throw invalidRequest(`Invalid status: must be one of ${outcomes.join(', ')}.`, 'status');
    filter.outcome = status as (typeof outcomes)[number];
  }
  const method = query.get('method')?.toUpperCase() || undefined;
  if (method !== undefined) {
    if (!(methods as readonly string[]).includes(method))
      throw invalidRequest(`Invalid method: must be one of ${methods.join(', ')}.`, 'method');
    filter.method = method;
  }
  const path = query.get('path')?.trim() || undefined;
  if (path !== undefined) {
    if (path.length > maxPathFilter)
      throw invalidRequest(`Invalid path: at most ${maxPathFilter} characters.`, 'path');
    filter.pathContains = path;
  }
  const requestId = query.get('request_id')?.trim() || undefined;
  if (requestId !== undefined) filter.requestId = requestId;
  return filter;
}

function summary(log: RequestLog) {
  return {
    id: log.id,
    created: log.created,
    method: log.method,
    path: log.path,
    status: log.status,
    duration_ms: log.durationMs,
    account: log.account,
    api_version: log.apiVersion,
    idempotency_key: log.idempotencyKey,
  };
}

/** A stored body: parsed when it was kept whole, else the text kept (its first 64 kB). */
function body(text: string | null, size: number) {
  if (text === null) return { json: null, text: null, size, truncated: false };
  if (text.length >= size) {
    try {
      return { json: JSON.parse(text) as unknown, text: null, size, truncated: false };
    } catch {
      return { json: null, text, size, truncated: false };
    }
  }
  return { json: null, text, size, truncated: true };
}

/** The merchant's request logs: `GET /dashboard/api/logs` and `GET /dashboard/api/logs/{id}`. */
export function registerDashboardLogs(app: FastifyInstance, services: Services, api: string): void {
  const query = (request: FastifyRequest) => new URL(request.url, 'http://openfc').searchParams;

  app.get(`${api}/logs`, async (request) => {
    const { merchant } = await signedIn(services, request);
    const q = query(request);
    const page = await services.requestLogs.list(merchant.id, filterFromQuery(q), pageFromQuery(q));
    return { data: page.data.map(summary), has_more: page.hasMore };
  });

  app.get<{ Params: { id: string } }>(`${api}/logs/:id`, async (request) => {
    const { merchant } = await signedIn(services, request);
    const log = await services.requestLogs.get(merchant.id, request.params.id);
    return {
      log: {
        ...summary(log),
        params: body(log.params, log.paramsSize),
        response: body(log.response, log.responseSize),
      },
    };
  });
}
