import type { Merchant } from '../domain/merchants/service.ts';
import type { Services } from '../services.ts';
import { renderCharge } from './charges/render.ts';
import { renderCustomer } from './customers/render.ts';
import { renderInstitution } from './financial-connections/render.ts';
import { renderOwnership } from './financial-connections/render-data.ts';
import { renderMandate } from './mandates/render.ts';
import { renderPaymentIntent } from './payment-intents/render.ts';
import { renderPaymentMethod } from './payment-methods/render.ts';
import { renderSetupAttempt } from './setup-intents/render.ts';
import type { ExpandLoader } from './wire/expand.ts';

/** Loads what `expand[]` names, limited to what the merchant can see. */
export function expandLoader(services: Services, merchant: Merchant): ExpandLoader {
  return async (kind, id) => {
    switch (kind) {
      case 'customer': {
        const customer = await services.customers.find(merchant.id, id);
        return customer && renderCustomer(customer);
      }
      case 'institution': {
        const institution = services.institutions.find(id);
        return institution && renderInstitution(institution);
      }
      case 'account':
        return id === merchant.id ? { id, object: 'account', livemode: false } : undefined;
      case 'ownership': {
        const ownership = await services.transactions.ownership(merchant.id, id);
        return ownership && renderOwnership(ownership);
      }
      case 'payment_method': {
        const paymentMethod = await services.paymentMethods.find(merchant.id, id);
        return paymentMethod && renderPaymentMethod(paymentMethod);
      }
      case 'mandate': {
        const mandate = await services.mandates.find(merchant.id, id);
        return mandate && renderMandate(mandate);
      }
      case 'setup_attempt': {
        const attempt = await services.setupAttempts.find(merchant.id, id);
        return attempt && renderSetupAttempt(attempt);
      }
      case 'payment_intent': {
        const intent = await services.paymentIntents.find(merchant.id, id);
        return intent && renderPaymentIntent(intent);
      }
      case 'charge': {
        const charge = await services.charges.find(merchant.id, id);
        return charge && renderCharge(charge);
      }
    }
  };
}
