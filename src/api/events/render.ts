import type { StoredEvent } from '../../domain/events/log.ts';
import type { Catalogue } from '../catalogue.ts';
import type { Json } from '../wire/expand.ts';
import type { ApiVersion } from '../wire/versions.ts';

/**
 * Stripe's event object. `data.object` is rendered from the stored record with the reader's API
 * version, which is the `api_version` the event shows, as a secret key sees it.
 */
export function renderEvent(event: StoredEvent, version: ApiVersion, catalogue: Catalogue): Json {
  const object = catalogue.render(event.object.kind, event.object.record, { version, keyKind: 'secret' });
  const data: Json = { object };
  if (event.previousAttributes !== null) data.previous_attributes = event.previousAttributes;
  return {
    id: event.id,
    object: 'event',
    // Only an event of a connected account names it.
    ...(event.account === null ? {} : { account: event.account }),
    api_version: version.name,
    created: event.created,
    data,
    livemode: false,
    pending_webhooks: event.pendingWebhooks,
    request: event.request && { id: event.request.id, idempotency_key: event.request.idempotencyKey },
    type: event.type,
  };
}
