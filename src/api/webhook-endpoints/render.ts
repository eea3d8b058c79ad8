import type { WebhookEndpoint } from '../../domain/webhook-endpoints/service.ts';
import type { Json } from '../wire/expand.ts';

/** Stripe's webhook_endpoint object; `secret` only when it was made by this request. */
export function renderWebhookEndpoint(endpoint: WebhookEndpoint, secret?: string): Json {
  return {
    id: endpoint.id,
    object: 'webhook_endpoint',
    api_version: endpoint.apiVersion,
    application: null,
    created: endpoint.created,
    description: endpoint.description,
    enabled_events: endpoint.enabledEvents,
    livemode: false,
    metadata: endpoint.metadata,
    ...(secret !== undefined && { secret }),
    status: endpoint.status,
    url: endpoint.url,
  };
}
