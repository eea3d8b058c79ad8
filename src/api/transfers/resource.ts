import type { Transfer } from '../../domain/balance/transfers.ts';
import { defineResource } from '../resource.ts';
import { renderTransfer } from './render.ts';
import { transferRoutes } from './routes.ts';

/**
 * Transfers, seen by the platform that sent them. `destination_payment` names the payment on the
 * connected account (its balance transaction's source), which openfc keeps no object for.
 */
export const transferResource = defineResource<Transfer>({
  object: 'transfer',
  routes: transferRoutes,
  render: renderTransfer,
  get: (services, merchant, id) => services.transfers.get(merchant.id, id),
  find: (services, merchant, id) => services.transfers.find(merchant.id, id),
  expandable: { balance_transaction: 'balance_transaction', destination: 'account' },
});
