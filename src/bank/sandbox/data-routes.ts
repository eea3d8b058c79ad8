/** The data API: what a consent lets openfc read, with the access token in the Authorization header. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalidRequest } from './errors.ts';
import { bearer, queryOf } from './http.ts';
import { balanceOf, transactionsOf } from './ledger.ts';
import { numbersOf } from './numbers.ts';
import { ownersOf } from './people.ts';
import type { BankContext } from './plugin.ts';

export function dataRoutes(app: FastifyInstance, { holders, consents }: BankContext): void {
  /** The account the token's consent shares, and the holder's time. */
  const account = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const consent = await consents.authenticate(bearer(request));
    const held = await consents.consentedAccount(consent, request.params.id);
    return { held, now: holders.nowFor(consent.holder) };
  };

  app.get('/accounts', async (request) => ({
    accounts: await consents.consentedAccounts(await consents.authenticate(bearer(request))),
  }));

  app.get<{ Params: { id: string } }>('/accounts/:id/balance', async (request) => {
    const { held, now } = await account(request);
    return balanceOf(held.account, now);
  });

  app.get<{ Params: { id: string } }>('/accounts/:id/owners', async (request) => {
    const { held } = await account(request);
    return { owners: ownersOf(held.institution, held.account) };
  });

  app.get<{ Params: { id: string } }>('/accounts/:id/transactions', async (request) => {
    const { held, now } = await account(request);
    const raw = queryOf(request).get('since');
    const since = raw === null ? undefined : Number(raw);
    if (since !== undefined && !Number.isInteger(since)) throw invalidRequest('since must be Unix seconds.');
    return { transactions: transactionsOf(held.account, now, since) };
  });

  app.get<{ Params: { id: string } }>('/accounts/:id/numbers', async (request, reply) => {
    const { held, now } = await account(request);
    reply.header('cache-control', 'no-store');
    return { numbers: numbersOf(held.account, held.facts, now) };
  });
}
