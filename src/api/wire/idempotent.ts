import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../../domain/errors.ts';
import { type Claim, requestHash } from '../../domain/idempotency/service.ts';
import type { Services } from '../../services.ts';
import { errorBody, toApiError } from './errors.ts';
import type { Json, Returns } from './expand.ts';
import type { RequestContext } from './route.ts';

const maxIdempotencyKeyLength = 255;

/** A claim that lets the request go on: its own, or one whose request committed and died. */
export type HeldClaim = Exclude<Claim, { kind: 'replay' }>;

/** What `runHolding` needs of the route. */
export interface HeldRun {
  /** What the route answers with. */
  returns: Returns;
  handle(): Promise<Json>;
  renderCommitted?: ((ctx: RequestContext, objectId: string | null) => Promise<Json | undefined>) | undefined;
  /** Applies the request's `expand[]` and serializes. */
  serialize(result: Json): Promise<string>;
  log: FastifyBaseLogger;
}

export interface Answer {
  status: number;
  body: string;
  replayed: boolean;
}

/** The request's Idempotency-Key header, checked, and echoed on the response. */
export function idempotencyKey(key: string | undefined, reply: FastifyReply): string | undefined {
  if (key === undefined) return undefined;
  if (key.length === 0 || key.length > maxIdempotencyKeyLength) {
    throw new ApiError({
      status: 400,
      type: 'invalid_request_error',
      message: `Idempotency-Key must be 1 to ${maxIdempotencyKeyLength} characters long.`,
    });
  }
  reply.header('Idempotency-Key', key);
  return key;
}

/** Claims the key for this request, or learns how the key's earlier request ended. */
export function claimKey(
  services: Services,
  merchantId: string,
  key: string,
  request: FastifyRequest,
  raw: string,
) {
  const hash = requestHash(request.method, request.url, raw);
  return services.idempotency.claim(merchantId, key, hash, request.id);
}

/**
 * Requests refused as invalid (bad values, missing objects) change nothing, so their result is not
 * kept under the idempotency key: a corrected retry with the same key runs.
 */
function refusedBeforeRunning(error: ApiError): boolean {
  return error.type === 'invalid_request_error' && (error.status === 400 || error.status === 404);
}

/** The object a POST's URL names (its one path parameter), which the request changes. */
function pathObject(ctx: RequestContext): string | undefined {
  return Object.values(ctx.path)[0];
}

/**
 * Runs a request under the key it holds, so that its writes commit with the key, and stores its
 * answer. When the key's earlier request committed and died unanswered, answers with the object
 * it made or changed instead, and never runs the request again.
 */
export async function runHolding(
  ctx: RequestContext,
  key: string,
  claim: HeldClaim,
  run: HeldRun,
): Promise<Answer> {
  const { idempotency } = ctx.services;
  const merchantId = ctx.merchant.id;
  if (claim.kind === 'committed') {
    const render =
      run.renderCommitted ?? ((c, id) => c.catalogue.committed(c.services, c.merchant, c, run.returns, id));
    const result = await render(ctx, claim.objectId);
    if (!result) throw new Error(`a committed ${run.returns} request recorded no object to answer with`);
    const body = await run.serialize(result);
    await idempotency.complete(merchantId, key, claim.holder, 200, body);
    return { status: 200, body, replayed: true };
  }
  const hold = { merchantId, key, holder: claim.holder, objectId: pathObject(ctx) };
  let status = 200;
  let body: string;
  try {
    body = await run.serialize(await idempotency.holding(hold, run.handle));
  } catch (error) {
    const apiError = toApiError(error);
    // A request refused after it committed a change keeps its answer, as any other.
    if (refusedBeforeRunning(apiError) && (await idempotency.release(merchantId, key, claim.holder))) {
      throw apiError;
    }
    if (apiError.status >= 500) run.log.error({ err: error }, 'request failed');
    status = apiError.status;
    body = JSON.stringify(errorBody(apiError, ctx.requestLogUrl));
  }
  await idempotency.complete(merchantId, key, claim.holder, status, body);
  return { status, body, replayed: false };
}
