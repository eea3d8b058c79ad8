import type { PaymentIntent } from '../../domain/payments/payment-intent-store.ts';
import { defineResource } from '../resource.ts';
import { renderPaymentIntent } from './render.ts';
import { paymentIntentRoutes } from './routes.ts';

export const paymentIntentResource = defineResource<PaymentIntent>({
  object: 'payment_intent',
  routes: paymentIntentRoutes,
  render: (intent, reader) => renderPaymentIntent(intent, reader.keyKind),
  get: (services, merchant, id) => services.paymentIntents.get(merchant.id, id),
  find: (services, merchant, id) => services.paymentIntents.find(merchant.id, id),
  expandable: { customer: 'customer', payment_method: 'payment_method', latest_charge: 'charge' },
});
