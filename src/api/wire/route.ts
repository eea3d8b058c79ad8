import type { FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { z } from 'zod';
import { ApiError } from '../../domain/errors.ts';
import type { RequestRef } from '../../domain/events/log.ts';
import type { KeyKind, Merchant } from '../../domain/merchants/service.ts';
import type { Services } from '../../services.ts';
import type { Catalogue } from '../catalogue.ts';
import { fileUnder, isLogged, requestLogUrl } from '../request-log.ts';
import { type AllowedKeys, actingAccount, authenticate } from './auth.ts';
import { applyExpand, checkExpand, type Json, type Returns } from './expand.ts';
import { decodeBody, parseForm } from './form.ts';
import { claimKey, idempotencyKey, runHolding } from './idempotent.ts';
import { expandParam, validate } from './params.ts';
import { type ApiVersion, resolveVersion } from './versions.ts';

export interface RequestContext {
  merchant: Merchant;
  /** The kind of key the request was made with: a publishable key sees less. */
  keyKind: KeyKind;
  version: ApiVersion;
  requestId: string;
  idempotencyKey: string | undefined;
  services: Services;
  /** Every resource's renderer and loader, for events, `expand[]` and committed answers. */
  catalogue: Catalogue;
  /** Path parameters, by the names in the route's URL. */
  path: Record<string, string>;
  /** The origin the client reached openfc at (`http://host:port`), from its Host header. */
  origin: string;
  /** Who made the request: the socket's address and the User-Agent header (for mandates accepted online). */
  client: { ip: string; userAgent: string | undefined };
  /** The dashboard's page for this request, which its errors link to; none when it is not logged. */
  requestLogUrl: string | undefined;
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
  /**
   * How the object that a request committed is answered when its process died before answering;
   * by default as a retrieve renders it (`renderCommitted`).
   */
  renderCommitted?(ctx: RequestContext, objectId: string | null): Promise<Json | undefined>;
}

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  handler(services: Services, catalogue: Catalogue): RouteHandlerMethod;
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
  // A route without parameters of its own, asked without any, has nothing to validate.
  const takesParams = Object.keys(def.params).length > 0;
  return {
    method: def.method,
    url: def.url,
    handler: (services, catalogue) => async (request, reply) => {
      const authorization = header(request, 'authorization');
      const credential = await authenticate(services.merchants, authorization, def.keys ?? 'secret');
      fileUnder(request, { merchantId: credential.merchant.id });
      const merchant = await actingAccount(
        services.connectedAccounts,
        credential,
        header(request, 'stripe-account'),
        authorization,
      );
      const version = resolveVersion(header(request, 'stripe-version'), merchant.defaultApiVersion);
      fileUnder(request, {
        merchantId: credential.merchant.id,
        account: merchant.id === credential.merchant.id ? null : merchant.id,
        apiVersion: version.name,
      });
      reply.header('Stripe-Version', version.name);
      if (def.previewOnly && !version.preview) {
        throw unrecognizedUrl(
          request.method,
          request.url,
          ` This endpoint needs a preview API version (such as 2026-03-04.preview); this request used ${version.name}.`,
        );
      }
      const raw = rawParams(request);
      const key =
        def.method === 'POST' ? idempotencyKey(header(request, 'idempotency-key'), reply) : undefined;
      const held =
        key === undefined
          ? undefined
          : { key, claim: await claimKey(services, merchant.id, key, request, raw) };
      if (held?.claim.kind === 'replay') {
        reply.header('Idempotent-Replayed', 'true');
        return sendJson(reply, held.claim.statusCode, held.claim.body);
      }
      let params: z.output<typeof schema>;
      try {
        params =
          takesParams || raw !== '' ? validate(schema, parseForm(raw)) : ({} as z.output<typeof schema>);
        checkExpand(catalogue.expand, def.returns, (params as { expand?: string[] }).expand);
      } catch (error) {
        if (held?.claim.kind === 'claimed')
          await services.idempotency.release(merchant.id, held.key, held.claim.holder);
        throw error;
      }
      const ctx: RequestContext = {
        merchant,
        keyKind: credential.kind,
        version,
        requestId: request.id,
        idempotencyKey: key,
        services,
        catalogue,
        path: request.params as Record<string, string>,
        origin: `${request.protocol}://${request.host}`,
        client: { ip: request.ip, userAgent: header(request, 'user-agent') },
        requestLogUrl: isLogged(request) ? requestLogUrl(request) : undefined,
      };
      const handle = () => def.handle(ctx, params as z.output<z.ZodObject<S>>);
      const serialize = async (result: Json) => {
        const expand = (params as { expand?: string[] }).expand;
        if (expand?.length) {
          const reader = { version, keyKind: credential.kind };
          await applyExpand(catalogue.expand, result, expand, catalogue.loader(services, merchant, reader));
        }
        return JSON.stringify(result);
      };
      if (held === undefined) return sendJson(reply, 200, await serialize(await handle()));
      const answer = await runHolding(ctx, held.key, held.claim, {
        returns: def.returns,
        handle,
        renderCommitted: def.renderCommitted,
        serialize,
        log: request.log,
      });
      if (answer.replayed) reply.header('Idempotent-Replayed', 'true');
      return sendJson(reply, answer.status, answer.body);
    },
  };
}
