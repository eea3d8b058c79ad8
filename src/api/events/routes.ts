import { invalidRequest } from '../../domain/errors.ts';
import { previewOnlyEventTypes } from '../../domain/events/types.ts';
import { listEnvelope, pageParams, rangeParam, toPage } from '../wire/list.ts';
import { arrayOf, bool, str } from '../wire/params.ts';
import { defineRoute } from '../wire/route.ts';
import { renderEvent } from './render.ts';

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
      delivery_success: bool().optional(),
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
      const page = await ctx.services.events.list(
        ctx.merchant.id,
        {
          types,
          created: p.created,
          deliverySuccess: p.delivery_success,
          excludeTypes: ctx.version.preview ? undefined : [...previewOnlyEventTypes],
        },
        toPage(p),
      );
      return listEnvelope(
        '/v1/events',
        page.data.map((e) => renderEvent(e, ctx.version, ctx.catalogue)),
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
      return renderEvent(
        await ctx.services.events.get(ctx.merchant.id, ctx.path.event ?? ''),
        ctx.version,
        ctx.catalogue,
      );
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/events/:event/retry',
    returns: 'event',
    params: { webhook_endpoint: str(100).optional(), for_stripecli: bool().optional() },
    async handle(ctx, p) {
      const id = ctx.path.event ?? '';
      await ctx.services.events.get(ctx.merchant.id, id);
      if (p.for_stripecli === true) {
        // `stripe events resend`: to the CLI sessions listening here, not to webhook endpoints.
        if (p.webhook_endpoint !== undefined) {
          throw invalidRequest(
            'You may only specify one of these parameters: webhook_endpoint, for_stripecli.',
            'for_stripecli',
            'parameters_exclusive',
          );
        }
        await ctx.services.cliResends.publish(ctx.merchant.id, id);
      } else {
        await ctx.services.outbox.redeliver(ctx.merchant.id, id, p.webhook_endpoint);
      }
      return renderEvent(await ctx.services.events.get(ctx.merchant.id, id), ctx.version, ctx.catalogue);
    },
  }),
];
