import type { FastifyInstance } from 'fastify';
import type { Page, PageResult } from '../../domain/paging.ts';
import type { Services } from '../../services.ts';
import { renderCharge } from '../charges/render.ts';
import { renderMandate } from '../mandates/render.ts';
import { renderPaymentIntent } from '../payment-intents/render.ts';
import { renderPaymentMethod } from '../payment-methods/render.ts';
import { renderSetupIntent } from '../setup-intents/render.ts';
import type { Json } from '../wire/expand.ts';
import { signedIn } from './guard.ts';
import { choiceFromQuery, pageFromQuery, textFromQuery } from './params.ts';

/** The statuses each list's `status` filter takes. */
export const paymentStatuses = {
  'setup-intents': [
    'requires_payment_method',
    'requires_confirmation',
    'requires_action',
    'succeeded',
    'canceled',
  ],
  'payment-intents': [
    'requires_payment_method',
    'requires_confirmation',
    'requires_action',
    'processing',
    'succeeded',
    'canceled',
  ],
  mandates: ['active', 'inactive', 'pending'],
  charges: ['pending', 'succeeded', 'failed'],
} as const;

/** The dashboard's filters of the payment lists, from the page's query; each list reads those it has. */
function paymentFilter<S extends string>(query: URLSearchParams, statuses: readonly S[] = []) {
  return {
    customer: textFromQuery(query, 'customer'),
    paymentMethod: textFromQuery(query, 'payment_method'),
    paymentIntent: textFromQuery(query, 'payment_intent'),
    account: textFromQuery(query, 'account'),
    status: choiceFromQuery(query, 'status', statuses),
  };
}

// Client secrets are the customer's: the dashboard leaves them out.
function withoutSecret(rendered: Json): Json {
  const { client_secret: _secret, ...rest } = rendered;
  return rest;
}

/**
 * Payment objects built on linked accounts, read through the services `/v1/payment_methods`,
 * `/v1/setup_intents`, `/v1/payment_intents`, `/v1/mandates` and `/v1/charges` read through, and
 * rendered as those render them. Lists are newest first with Stripe's cursors.
 */
export function registerDashboardPaymentRoutes(app: FastifyInstance, services: Services): void {
  const api = '/dashboard/api';
  const payments = <T>(
    path: string,
    list: (merchantId: string, query: URLSearchParams, page: Page) => Promise<PageResult<T>>,
    get: (merchantId: string, id: string) => Promise<T>,
    render: (record: T) => Json,
  ) => {
    app.get(`${api}/${path}`, async (request) => {
      const { merchant } = await signedIn(services, request);
      const query = new URL(request.url, 'http://openfc').searchParams;
      const page = await list(merchant.id, query, pageFromQuery(query));
      return { data: page.data.map((record) => withoutSecret(render(record))), has_more: page.hasMore };
    });
    // With the linked account behind the object's PaymentMethod, for the page's link to it.
    app.get<{ Params: { id: string } }>(`${api}/${path}/:id`, async (request) => {
      const { merchant } = await signedIn(services, request);
      const object = withoutSecret(render(await get(merchant.id, request.params.id)));
      const paymentMethodId =
        object.object === 'payment_method' ? object.id : (object.payment_method as string | null);
      const paymentMethod =
        typeof paymentMethodId === 'string'
          ? await services.paymentMethods.find(merchant.id, paymentMethodId)
          : undefined;
      return {
        object,
        financial_connections_account: paymentMethod?.usBankAccount.financialConnectionsAccount ?? null,
      };
    });
  };
  payments(
    'payment-methods',
    (merchantId, query, page) => {
      const { customer, account } = paymentFilter(query);
      return services.paymentMethods.list(merchantId, { customer, account }, page);
    },
    (merchantId, id) => services.paymentMethods.get(merchantId, id, 'id'),
    renderPaymentMethod,
  );
  payments(
    'setup-intents',
    (merchantId, query, page) => {
      const { customer, paymentMethod, status } = paymentFilter(query, paymentStatuses['setup-intents']);
      return services.setupIntents.list(merchantId, { customer, paymentMethod, status }, page);
    },
    (merchantId, id) => services.setupIntents.get(merchantId, id, 'id'),
    (intent) => renderSetupIntent(intent),
  );
  payments(
    'payment-intents',
    (merchantId, query, page) => {
      const { customer, paymentMethod, status } = paymentFilter(query, paymentStatuses['payment-intents']);
      return services.paymentIntents.list(merchantId, { customer, paymentMethod, status }, page);
    },
    (merchantId, id) => services.paymentIntents.get(merchantId, id, 'id'),
    (intent) => renderPaymentIntent(intent),
  );
  payments(
    'mandates',
    (merchantId, query, page) => {
      const { paymentMethod, status } = paymentFilter(query, paymentStatuses.mandates);
      return services.mandates.list(merchantId, { paymentMethod, status }, page);
    },
    (merchantId, id) => services.mandates.get(merchantId, id),
    renderMandate,
  );
  payments(
    'charges',
    (merchantId, query, page) => {
      const { customer, paymentMethod, paymentIntent, status } = paymentFilter(
        query,
        paymentStatuses.charges,
      );
      return services.charges.list(merchantId, { customer, paymentMethod, paymentIntent, status }, page);
    },
    (merchantId, id) => services.charges.get(merchantId, id, 'id'),
    renderCharge,
  );
}
