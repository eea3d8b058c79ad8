import type { FastifyInstance, FastifyRequest } from 'fastify';
import { dashboardSessionSeconds } from '../../domain/dashboard/sessions.ts';
import { accountEvents, authorizationEvents } from '../../domain/financial-connections/simulate.ts';
import type { AccountHolder } from '../../domain/financial-connections/types.ts';
import type { Merchant } from '../../domain/merchants/service.ts';
import { maxAdvanceSeconds } from '../../domain/sandbox-clock/clocks.ts';
import type { Services } from '../../services.ts';
import type { Delivery } from '../../webhooks/deliveries.ts';
import type { Catalogue } from '../catalogue.ts';
import { renderCustomer } from '../customers/render.ts';
import { renderEvent } from '../events/render.ts';
import { renderAccount, renderAuthorization, renderSession } from '../financial-connections/render.ts';
import { authenticate } from '../wire/auth.ts';
import { resolveVersion } from '../wire/versions.ts';
import { type SignedIn, setSessionCookie, signedIn, signedInForChange } from './guard.ts';
import {
  accountFilter,
  eventFilter,
  oneOfField,
  pageFromQuery,
  secondsField,
  stringField,
  textFromQuery,
} from './params.ts';
import { renderingsByVersion } from './versions-view.ts';

/**
 * The dashboard shows objects as the newest preview version renders them: it carries the whole
 * relink surface (`status_details.inactive`, authorizations).
 */
export const dashboardVersion = resolveVersion('2026-07-29.preview', '2026-07-29.preview');

export function query(request: FastifyRequest): URLSearchParams {
  return new URL(request.url, 'http://openfc').searchParams;
}

function session(who: Pick<SignedIn, 'merchant' | 'session'>) {
  return {
    merchant: { id: who.merchant.id, name: who.merchant.name },
    csrf_token: who.session.csrfToken,
    expires_at: who.session.expiresAt,
  };
}

export function renderDelivery(delivery: Delivery) {
  return {
    id: delivery.id,
    endpoint: delivery.endpoint,
    created: delivery.created,
    status: delivery.status,
    next_attempt_at: delivery.nextAttemptAt,
    attempts: delivery.attempts.map((a) => ({
      id: a.id,
      attempted_at: a.attemptedAt,
      duration_ms: a.durationMs,
      status_code: a.statusCode,
      error: a.error,
      response_excerpt: a.responseExcerpt,
      next_attempt_at: a.nextAttemptAt,
    })),
  };
}

/** The dashboard's JSON API: each answer is what the signed-in merchant may see, read from the domain. */
export function registerDashboardRoutes(
  app: FastifyInstance,
  services: Services,
  catalogue: Catalogue,
): void {
  const api = '/dashboard/api';

  const accountView = async (merchant: Merchant, id: string) => {
    const account = await services.accounts.get(merchant.id, id);
    const authorization = await services.authorizations.find(merchant.id, account.authorizationId);
    return {
      account: renderAccount(account, dashboardVersion),
      authorization: authorization ? renderAuthorization(authorization, dashboardVersion) : null,
      sessions: await services.sessions.idsOfAccount(merchant.id, id),
    };
  };

  app.get(`${api}/session`, async (request) => session(await signedIn(services, request)));

  // Signing in: a secret key, checked as the API checks it, for a cookie; the key is kept nowhere.
  app.post(`${api}/session`, async (request, reply) => {
    const key = stringField(request.body, 'key');
    const credential = await authenticate(services.merchants, `Bearer ${key}`, 'secret');
    const opened = await services.dashboardSessions.open(credential.merchant.id);
    setSessionCookie(request, reply, opened.token, dashboardSessionSeconds);
    return session({ merchant: credential.merchant, session: opened.session });
  });

  app.post(`${api}/session/end`, async (request, reply) => {
    const who = await signedInForChange(services, request);
    await services.dashboardSessions.close(who.token);
    setSessionCookie(request, reply, undefined);
    return { signed_out: true };
  });

  app.get(`${api}/accounts`, async (request) => {
    const { merchant } = await signedIn(services, request);
    const page = await services.accounts.list(
      merchant.id,
      accountFilter(query(request)),
      pageFromQuery(query(request)),
    );
    return {
      data: page.data.map((account) => renderAccount(account, dashboardVersion)),
      has_more: page.hasMore,
    };
  });

  app.get<{ Params: { id: string } }>(`${api}/accounts/:id`, async (request) => {
    const { merchant } = await signedIn(services, request);
    return accountView(merchant, request.params.id);
  });

  // The sandbox controls: the same simulations as the API's test helpers.
  app.post<{ Params: { id: string } }>(`${api}/accounts/:id/simulate`, async (request) => {
    const { merchant } = await signedInForChange(services, request);
    const event = oneOfField(request.body, 'event', accountEvents);
    await services.simulator.account(merchant.id, request.params.id, event);
    return accountView(merchant, request.params.id);
  });

  app.post<{ Params: { id: string } }>(`${api}/accounts/:id/simulate-authorization`, async (request) => {
    const { merchant } = await signedInForChange(services, request);
    const event = oneOfField(request.body, 'event', authorizationEvents);
    const account = await services.accounts.get(merchant.id, request.params.id);
    await services.simulator.authorization(merchant.id, account.authorizationId, event);
    return accountView(merchant, request.params.id);
  });

  app.get(`${api}/customers`, async (request) => {
    const { merchant } = await signedIn(services, request);
    // `email` as `GET /v1/customers` takes it: exact, and case-sensitive.
    const filter = { email: textFromQuery(query(request), 'email') };
    const page = await services.customers.list(merchant.id, filter, pageFromQuery(query(request)));
    return { data: page.data.map(renderCustomer), has_more: page.hasMore };
  });

  // A customer with the accounts they hold (the first page of them, as the accounts list reads them).
  app.get<{ Params: { id: string } }>(`${api}/customers/:id`, async (request) => {
    const { merchant } = await signedIn(services, request);
    const customer = await services.customers.get(merchant.id, request.params.id);
    const accounts = await services.accounts.list(
      merchant.id,
      { holder: { type: 'customer', customer: customer.id } },
      { limit: 100 },
    );
    return {
      customer: renderCustomer(customer),
      accounts: {
        data: accounts.data.map((account) => renderAccount(account, dashboardVersion)),
        has_more: accounts.hasMore,
      },
    };
  });

  // Hosted sessions started from the dashboard: the holder's flow comes back to the page it left.
  const hostedSession = async (
    request: FastifyRequest,
    merchant: Merchant,
    input: { holder: AccountHolder | null; relink?: { authorization: string; account: string } },
    returnPath: string,
  ) => {
    const origin = `${request.protocol}://${request.host}`;
    const created = await services.sessions.create(merchant, {
      holder: input.holder,
      permissions: ['balances', 'ownership', 'payment_method', 'transactions'],
      relink: input.relink,
      returnUrl: `${origin}${returnPath}`,
      hosted: { deliveryMethod: null, base: services.hostedLinks.base(origin) },
    });
    const { client_secret: _secret, ...rendered } = renderSession(created, dashboardVersion);
    return { session: rendered };
  };

  // "Link a test account": a hosted session for the customer, its link opened by the page.
  app.post<{ Params: { id: string } }>(`${api}/customers/:id/link`, async (request) => {
    const { merchant } = await signedInForChange(services, request);
    const customer = await services.customers.getLive(merchant.id, request.params.id, 'customer');
    return hostedSession(
      request,
      merchant,
      { holder: { type: 'customer', customer: customer.id } },
      `/dashboard/customers/${encodeURIComponent(customer.id)}`,
    );
  });

  // "Start relink": a hosted relink session for the account, checked as the API checks one.
  app.post<{ Params: { id: string } }>(`${api}/accounts/:id/relink`, async (request) => {
    const { merchant } = await signedInForChange(services, request);
    const account = await services.accounts.get(merchant.id, request.params.id);
    return hostedSession(
      request,
      merchant,
      {
        holder: account.holder,
        relink: { authorization: account.authorizationId, account: account.id },
      },
      `/dashboard/accounts/${encodeURIComponent(account.id)}`,
    );
  });

  app.get<{ Params: { id: string } }>(`${api}/authorizations/:id`, async (request) => {
    const { merchant } = await signedIn(services, request);
    const authorization = await services.authorizations.get(merchant.id, request.params.id);
    const accounts = await services.accounts.ofAuthorization(merchant.id, authorization.id);
    return {
      authorization: renderAuthorization(authorization, dashboardVersion),
      accounts: accounts.map((account) => renderAccount(account, dashboardVersion)),
      sessions: await services.sessions.idsOfAuthorization(merchant.id, authorization.id),
    };
  });

  // A session as the API renders it, without its client secret: that is the holder's, not the page's.
  app.get<{ Params: { id: string } }>(`${api}/sessions/:id`, async (request) => {
    const { merchant } = await signedIn(services, request);
    const found = await services.sessions.get(merchant.id, request.params.id);
    const { client_secret: _secret, ...rendered } = renderSession(found, dashboardVersion);
    const flow = await services.flow.progress(merchant.id, found.id);
    const institution = flow?.institution ? services.institutions.find(flow.institution) : undefined;
    return {
      session: rendered,
      flow: flow ? { ...flow, institution_name: institution?.name ?? flow.institution } : null,
    };
  });

  // The sandbox clock, and what advancing it by `seconds` will deactivate: the consents that end
  // within the span, with the accounts they give access to.
  const clockView = async (merchant: Merchant, seconds: number | undefined) => {
    const clock = await services.clocks.get(merchant.id);
    const view = {
      now: clock.now,
      offset_seconds: clock.offsetSeconds,
      max_advance_seconds: maxAdvanceSeconds,
    };
    if (seconds === undefined) return view;
    const ending = await services.bank.consentsEndingBy(merchant.id, clock.now + seconds);
    const deactivations = [];
    for (const { authorization, endsAt } of ending) {
      const accounts = await services.accounts.ofAuthorization(merchant.id, authorization);
      deactivations.push({
        authorization,
        ends_at: endsAt,
        accounts: accounts
          .filter((account) => account.status === 'active')
          .map((account) => renderAccount(account, dashboardVersion)),
      });
    }
    return { ...view, seconds, deactivations };
  };

  app.get(`${api}/sandbox-clock`, async (request) => {
    const { merchant } = await signedIn(services, request);
    const seconds = query(request).get('seconds');
    return clockView(merchant, seconds === null ? undefined : secondsField({ seconds }, maxAdvanceSeconds));
  });

  // The same advance as `POST /v1/test_helpers/sandbox_clock/advance`.
  app.post(`${api}/sandbox-clock/advance`, async (request) => {
    const { merchant } = await signedInForChange(services, request);
    const seconds = secondsField(request.body, maxAdvanceSeconds);
    await services.simulator.advanceClock(merchant.id, seconds);
    return clockView(merchant, undefined);
  });

  app.get(`${api}/events`, async (request) => {
    const { merchant } = await signedIn(services, request);
    const page = await services.events.list(
      merchant.id,
      eventFilter(query(request)),
      pageFromQuery(query(request)),
    );
    return {
      data: page.data.map((event) => renderEvent(event, dashboardVersion, catalogue)),
      has_more: page.hasMore,
    };
  });

  const eventView = async (merchant: Merchant, id: string) => {
    const event = await services.events.get(merchant.id, id);
    return {
      event: renderEvent(event, dashboardVersion, catalogue),
      deliveries: (await services.deliveries.ofEvent(merchant.id, id)).map(renderDelivery),
      versions: renderingsByVersion(event, catalogue),
    };
  };

  app.get<{ Params: { id: string } }>(`${api}/events/:id`, async (request) => {
    const { merchant } = await signedIn(services, request);
    return eventView(merchant, request.params.id);
  });

  // "Resend": what `POST /v1/events/:id/retry` does, to every endpoint that listens to the event.
  app.post<{ Params: { id: string } }>(`${api}/events/:id/resend`, async (request) => {
    const { merchant } = await signedInForChange(services, request);
    await services.outbox.redeliver(merchant.id, request.params.id, undefined);
    return eventView(merchant, request.params.id);
  });
}
