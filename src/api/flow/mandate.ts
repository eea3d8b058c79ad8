import { renderSetupIntent } from '../setup-intents/render.ts';
import { str } from '../wire/params.ts';
import { defineRoute, type Route } from '../wire/route.ts';

/** A SetupIntent's client secret starts with its id (`seti_…_secret_…`), as Stripe.js reads it. */
function intentOf(clientSecret: string): string {
  const at = clientSecret.indexOf('_secret_');
  return at > 0 ? clientSecret.slice(0, at) : '';
}

/**
 * What the mandate screen shows before the customer accepts: the merchant, the bank account the
 * mandate is for, and the SetupIntent as a publishable key sees it. Refused as confirming would be
 * (a SetupIntent that has no payment method or cannot be confirmed), so that the screen is not
 * shown for a confirmation that cannot happen. Accepting confirms through
 * `/v1/setup_intents/:intent/confirm`, as Stripe.js does.
 */
export const mandateRoute: Route = defineRoute({
  method: 'POST',
  url: '/flow/v1/setup_intents/mandate',
  returns: 'flow_mandate',
  keys: 'publishable',
  params: { client_secret: str(500), payment_method: str().optional() },
  async handle(ctx, p) {
    const { intent, paymentMethod } = await ctx.services.setupIntents.toConfirm(
      ctx.merchant.id,
      intentOf(p.client_secret),
      p.client_secret,
      p.payment_method,
    );
    const bank = paymentMethod.usBankAccount;
    return {
      object: 'flow_mandate',
      merchant: { name: ctx.merchant.name },
      payment_method: { id: paymentMethod.id, bank_name: bank.bankName, last4: bank.last4 },
      setup_intent: renderSetupIntent(intent, 'publishable'),
    };
  },
});
