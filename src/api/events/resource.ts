import type { StoredEvent } from '../../domain/events/log.ts';
import { defineResource } from '../resource.ts';
import { renderEvent } from './render.ts';
import { eventRoutes } from './routes.ts';

export const eventResource = defineResource<StoredEvent>({
  object: 'event',
  routes: eventRoutes,
  render: (event, reader, catalogue) => renderEvent(event, reader.version, catalogue),
  get: (services, merchant, id) => services.events.get(merchant.id, id),
});
