import type { FastifyInstance } from 'fastify';
import type { Merchant } from '../../domain/merchants/service.ts';
import { webhookEndpointStatuses } from '../../domain/webhook-endpoints/service.ts';
import type { Services } from '../../services.ts';
import { renderWebhookEndpoint } from '../webhook-endpoints/render.ts';
import { signedIn, signedInForChange } from './guard.ts';
import { choiceFromQuery, pageFromQuery } from './params.ts';
import { query, renderDelivery } from './routes.ts';

/** How many of an endpoint's latest deliveries its page shows. */
const recentDeliveries = 20;

/**
 * The merchant's webhook endpoints, as `GET /v1/webhook_endpoints` reads them (never their
 * signing secrets), each with its latest deliveries; disabling and enabling one is the API's
 * update (`POST /v1/webhook_endpoints/{id}` with `disabled`), which Stripe records with no event.
 */
export function registerDashboardWebhookRoutes(app: FastifyInstance, services: Services): void {
  const api = '/dashboard/api/webhook-endpoints';

  const endpointView = async (merchant: Merchant, id: string) => {
    const endpoint = await services.webhookEndpoints.get(merchant.id, id);
    const deliveries = await services.deliveries.ofEndpoint(merchant.id, endpoint.id, recentDeliveries);
    return {
      endpoint: renderWebhookEndpoint(endpoint),
      deliveries: deliveries.map((delivery) => ({ ...renderDelivery(delivery), event: delivery.event })),
    };
  };

  app.get(api, async (request) => {
    const { merchant } = await signedIn(services, request);
    const filter = { status: choiceFromQuery(query(request), 'status', webhookEndpointStatuses) };
    const page = await services.webhookEndpoints.list(merchant.id, filter, pageFromQuery(query(request)));
    return { data: page.data.map((endpoint) => renderWebhookEndpoint(endpoint)), has_more: page.hasMore };
  });

  app.get<{ Params: { id: string } }>(`${api}/:id`, async (request) => {
    const { merchant } = await signedIn(services, request);
    return endpointView(merchant, request.params.id);
  });

  for (const [action, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    app.post<{ Params: { id: string } }>(`${api}/:id/${action}`, async (request) => {
      const { merchant } = await signedInForChange(services, request);
      await services.webhookEndpoints.update(merchant.id, request.params.id, { disabled });
      return endpointView(merchant, request.params.id);
    });
  }
}
