import type { WebhookEndpoint } from '../../domain/webhook-endpoints/service.ts';
import { defineResource } from '../resource.ts';
import { renderWebhookEndpoint } from './render.ts';
import { webhookEndpointRoutes } from './routes.ts';

export const webhookEndpointResource = defineResource<WebhookEndpoint>({
  object: 'webhook_endpoint',
  routes: webhookEndpointRoutes,
  render: (endpoint) => renderWebhookEndpoint(endpoint),
  get: (services, merchant, id) => services.webhookEndpoints.get(merchant.id, id),
});
