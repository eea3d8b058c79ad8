import { invalidRequest } from '../../domain/errors.ts';
import type { StoredEvent } from '../../domain/events/log.ts';
import { renderCustomer } from '../customers/render.ts';
import { renderAccount } from '../financial-connections/render.ts';
import type { Json } from '../wire/expand.ts';
import { listEnvelope, pageParams, rangeParam, toPage } from '../wire/list.ts';
import { arrayOf, str } from '../wire/params.ts';
import { defineRoute } from '../wire/route.ts';
import type { ApiVersion } from '../wire/versions.ts';

/**
 * Stripe's event object. `data.object` is rendered from the stored record with the reader's API
 * version, which is the `api_version` the event shows.
 */
export function renderEvent(event: StoredEvent, version: ApiVersion): Json {
  const { object } = event;
  const data: Json = {
    object:
      object.kind === 'customer' ? renderCustomer(object.customer) : renderAccount(object.account, version),
  };
  if (event.previousAttributes !== null) data.previous_attributes = event.previousAttributes;
  return {
    id: event.id,
    object: 'event',
    api_version: version.name,
    created: event.created,
    data,
    livemode: false,
    pending_webhooks: 0,
    request: event.request && { id: event.request.id, idempotency_key: event.request.idempotencyKey },
    type: event.type,
  };
}

const maxTypes = 20;

export const eventRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/events',
    returns: { list: 'event' },
    params: {
      ...pageParams,
      type: str().optional(),
      types: arrayOf(str()).max(maxTypes).optional(),
      created: rangeParam.optional(),
    },
    async handle(ctx, p) {
      if (p.type !== undefined && p.types !== undefined) {
        throw invalidRequest(
          'You may only specify one of these parameters: type, types.',
          'types',
          'parameters_exclusive',
        );
      }
      const types = p.type !== undefined ? [p.type] : p.types;
      const page = await ctx.services.events.list(ctx.merchant.id, { types, created: p.created }, toPage(p));
      return listEnvelope(
        '/v1/events',
        page.data.map((e) => renderEvent(e, ctx.version)),
        page.hasMore,
      );
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/events/:event',
    returns: 'event',
    params: {},
    async handle(ctx) {
      return renderEvent(await ctx.services.events.get(ctx.merchant.id, ctx.path.event ?? ''), ctx.version);
    },
  }),
];
