import type { DebitInput } from '../../domain/payments/ach-debit.ts';
import { reachIntent } from '../../domain/payments/client-secret.ts';
import { answerOf } from '../../domain/payments/microdeposits.ts';
import { acceptanceFrom, mandateDataParams } from '../mandates/acceptance.ts';
import { paymentMethodDataParams, paymentMethodInput } from '../payment-methods/params.ts';
import { listEnvelope, pageParams, rangeParam, toPage } from '../wire/list.ts';
import { arrayOf, bool, emptyableStr, int, metadata, obj, oneOf, str } from '../wire/params.ts';
import { defineRoute, type RequestContext, requestRef } from '../wire/route.ts';
import { renderPaymentIntent } from './render.ts';

/** openfc debits `us_bank_account` in USD only; SDKs may also send the 2026 list name. */
const typeParams = {
  payment_method_types: arrayOf(oneOf(['us_bank_account'])).optional(),
  allowed_payment_method_types: arrayOf(oneOf(['us_bank_account'])).optional(),
  payment_method_options: obj({
    us_bank_account: obj({ verification_method: oneOf(['automatic', 'instant']).optional() }).optional(),
  }).optional(),
};

const debitParams = {
  payment_method: str().optional(),
  payment_method_data: obj(paymentMethodDataParams).optional(),
  mandate: str().optional(),
  mandate_data: mandateDataParams.optional(),
  // Stripe takes a boolean, or how the off-session payment recurs; a debit needs the mandate either way.
  off_session: oneOf(['true', 'false', 'one_off', 'recurring']).optional(),
};

function debitOf(
  ctx: RequestContext,
  p: {
    payment_method?: string | undefined;
    payment_method_data?: Parameters<typeof paymentMethodInput>[0] | undefined;
    mandate?: string | undefined;
    mandate_data?: Parameters<typeof acceptanceFrom>[1];
    payment_method_options?:
      | { us_bank_account?: { verification_method?: 'automatic' | 'instant' } }
      | undefined;
  },
): DebitInput {
  return {
    verificationMethod: p.payment_method_options?.us_bank_account?.verification_method,
    paymentMethod: p.payment_method,
    paymentMethodData:
      p.payment_method_data && paymentMethodInput(p.payment_method_data, 'payment_method_data'),
    mandate: p.mandate,
    mandateData: acceptanceFrom(ctx, p.mandate_data),
  };
}

/** A publishable key reaches a PaymentIntent only with its client secret; a secret key always does. */
function reach(ctx: RequestContext, clientSecret: string | undefined) {
  const id = ctx.path.intent ?? '';
  return reachIntent('PaymentIntent', ctx.keyKind, clientSecret, () =>
    ctx.services.paymentIntents.get(ctx.merchant.id, id),
  );
}

export const paymentIntentRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/payment_intents',
    returns: 'payment_intent',
    params: {
      amount: int(1),
      currency: oneOf(['usd']),
      customer: str().optional(),
      ...typeParams,
      ...debitParams,
      description: emptyableStr(1000).optional(),
      metadata: metadata().optional(),
      confirm: bool().optional(),
    },
    async handle(ctx, p) {
      const intent = await ctx.services.paymentIntents.create(
        ctx.merchant.id,
        {
          ...debitOf(ctx, p),
          amount: p.amount,
          customer: p.customer,
          description: p.description,
          metadata: p.metadata,
          confirm: p.confirm,
          offSession: p.off_session === undefined ? undefined : p.off_session !== 'false',
        },
        requestRef(ctx),
      );
      return renderPaymentIntent(intent);
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/payment_intents/:intent',
    returns: 'payment_intent',
    keys: 'secret_or_publishable',
    params: { client_secret: str().optional() },
    async handle(ctx, p) {
      return renderPaymentIntent(await reach(ctx, p.client_secret), ctx.keyKind);
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/payment_intents/:intent',
    returns: 'payment_intent',
    params: {
      amount: int(1).optional(),
      currency: oneOf(['usd']).optional(),
      customer: str().optional(),
      payment_method: str().optional(),
      payment_method_data: debitParams.payment_method_data,
      ...typeParams,
      description: emptyableStr(1000).optional(),
      metadata: metadata().optional(),
    },
    async handle(ctx, p) {
      const { paymentMethod, paymentMethodData } = debitOf(ctx, p);
      const intent = await ctx.services.paymentIntents.update(ctx.merchant.id, ctx.path.intent ?? '', {
        amount: p.amount,
        customer: p.customer,
        paymentMethod,
        paymentMethodData,
        description: p.description,
        metadata: p.metadata,
      });
      return renderPaymentIntent(intent);
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/payment_intents/:intent/confirm',
    returns: 'payment_intent',
    params: { ...debitParams, payment_method_options: typeParams.payment_method_options },
    async handle(ctx, p) {
      const confirmed = await ctx.services.paymentIntents.confirm(
        ctx.merchant.id,
        ctx.path.intent ?? '',
        debitOf(ctx, p),
        requestRef(ctx),
      );
      return renderPaymentIntent(confirmed);
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/payment_intents/:intent/verify_microdeposits',
    returns: 'payment_intent',
    keys: 'secret_or_publishable',
    params: {
      client_secret: str().optional(),
      amounts: arrayOf(int()).optional(),
      descriptor_code: str(6).optional(),
    },
    async handle(ctx, p) {
      const intent = await reach(ctx, p.client_secret);
      const verified = await ctx.services.paymentIntents.verifyMicrodeposits(
        ctx.merchant.id,
        intent.id,
        answerOf(p.amounts, p.descriptor_code),
        requestRef(ctx),
      );
      return renderPaymentIntent(verified, ctx.keyKind);
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/payment_intents/:intent/cancel',
    returns: 'payment_intent',
    params: {
      cancellation_reason: oneOf([
        'abandoned',
        'duplicate',
        'fraudulent',
        'requested_by_customer',
      ]).optional(),
    },
    async handle(ctx, p) {
      const intent = await ctx.services.paymentIntents.cancel(
        ctx.merchant.id,
        ctx.path.intent ?? '',
        p.cancellation_reason ?? null,
        requestRef(ctx),
      );
      return renderPaymentIntent(intent);
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/payment_intents',
    returns: { list: 'payment_intent' },
    params: { ...pageParams, customer: str().optional(), created: rangeParam.optional() },
    async handle(ctx, p) {
      const page = await ctx.services.paymentIntents.list(
        ctx.merchant.id,
        { customer: p.customer, created: p.created },
        toPage(p),
      );
      return listEnvelope(
        '/v1/payment_intents',
        page.data.map((i) => renderPaymentIntent(i)),
        page.hasMore,
      );
    },
  }),
];
