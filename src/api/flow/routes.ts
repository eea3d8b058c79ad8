import type { z } from 'zod';
import type { FlowCall, FlowState } from '../../domain/financial-connections/flow.ts';
import { flowInstitution } from '../../domain/financial-connections/flow-institution.ts';
import { renderToken } from '../tokens/render.ts';
import { arrayOf, str } from '../wire/params.ts';
import { defineRoute, type RequestContext, type Route, requestRef } from '../wire/route.ts';
import { mandateRoute } from './mandate.ts';
import { type PayoutEnd, renderFlow } from './view.ts';

/** The client secret names the one session the holder's browser may reach. */
const clientSecret = str(500);

function call(ctx: RequestContext, secret: string): FlowCall {
  return { merchant: ctx.merchant, clientSecret: secret, origin: ctx.origin, request: requestRef(ctx) };
}

/** The bank account token a session for a connected account ended with, or Stripe's error for none. */
async function payoutEnd(ctx: RequestContext, state: FlowState): Promise<PayoutEnd> {
  const { session } = state;
  if (session.holder?.type !== 'account' || session.status !== 'succeeded') return {};
  const tokens = ctx.services.bankAccountTokens;
  const token = await tokens.ofSession(ctx.merchant.id, session.id);
  if (token) return { token: renderToken(token) };
  const refusal = await tokens.refusal(ctx.merchant.id, session);
  return refusal
    ? { error: { type: refusal.type, code: refusal.code, param: refusal.param, message: refusal.message } }
    : {};
}

/** A step of the flow: publishable key, client secret, the step's own parameters. */
function step<S extends z.core.$ZodLooseShape>(
  method: 'POST',
  path: string,
  params: S,
  take: (ctx: RequestContext, secret: string, p: z.output<z.ZodObject<S>>) => Promise<FlowState>,
): Route {
  return defineRoute({
    method,
    url: `/flow/v1/${path}`,
    returns: 'flow_state',
    keys: 'publishable',
    params: { client_secret: clientSecret, ...params },
    async handle(ctx, p) {
      const { client_secret, ...own } = p as { client_secret: string };
      const state = await take(ctx, client_secret, own as z.output<z.ZodObject<S>>);
      return renderFlow(ctx.merchant, state, ctx.version, await payoutEnd(ctx, state));
    },
  });
}

/** The flow API the flow app calls from the holder's browser, on openfc's own origin. */
export const flowRoutes: Route[] = [
  // Reads are POSTs too: the client secret travels in request bodies only, never in a URL.
  step('POST', 'session', {}, (ctx, secret) => ctx.services.flow.state(call(ctx, secret))),
  step('POST', 'consent', {}, (ctx, secret) => ctx.services.flow.consent(call(ctx, secret))),
  step('POST', 'institution', { institution: str() }, (ctx, secret, p) =>
    ctx.services.flow.chooseInstitution(call(ctx, secret), p.institution),
  ),
  step('POST', 'login', { username: str().optional(), password: str().optional() }, (ctx, secret, p) =>
    ctx.services.flow.logIn(call(ctx, secret), {
      ...(p.username !== undefined && { username: p.username }),
      ...(p.password !== undefined && { password: p.password }),
    }),
  ),
  step('POST', 'answer', { answer: str() }, (ctx, secret, p) =>
    ctx.services.flow.answer(call(ctx, secret), p.answer),
  ),
  step('POST', 'link', { accounts: arrayOf(str()) }, (ctx, secret, p) =>
    ctx.services.flow.link(call(ctx, secret), p.accounts),
  ),
  step('POST', 'back', {}, (ctx, secret) => ctx.services.flow.back(call(ctx, secret))),
  step('POST', 'cancel', {}, (ctx, secret) => ctx.services.flow.cancel(call(ctx, secret))),
  defineRoute({
    method: 'POST',
    url: '/flow/v1/institutions',
    returns: 'flow_institutions',
    keys: 'publishable',
    params: { client_secret: clientSecret, query: str(200).optional() },
    async handle(ctx, p) {
      await ctx.services.flow.open(ctx.merchant, p.client_secret);
      const { featured, results } = ctx.services.institutions.search(p.query ?? '');
      return { featured: featured.map(flowInstitution), results: results.map(flowInstitution) } as never;
    },
  }),
  mandateRoute,
];
