import type { FastifyRequest, onRequestHookHandler, onResponseHookHandler, onSendHookHandler } from 'fastify';
import type { RequestLogWriter } from '../domain/request-logs/writer.ts';
import { decodeBody, parseForm } from './wire/form.ts';

/** What a logged request has told so far: whose it is, once its key is known, and its answer. */
interface Scope {
  merchantId: string | undefined;
  account: string | null;
  apiVersion: string | null;
  response: string | undefined;
}

const scopes = new WeakMap<FastifyRequest, Scope>();

/** The dashboard's page for a request, at the address the client reached openfc at. */
export function requestLogUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}/dashboard/logs/${request.id}`;
}

/** Whether a request's log has a page: API requests (`/v1/…`) while the dashboard is served. */
export function hasLogPage(request: FastifyRequest, dashboard: boolean): boolean {
  return dashboard && request.url.startsWith('/v1/');
}

/** Whether the request is being logged (its route was registered with `requestLogHooks`). */
export function isLogged(request: FastifyRequest): boolean {
  return scopes.has(request);
}

/**
 * Files the request under the merchant whose key made it (and the connected account it acts as,
 * and the API version it reads). A request whose key is unknown is never filed.
 */
export function fileUnder(
  request: FastifyRequest,
  who: { merchantId: string; account?: string | null; apiVersion?: string },
): void {
  const scope = scopes.get(request);
  if (!scope) return;
  scope.merchantId = who.merchantId;
  if (who.account !== undefined) scope.account = who.account;
  if (who.apiVersion !== undefined) scope.apiVersion = who.apiVersion;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The parameters as the route read them (the form body of a POST, else the query string), to be
 * parsed when the log is written. Only the text is kept: holding the request itself until then
 * would keep its whole object graph alive past the next collections.
 */
function params(request: FastifyRequest, query: string): () => unknown {
  const body = request.body;
  if (request.method === 'POST' && Buffer.isBuffer(body) && body.length > 0)
    return () => parseForm(decodeBody(body));
  return () => parseForm(query);
}

const maxKeyLength = 255;

/**
 * The hooks of a logged route. They only note what the request already has; the writer redacts,
 * encodes and stores it in a batch after the answer has gone.
 */
export function requestLogHooks(writer: RequestLogWriter): {
  onRequest: onRequestHookHandler;
  onSend: onSendHookHandler;
  onResponse: onResponseHookHandler;
} {
  return {
    onRequest(request, _reply, done) {
      scopes.set(request, { merchantId: undefined, account: null, apiVersion: null, response: undefined });
      done();
    },
    onSend(request, _reply, payload, done) {
      const scope = scopes.get(request);
      if (scope && typeof payload === 'string') scope.response = payload;
      done(null, payload);
    },
    onResponse(request, reply, done) {
      const scope = scopes.get(request);
      scopes.delete(request);
      if (scope?.merchantId !== undefined) {
        const durationMs = reply.elapsedTime;
        const key = request.method === 'POST' ? header(request, 'idempotency-key') : undefined;
        const url = request.url;
        const q = url.indexOf('?');
        writer.add({
          id: request.id,
          merchantId: scope.merchantId,
          account: scope.account,
          created: Math.floor((Date.now() - durationMs) / 1000),
          method: request.method,
          path: q === -1 ? url : url.slice(0, q),
          status: reply.statusCode,
          durationMs,
          apiVersion: scope.apiVersion,
          idempotencyKey: key === undefined ? null : key.slice(0, maxKeyLength),
          params: params(request, q === -1 ? '' : url.slice(q + 1)),
          response: scope.response,
        });
      }
      done();
    },
  };
}
