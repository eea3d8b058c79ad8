import { reachIntent } from '../../domain/payments/client-secret.ts';
import { answerOf } from '../../domain/payments/microdeposits.ts';
import type { PaymentMethodChoice } from '../../domain/payments/payment-method-choice.ts';
import { acceptanceFrom, mandateDataParams } from '../mandates/acceptance.ts';
import { paymentMethodDataParams, paymentMethodInput } from '../payment-methods/params.ts';
import { listEnvelope, pageParams, rangeParam, toPage } from '../wire/list.ts';
import { arrayOf, bool, emptyableStr, int, metadata, obj, oneOf, str } from '../wire/params.ts';
import { defineRoute, type RequestContext, requestRef } from '../wire/route.ts';
import { renderSetupAttempt, renderSetupIntent } from './render.ts';

const verificationParams = obj({
  us_bank_account: obj({
    verification_method: oneOf(['automatic', 'instant', 'microdeposits']).optional(),
  }).optional(),
}).optional();

/**
 * openfc sets up `us_bank_account` only; SDKs name the list `payment_method_types` (older) or
 * `allowed_payment_method_types` (2026).
 */
const typeParams = {
  payment_method_types: arrayOf(oneOf(['us_bank_account'])).optional(),
  allowed_payment_method_types: arrayOf(oneOf(['us_bank_account'])).optional(),
};

const choiceParams = {
  payment_method: str().optional(),
  payment_method_data: obj(paymentMethodDataParams).optional(),
  payment_method_options: verificationParams,
};

function choiceOf(p: {
  payment_method?: string | undefined;
  payment_method_data?: Parameters<typeof paymentMethodInput>[0] | undefined;
}): PaymentMethodChoice {
  return {
    paymentMethod: p.payment_method,
    paymentMethodData:
      p.payment_method_data && paymentMethodInput(p.payment_method_data, 'payment_method_data'),
  };
}

/** A publishable key reaches a SetupIntent only with its client secret; a secret key always does. */
function reach(ctx: RequestContext, clientSecret: string | undefined) {
  const id = ctx.path.intent ?? '';
  return reachIntent('SetupIntent', ctx.keyKind, clientSecret, () =>
    ctx.services.setupIntents.get(ctx.merchant.id, id),
  );
}

export const setupIntentRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/setup_intents',
    returns: 'setup_intent',
    params: {
      ...choiceParams,
      customer: str().optional(),
      ...typeParams,
      usage: oneOf(['off_session', 'on_session']).optional(),
      description: emptyableStr(1000).optional(),
      metadata: metadata().optional(),
      confirm: bool().optional(),
      mandate_data: mandateDataParams.optional(),
    },
    async handle(ctx, p) {
      const intent = await ctx.services.setupIntents.create(
        ctx.merchant.id,
        {
          ...choiceOf(p),
          customer: p.customer,
          usage: p.usage,
          description: p.description,
          verificationMethod: p.payment_method_options?.us_bank_account?.verification_method,
          metadata: p.metadata,
          confirm: p.confirm,
          mandateData: acceptanceFrom(ctx, p.mandate_data),
        },
        requestRef(ctx),
      );
      return renderSetupIntent(intent);
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/setup_intents/:intent',
    returns: 'setup_intent',
    keys: 'secret_or_publishable',
    params: { client_secret: str().optional() },
    async handle(ctx, p) {
      return renderSetupIntent(await reach(ctx, p.client_secret), ctx.keyKind);
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/setup_intents/:intent',
    returns: 'setup_intent',
    params: {
      ...choiceParams,
      customer: str().optional(),
      ...typeParams,
      description: emptyableStr(1000).optional(),
      metadata: metadata().optional(),
    },
    async handle(ctx, p) {
      const intent = await ctx.services.setupIntents.update(ctx.merchant.id, ctx.path.intent ?? '', {
        ...choiceOf(p),
        customer: p.customer,
        description: p.description,
        verificationMethod: p.payment_method_options?.us_bank_account?.verification_method,
        metadata: p.metadata,
      });
      return renderSetupIntent(intent);
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/setup_intents/:intent/confirm',
    returns: 'setup_intent',
    keys: 'secret_or_publishable',
    params: { ...choiceParams, client_secret: str().optional(), mandate_data: mandateDataParams.optional() },
    async handle(ctx, p) {
      const intent = await reach(ctx, p.client_secret);
      const confirmed = await ctx.services.setupIntents.confirm(
        ctx.merchant.id,
        intent.id,
        {
          ...choiceOf(p),
          mandateData: acceptanceFrom(ctx, p.mandate_data),
          verificationMethod: p.payment_method_options?.us_bank_account?.verification_method,
        },
        requestRef(ctx),
      );
      return renderSetupIntent(confirmed, ctx.keyKind);
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/setup_intents/:intent/verify_microdeposits',
    returns: 'setup_intent',
    keys: 'secret_or_publishable',
    params: {
      client_secret: str().optional(),
      amounts: arrayOf(int()).optional(),
      descriptor_code: str(6).optional(),
    },
    async handle(ctx, p) {
      const intent = await reach(ctx, p.client_secret);
      const verified = await ctx.services.setupIntents.verifyMicrodeposits(
        ctx.merchant.id,
        intent.id,
        answerOf(p.amounts, p.descriptor_code),
        requestRef(ctx),
      );
      return renderSetupIntent(verified, ctx.keyKind);
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/setup_intents/:intent/cancel',
    returns: 'setup_intent',
    params: { cancellation_reason: oneOf(['abandoned', 'duplicate', 'requested_by_customer']).optional() },
    async handle(ctx, p) {
      const intent = await ctx.services.setupIntents.cancel(
        ctx.merchant.id,
        ctx.path.intent ?? '',
        p.cancellation_reason ?? null,
        requestRef(ctx),
      );
      return renderSetupIntent(intent);
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/setup_intents',
    returns: { list: 'setup_intent' },
    params: {
      ...pageParams,
      customer: str().optional(),
      payment_method: str().optional(),
      created: rangeParam.optional(),
    },
    async handle(ctx, p) {
      const page = await ctx.services.setupIntents.list(
        ctx.merchant.id,
        { customer: p.customer, paymentMethod: p.payment_method, created: p.created },
        toPage(p),
      );
      return listEnvelope(
        '/v1/setup_intents',
        page.data.map((i) => renderSetupIntent(i)),
        page.hasMore,
      );
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/setup_attempts',
    returns: { list: 'setup_attempt' },
    params: { ...pageParams, setup_intent: str() },
    async handle(ctx, p) {
      await ctx.services.setupIntents.get(ctx.merchant.id, p.setup_intent, 'setup_intent');
      const page = await ctx.services.setupAttempts.list(ctx.merchant.id, p.setup_intent, toPage(p));
      return listEnvelope('/v1/setup_attempts', page.data.map(renderSetupAttempt), page.hasMore);
    },
  }),
];
