import { stripeAccountResource } from './accounts/resource.ts';
import { balanceResource } from './balance/resource.ts';
import { balanceTransactionResource } from './balance-transactions/resource.ts';
import { Catalogue } from './catalogue.ts';
import { chargeResource } from './charges/resource.ts';
import { customerResource } from './customers/resource.ts';
import { eventResource } from './events/resource.ts';
import { externalAccountResource } from './external-accounts/resource.ts';
import {
  accountResource,
  authorizationResource,
  institutionResource,
  ownershipResource,
  sessionResource,
  transactionResource,
} from './financial-connections/resources.ts';
import { flowRoutes } from './flow/routes.ts';
import { hostedRoutes } from './hosted/routes.ts';
import { mandateResource } from './mandates/resource.ts';
import { paymentIntentResource } from './payment-intents/resource.ts';
import { paymentMethodResource } from './payment-methods/resource.ts';
import { payoutResource } from './payouts/resource.ts';
import { defineResource } from './resource.ts';
import { setupAttemptResource, setupIntentResource } from './setup-intents/resource.ts';
import { stripeCliRoutes } from './stripecli/sessions.ts';
import { sandboxClockResource, testHelperResource } from './test-helpers/resources.ts';
import { tokenResource } from './tokens/resource.ts';
import { topupResource } from './topups/resource.ts';
import { transferResource } from './transfers/resource.ts';
import { webhookEndpointResource } from './webhook-endpoints/resource.ts';

/**
 * Every resource openfc serves. A new kind of object is described in its own folder
 * (`resource.ts`) and listed here once.
 */
export const resources = [
  customerResource,
  stripeAccountResource,
  sessionResource,
  accountResource,
  authorizationResource,
  institutionResource,
  ownershipResource,
  transactionResource,
  testHelperResource,
  sandboxClockResource,
  eventResource,
  webhookEndpointResource,
  paymentMethodResource,
  setupIntentResource,
  setupAttemptResource,
  mandateResource,
  paymentIntentResource,
  chargeResource,
  balanceTransactionResource,
  balanceResource,
  topupResource,
  transferResource,
  tokenResource,
  externalAccountResource,
  payoutResource,
  // The account holder's flow, hosted links and `stripe listen`: routes without objects of their own.
  defineResource({ routes: [...flowRoutes, ...hostedRoutes, ...stripeCliRoutes] }),
];

export const catalogue = new Catalogue(resources);
