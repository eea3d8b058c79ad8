import { completionOutcomes } from '../../domain/financial-connections/completion.ts';
import { renderSession } from '../financial-connections/render.ts';
import { renderToken } from '../tokens/render.ts';
import { arrayOf, obj, oneOf, str } from '../wire/params.ts';
import { defineRoute, requestRef } from '../wire/route.ts';

/**
 * Completes a session without a browser, as the hosted flow would after the user's choices: for
 * merchants' automated tests.
 */
export const financialConnectionsTestHelperRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/test_helpers/financial_connections/sessions/:session/complete',
    returns: 'financial_connections.session',
    params: {
      institution: str().optional(),
      accounts: arrayOf(str()).optional(),
      outcome: oneOf(completionOutcomes).optional(),
      credentials: obj({
        username: str(),
        password: str(),
        answers: arrayOf(str()).optional(),
      }).optional(),
    },
    async handle(ctx, p) {
      const session = await ctx.services.completion.complete(
        ctx.merchant,
        ctx.path.session ?? '',
        {
          institution: p.institution,
          accounts: p.accounts,
          outcome: p.outcome ?? 'success',
          credentials: p.credentials && { ...p.credentials, answers: p.credentials.answers ?? [] },
        },
        requestRef(ctx),
        ctx.origin,
      );
      // A session for a connected account shows its bank account token, as Stripe.js gives it.
      const token = await ctx.services.bankAccountTokens.ofSession(ctx.merchant.id, session.id);
      return renderSession(session, ctx.version, token ? renderToken(token) : undefined);
    },
  }),
];
