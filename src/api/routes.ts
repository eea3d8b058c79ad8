import { chargeRoutes } from './charges/routes.ts';
import { customerRoutes } from './customers/routes.ts';
import { eventRoutes } from './events/routes.ts';
import { accountDataRoutes } from './financial-connections/account-data.ts';
import { accountRoutes } from './financial-connections/accounts.ts';
import { authorizationRoutes } from './financial-connections/authorizations.ts';
import { institutionRoutes } from './financial-connections/institutions.ts';
import { sessionRoutes } from './financial-connections/sessions.ts';
import { transactionRoutes } from './financial-connections/transactions.ts';
import { flowRoutes } from './flow/routes.ts';
import { hostedRoutes } from './hosted/routes.ts';
import { mandateRoutes } from './mandates/routes.ts';
import { paymentIntentRoutes } from './payment-intents/routes.ts';
import { paymentMethodRoutes } from './payment-methods/routes.ts';
import { setupIntentRoutes } from './setup-intents/routes.ts';
import { stripeCliRoutes } from './stripecli/sessions.ts';
import { financialConnectionsTestHelperRoutes } from './test-helpers/financial-connections.ts';
import { sandboxClockRoutes } from './test-helpers/sandbox-clock.ts';
import { simulateRoutes } from './test-helpers/simulate.ts';
import { webhookEndpointRoutes } from './webhook-endpoints/routes.ts';
import type { Route } from './wire/route.ts';

/** Every API route, registered here explicitly. */
export const routes: readonly Route[] = [
  ...customerRoutes,
  ...sessionRoutes,
  ...accountRoutes,
  ...accountDataRoutes,
  ...transactionRoutes,
  ...authorizationRoutes,
  ...institutionRoutes,
  ...financialConnectionsTestHelperRoutes,
  ...simulateRoutes,
  ...sandboxClockRoutes,
  ...eventRoutes,
  ...webhookEndpointRoutes,
  ...stripeCliRoutes,
  ...flowRoutes,
  ...hostedRoutes,
  ...paymentMethodRoutes,
  ...setupIntentRoutes,
  ...mandateRoutes,
  ...paymentIntentRoutes,
  ...chargeRoutes,
];
