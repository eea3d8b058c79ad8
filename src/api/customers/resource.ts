import type { Customer } from '../../domain/customers/service.ts';
import { defineResource } from '../resource.ts';
import { renderCustomer } from './render.ts';
import { customerRoutes } from './routes.ts';

export const customerResource = defineResource<Customer>({
  object: 'customer',
  routes: customerRoutes,
  render: renderCustomer,
  get: (services, merchant, id) => services.customers.get(merchant.id, id),
  find: (services, merchant, id) => services.customers.find(merchant.id, id),
});
