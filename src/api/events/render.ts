import type { EventObject, StoredEvent } from '../../domain/events/log.ts';
import { renderCharge } from '../charges/render.ts';
import { renderCustomer } from '../customers/render.ts';
import { renderAccount, renderAuthorization, renderSession } from '../financial-connections/render.ts';
import { renderMandate } from '../mandates/render.ts';
import { renderPaymentIntent } from '../payment-intents/render.ts';
import { renderPaymentMethod } from '../payment-methods/render.ts';
import { renderSetupIntent } from '../setup-intents/render.ts';
import type { Json } from '../wire/expand.ts';
import type { ApiVersion } from '../wire/versions.ts';

function renderObject(object: EventObject, version: ApiVersion): Json {
  switch (object.kind) {
    case 'customer':
      return renderCustomer(object.record);
    case 'financial_connections.account':
      return renderAccount(object.record, version);
    case 'financial_connections.authorization':
      return renderAuthorization(object.record, version);
    case 'financial_connections.session':
      return renderSession(object.record, version);
    case 'payment_method':
      return renderPaymentMethod(object.record);
    case 'setup_intent':
      return renderSetupIntent(object.record);
    case 'mandate':
      return renderMandate(object.record);
    case 'payment_intent':
      return renderPaymentIntent(object.record);
    case 'charge':
      return renderCharge(object.record);
  }
}

/**
 * Stripe's event object. `data.object` is rendered from the stored record with the reader's API
 * version, which is the `api_version` the event shows.
 */
export function renderEvent(event: StoredEvent, version: ApiVersion): Json {
  const data: Json = { object: renderObject(event.object, version) };
  if (event.previousAttributes !== null) data.previous_attributes = event.previousAttributes;
  return {
    id: event.id,
    object: 'event',
    api_version: version.name,
    created: event.created,
    data,
    livemode: false,
    pending_webhooks: event.pendingWebhooks,
    request: event.request && { id: event.request.id, idempotency_key: event.request.idempotencyKey },
    type: event.type,
  };
}
