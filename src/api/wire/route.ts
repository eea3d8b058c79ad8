import type { FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { z } from 'zod';
import { ApiError } from '../../domain/errors.ts';
import type { RequestRef } from '../../domain/events/log.ts';
import { requestHash } from '../../domain/idempotency/service.ts';
import type { Merchant } from '../../domain/merchants/service.ts';
import type { Services } from '../../services.ts';
import { expandLoader } from '../expand-loader.ts';
import { type AllowedKeys, authenticate } from './auth.ts';
import { errorBody, toApiError } from './errors.ts';
import { applyExpand, checkExpand, type Json, type Returns } from './expand.ts';
import { decodeBody, parseForm } from './form.ts';
import { expandParam, validate } from './params.ts';
import { type ApiVersion, resolveVersion } from './versions.ts';

export interface RequestContext {
  merchant: Merchant;
  version: ApiVersion;
  requestId: string;
  idempotencyKey: string | undefined;
  services: Services;
  /** Path parameters, by the names in the route's URL. */
  path: Record<string, string>;
  /** The origin the client reached openfc at (`http://host:port`), from its Host header. */
  origin: string;
}

/** The request a change comes from, for the events it writes. */
export function requestRef(ctx: RequestContext): RequestRef {
  return { id: ctx.requestId, idempotencyKey: ctx.idempotencyKey };
}

type Shape = z.core.$ZodLooseShape;

export interface RouteDefinition<S extends Shape> {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  /** The accepted parameters; `expand` is added to every route. */
  params: S;
  /** What the route returns, so that `expand[]` is checked before anything runs. */
  returns: Returns;
  keys?: AllowedKeys;
  /** Only on preview API versions; on GA versions the URL is unknown, as on Stripe. */
  previewOnly?: boolean;
  handle(ctx: RequestContext, params: z.output<z.ZodObject<S>>): Promise<Json>;
}

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  handler(services: Services): RouteHandlerMethod;
}

const maxIdempotencyKeyLength = 255;

/**
 * Requests refused as invalid (bad values, missing objects) change nothing, so their result is not
 * kept under the idempotency key: a corrected retry with the same key runs.
 */
function refusedBeforeRunning(error: ApiError): boolean {
  return error.type === 'invalid_request_error' && (error.status === 400 || error.status === 404);
}

function rawParams(request: FastifyRequest): string {
  if (request.method === 'POST' && Buffer.isBuffer(request.body) && request.body.length > 0) {
    return decodeBody(request.body);
  }
  const q = request.url.indexOf('?');
  return q === -1 ? '' : request.url.slice(q + 1);
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sendJson(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

export function unrecognizedUrl(method: string, url: string, note = ''): ApiError {
  const path = url.split('?')[0];
  return new ApiError({
    status: 404,
    type: 'invalid_request_error',
    message: `Unrecognized request URL (${method}: ${path}).${note}`,
  });
}

/**
 * One route, thin: authenticate, pick the API version, claim the idempotency key, validate the
 * parameters, call the domain, expand, respond.
 */
export function defineRoute<S extends Shape>(def: RouteDefinition<S>): Route {
  const schema = z.strictObject({ ...def.params, expand: expandParam });
  return {
    method: def.method,
    url: def.url,
    handler: (services) => async (request, reply) => {
      const credential = await authenticate(
        services.merchants,
        header(request, 'authorization'),
        def.keys ?? 'secret',
      );
      const { merchant } = credential;
      const version = resolveVersion(header(request, 'stripe-version'), merchant.defaultApiVersion);
      reply.header('Stripe-Version', version.name);
      if (def.previewOnly && !version.preview) {
        throw unrecognizedUrl(
          request.method,
          request.url,
          ` This endpoint needs a preview API version (such as 2026-03-04.preview); this request used ${version.name}.`,
        );
      }
      const raw = rawParams(request);
      const key = def.method === 'POST' ? header(request, 'idempotency-key') : undefined;
      if (key !== undefined && (key.length === 0 || key.length > maxIdempotencyKeyLength)) {
        throw new ApiError({
          status: 400,
          type: 'invalid_request_error',
          message: `Idempotency-Key must be 1 to ${maxIdempotencyKeyLength} characters long.`,
        });
      }
      if (key !== undefined) {
        reply.header('Idempotency-Key', key);
        const claim = await services.idempotency.claim(
          merchant.id,
          key,
          requestHash(request.method, request.url, raw),
        );
        if (claim.kind === 'replay') {
          reply.header('Idempotent-Replayed', 'true');
          return sendJson(reply, claim.statusCode, claim.body);
        }
      }
      let params: z.output<typeof schema>;
      try {
        params = validate(schema, parseForm(raw));
        checkExpand(def.returns, (params as { expand?: string[] }).expand);
      } catch (error) {
        if (key !== undefined) await services.idempotency.release(merchant.id, key);
        throw error;
      }
      const ctx: RequestContext = {
        merchant,
        version,
        requestId: request.id,
        idempotencyKey: key,
        services,
        path: request.params as Record<string, string>,
        origin: `${request.protocol}://${request.host}`,
      };
      let status = 200;
      let body: string;
      try {
        const result = await def.handle(ctx, params as z.output<z.ZodObject<S>>);
        await applyExpand(result, (params as { expand?: string[] }).expand, expandLoader(services, merchant));
        body = JSON.stringify(result);
      } catch (error) {
        if (key === undefined) throw error;
        const apiError = toApiError(error);
        if (refusedBeforeRunning(apiError)) {
          await services.idempotency.release(merchant.id, key);
          throw apiError;
        }
        if (apiError.status >= 500) request.log.error({ err: error }, 'request failed');
        status = apiError.status;
        body = JSON.stringify(errorBody(apiError, request.id));
      }
      if (key !== undefined) await services.idempotency.complete(merchant.id, key, status, body);
      return sendJson(reply, status, body);
    },
  };
}
