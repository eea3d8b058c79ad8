import type { Mandate } from '../../domain/payments/mandates.ts';
import { defineResource } from '../resource.ts';
import { renderMandate } from './render.ts';
import { mandateRoutes } from './routes.ts';

export const mandateResource = defineResource<Mandate>({
  object: 'mandate',
  routes: mandateRoutes,
  render: renderMandate,
  get: (services, merchant, id) => services.mandates.get(merchant.id, id),
  find: (services, merchant, id) => services.mandates.find(merchant.id, id),
  expandable: { payment_method: 'payment_method' },
});
