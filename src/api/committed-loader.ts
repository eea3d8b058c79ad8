import { renderCustomer } from './customers/render.ts';
import { renderEvent } from './events/render.ts';
import { renderAccount, renderAuthorization, renderSession } from './financial-connections/render.ts';
import { renderPaymentIntent } from './payment-intents/render.ts';
import { renderPaymentMethod } from './payment-methods/render.ts';
import { renderSetupIntent } from './setup-intents/render.ts';
import { renderClock } from './test-helpers/render.ts';
import { renderWebhookEndpoint } from './webhook-endpoints/render.ts';
import type { Json, Returns } from './wire/expand.ts';
import type { RequestContext } from './wire/route.ts';

/**
 * Renders, as a retrieve would for the request's API version, the object of type `type` that a
 * request committed before its process died unanswered; undefined when it cannot be told (no
 * request answers with a list).
 */
export async function renderCommitted(
  ctx: RequestContext,
  type: Returns,
  id: string | null,
): Promise<Json | undefined> {
  const { services, merchant, version } = ctx;
  if (type === 'test_helpers.sandbox_clock')
    return renderClock(await services.clocks.get(merchant.id), merchant);
  if (id === null) return undefined;
  switch (type) {
    case 'customer':
      return renderCustomer(await services.customers.get(merchant.id, id));
    case 'event':
      return renderEvent(await services.events.get(merchant.id, id), version);
    case 'financial_connections.account':
      return renderAccount(await services.accounts.get(merchant.id, id), version);
    case 'financial_connections.authorization':
      return renderAuthorization(await services.authorizations.get(merchant.id, id), version);
    case 'financial_connections.session':
      return renderSession(await services.sessions.get(merchant.id, id), version);
    case 'payment_method':
      return renderPaymentMethod(await services.paymentMethods.get(merchant.id, id));
    case 'payment_intent':
      return renderPaymentIntent(await services.paymentIntents.get(merchant.id, id), ctx.keyKind);
    case 'setup_intent':
      return renderSetupIntent(await services.setupIntents.get(merchant.id, id), ctx.keyKind);
    case 'webhook_endpoint':
      return renderWebhookEndpoint(await services.webhookEndpoints.get(merchant.id, id));
  }
  return undefined;
}
