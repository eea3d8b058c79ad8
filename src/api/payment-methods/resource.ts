import type { PaymentMethod } from '../../domain/payments/payment-method-store.ts';
import { defineResource } from '../resource.ts';
import { renderPaymentMethod } from './render.ts';
import { paymentMethodRoutes } from './routes.ts';

export const paymentMethodResource = defineResource<PaymentMethod>({
  object: 'payment_method',
  routes: paymentMethodRoutes,
  render: renderPaymentMethod,
  get: (services, merchant, id) => services.paymentMethods.get(merchant.id, id),
  find: (services, merchant, id) => services.paymentMethods.find(merchant.id, id),
  expandable: { customer: 'customer' },
});
