import type { SetupAttempt } from '../../domain/payments/setup-attempts.ts';
import type { SetupIntent } from '../../domain/payments/setup-intent-store.ts';
import { defineResource } from '../resource.ts';
import { renderSetupAttempt, renderSetupIntent } from './render.ts';
import { setupIntentRoutes } from './routes.ts';

export const setupIntentResource = defineResource<SetupIntent>({
  object: 'setup_intent',
  routes: setupIntentRoutes,
  render: (intent, reader) => renderSetupIntent(intent, reader.keyKind),
  get: (services, merchant, id) => services.setupIntents.get(merchant.id, id),
  expandable: {
    customer: 'customer',
    payment_method: 'payment_method',
    mandate: 'mandate',
    latest_attempt: 'setup_attempt',
  },
});

export const setupAttemptResource = defineResource<SetupAttempt>({
  object: 'setup_attempt',
  render: renderSetupAttempt,
  find: (services, merchant, id) => services.setupAttempts.find(merchant.id, id),
  expandable: { customer: 'customer', payment_method: 'payment_method' },
});
