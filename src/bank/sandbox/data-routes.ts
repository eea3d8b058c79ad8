/** The data API: what a consent lets openfc read, with the access token in the Authorization header. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalidRequest } from './errors.ts';
import { bearer, queryOf } from './http.ts';
import { balanceOf, transactionsOf } from './ledger.ts';
import { numbersOf } from './numbers.ts';
import { ownersOf } from './people.ts';
import type { BankContext } from './plugin.ts';

export function dataRoutes(app: FastifyInstance, { bank }: BankContext): void {
  const account = (request: FastifyRequest<{ Params: { id: string } }>) => {
    const consent = bank.authenticate(bearer(request));
    return bank.consentedAccount(consent, request.params.id);
  };

  app.get('/accounts', async (request) => ({
    accounts: bank.consentedAccounts(bank.authenticate(bearer(request))),
  }));

  app.get<{ Params: { id: string } }>('/accounts/:id/balance', async (request) => {
    const held = account(request);
    return balanceOf(held.account, bank.nowFor(held.userId));
  });

  app.get<{ Params: { id: string } }>('/accounts/:id/owners', async (request) => {
    const held = account(request);
    return { owners: ownersOf(held.institution, held.account) };
  });

  app.get<{ Params: { id: string } }>('/accounts/:id/transactions', async (request) => {
    const held = account(request);
    const raw = queryOf(request).get('since');
    const since = raw === null ? undefined : Number(raw);
    if (since !== undefined && !Number.isInteger(since)) throw invalidRequest('since must be Unix seconds.');
    return { transactions: transactionsOf(held.account, bank.nowFor(held.userId), since) };
  });

  app.get<{ Params: { id: string } }>('/accounts/:id/numbers', async (request, reply) => {
    const held = account(request);
    reply.header('cache-control', 'no-store');
    return { numbers: numbersOf(held.account, held.facts, bank.nowFor(held.userId)) };
  });
}
