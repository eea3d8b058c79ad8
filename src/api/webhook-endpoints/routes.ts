import { invalidRequest } from '../../domain/errors.ts';
import { listEnvelope, pageParams, toPage } from '../wire/list.ts';
import { arrayOf, bool, emptyableStr, metadata, str } from '../wire/params.ts';
import { defineRoute } from '../wire/route.ts';
import { isApiVersion } from '../wire/versions.ts';
import { renderWebhookEndpoint } from './render.ts';

const eventTypePattern = /^[a-z0-9_]+(\.[a-z0-9_]+)+$/;

/**
 * An http(s) URL without credentials. Localhost is welcome: delivering to a developer's machine
 * is what a sandbox is for. A refused URL is not echoed, as it may hold a password.
 */
function checkUrl(value: string | undefined): void {
  if (value === undefined) return;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidRequest(
      'Invalid URL: the webhook endpoint URL must be an absolute URL.',
      'url',
      'url_invalid',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalidRequest(
      'Invalid URL: the webhook endpoint URL must use http or https.',
      'url',
      'url_invalid',
    );
  if (url.username !== '' || url.password !== '')
    throw invalidRequest(
      'Invalid URL: the webhook endpoint URL must not include a username or password.',
      'url',
      'url_invalid',
    );
}

/**
 * `*` or well-formed event type names. Types openfc does not emit yet are accepted, so endpoints
 * made for Stripe (which list payment events, say) can be made unchanged.
 */
function checkEnabledEvents(events: string[] | undefined): void {
  if (events === undefined) return;
  if (events.length === 0)
    throw invalidRequest('Invalid enabled_events: must list at least one event type.', 'enabled_events');
  events.forEach((type, i) => {
    if (type !== '*' && !eventTypePattern.test(type))
      throw invalidRequest(
        `Invalid enabled_events[${i}]: '${type}' is not an event type.`,
        `enabled_events[${i}]`,
      );
  });
}

const common = {
  url: str(5000),
  enabled_events: arrayOf(str(100)).max(300),
  description: emptyableStr(5000).optional(),
  metadata: metadata().optional(),
};

export const webhookEndpointRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/webhook_endpoints',
    returns: 'webhook_endpoint',
    params: { ...common, api_version: str(100).optional(), connect: bool().optional() },
    async handle(ctx, p) {
      checkUrl(p.url);
      checkEnabledEvents(p.enabled_events);
      if (p.api_version !== undefined && !isApiVersion(p.api_version))
        throw invalidRequest(`Invalid api_version: ${p.api_version}.`, 'api_version');
      // Only a platform has connected accounts; a connected account's endpoints hear its own events.
      if (p.connect === true && ctx.merchant.platformId !== null)
        throw invalidRequest(
          'Only a platform can make an endpoint for the events of its connected accounts: connect must be false when acting as a connected account.',
          'connect',
        );
      const { endpoint, secret } = await ctx.services.webhookEndpoints.create(ctx.merchant.id, {
        url: p.url,
        enabledEvents: p.enabled_events,
        description: p.description,
        apiVersion: p.api_version,
        metadata: p.metadata,
        connect: p.connect,
      });
      return renderWebhookEndpoint(endpoint, secret);
    },
    // The answer to a create carries the signing secret, which nothing else shows.
    async renderCommitted(ctx, id) {
      if (id === null) return undefined;
      const endpoints = ctx.services.webhookEndpoints;
      const endpoint = await endpoints.get(ctx.merchant.id, id);
      return renderWebhookEndpoint(endpoint, await endpoints.secretOf(ctx.merchant.id, id));
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/webhook_endpoints/:webhook_endpoint',
    returns: 'webhook_endpoint',
    params: {},
    async handle(ctx) {
      return renderWebhookEndpoint(
        await ctx.services.webhookEndpoints.get(ctx.merchant.id, ctx.path.webhook_endpoint ?? ''),
      );
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/webhook_endpoints/:webhook_endpoint',
    returns: 'webhook_endpoint',
    params: {
      url: common.url.optional(),
      enabled_events: common.enabled_events.optional(),
      description: common.description,
      metadata: common.metadata,
      disabled: bool().optional(),
    },
    async handle(ctx, p) {
      checkUrl(p.url);
      checkEnabledEvents(p.enabled_events);
      const endpoint = await ctx.services.webhookEndpoints.update(
        ctx.merchant.id,
        ctx.path.webhook_endpoint ?? '',
        {
          url: p.url,
          enabledEvents: p.enabled_events,
          description: p.description,
          metadata: p.metadata,
          disabled: p.disabled,
        },
      );
      return renderWebhookEndpoint(endpoint);
    },
  }),
  defineRoute({
    method: 'DELETE',
    url: '/v1/webhook_endpoints/:webhook_endpoint',
    returns: 'webhook_endpoint',
    params: {},
    async handle(ctx) {
      const id = ctx.path.webhook_endpoint ?? '';
      await ctx.services.webhookEndpoints.delete(ctx.merchant.id, id);
      return { id, object: 'webhook_endpoint', deleted: true };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/webhook_endpoints',
    returns: { list: 'webhook_endpoint' },
    params: pageParams,
    async handle(ctx, p) {
      const page = await ctx.services.webhookEndpoints.list(ctx.merchant.id, {}, toPage(p));
      return listEnvelope(
        '/v1/webhook_endpoints',
        page.data.map((e) => renderWebhookEndpoint(e)),
        page.hasMore,
      );
    },
  }),
];
