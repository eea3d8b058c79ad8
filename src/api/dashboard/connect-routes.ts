import type { FastifyInstance } from 'fastify';
import { balanceTransactionTypes } from '../../domain/balance/balance-transactions.ts';
import { topupStatuses } from '../../domain/balance/topups.ts';
import { payoutStatuses } from '../../domain/payouts/payouts.ts';
import type { Services } from '../../services.ts';
import { renderAccount } from '../accounts/render.ts';
import { renderBalance } from '../balance/render.ts';
import { renderBalanceTransaction } from '../balance-transactions/render.ts';
import { renderExternalAccount } from '../external-accounts/render.ts';
import { renderPayout } from '../payouts/render.ts';
import { renderTopup } from '../topups/render.ts';
import { renderTransfer } from '../transfers/render.ts';
import { signedIn } from './guard.ts';
import { choiceFromQuery, pageFromQuery, pageSize, textFromQuery } from './params.ts';
import { query } from './routes.ts';

/**
 * Connect and funds, read as the API reads them: the signed-in platform's balance, balance
 * transactions, top-ups and transfers, and its connected accounts with their balances, bank
 * accounts for payouts and the transfers made to them. Each object is rendered as the API renders it.
 */
export function registerDashboardConnectRoutes(app: FastifyInstance, services: Services): void {
  const api = '/dashboard/api';

  app.get(`${api}/balance`, async (request) => {
    const { merchant } = await signedIn(services, request);
    return { balance: renderBalance(await services.balanceTransactions.fundsByStatus(merchant.id)) };
  });

  app.get(`${api}/balance-transactions`, async (request) => {
    const { merchant } = await signedIn(services, request);
    const filter = { type: choiceFromQuery(query(request), 'type', balanceTransactionTypes) };
    const page = await services.balanceTransactions.list(merchant.id, filter, pageFromQuery(query(request)));
    return { data: page.data.map(renderBalanceTransaction), has_more: page.hasMore };
  });

  app.get(`${api}/topups`, async (request) => {
    const { merchant } = await signedIn(services, request);
    const filter = { status: choiceFromQuery(query(request), 'status', topupStatuses) };
    const page = await services.topups.list(merchant.id, filter, pageFromQuery(query(request)));
    return { data: page.data.map(renderTopup), has_more: page.hasMore };
  });

  app.get<{ Params: { id: string } }>(`${api}/topups/:id`, async (request) => {
    const { merchant } = await signedIn(services, request);
    return { topup: renderTopup(await services.topups.get(merchant.id, request.params.id)) };
  });

  app.get(`${api}/transfers`, async (request) => {
    const { merchant } = await signedIn(services, request);
    const filter = { destination: textFromQuery(query(request), 'destination') };
    const page = await services.transfers.list(merchant.id, filter, pageFromQuery(query(request)));
    return { data: page.data.map(renderTransfer), has_more: page.hasMore };
  });

  app.get<{ Params: { id: string } }>(`${api}/transfers/:id`, async (request) => {
    const { merchant } = await signedIn(services, request);
    return { transfer: renderTransfer(await services.transfers.get(merchant.id, request.params.id)) };
  });

  app.get(`${api}/connected-accounts`, async (request) => {
    const { merchant } = await signedIn(services, request);
    const page = await services.connectedAccounts.list(merchant, {}, pageFromQuery(query(request)));
    const data = [];
    for (const account of page.data)
      data.push(renderAccount(await services.connectedAccounts.withExternalAccounts(account)));
    return { data, has_more: page.hasMore };
  });

  // A connected account with its balance, its bank accounts for payouts (each with the Financial
  // Connections account under it, which the platform holds), and the first page of the transfers
  // made to it and of its payouts (the transfers list and the account's payouts list page on).
  app.get<{ Params: { id: string } }>(`${api}/connected-accounts/:id`, async (request) => {
    const { merchant } = await signedIn(services, request);
    const account = await services.connectedAccounts.connected(merchant, request.params.id);
    const externals = await services.externalAccounts.list(merchant, account.id, {}, { limit: 100 });
    const firstPage = { limit: pageSize };
    const transfers = await services.transfers.list(merchant.id, { destination: account.id }, firstPage);
    const payouts = await services.payouts.list(account.id, {}, firstPage);
    return {
      account: renderAccount(await services.connectedAccounts.withExternalAccounts(account)),
      balance: renderBalance(await services.balanceTransactions.fundsByStatus(account.id)),
      external_accounts: {
        data: externals.data.map((external) => ({
          external_account: renderExternalAccount(external),
          financial_connections_account: external.fcAccountId,
        })),
        has_more: externals.hasMore,
      },
      transfers: { data: transfers.data.map(renderTransfer), has_more: transfers.hasMore },
      payouts: { data: payouts.data.map(renderPayout), has_more: payouts.hasMore },
    };
  });

  // A connected account's payouts, as `GET /v1/payouts` with `Stripe-Account` lists them.
  app.get<{ Params: { id: string } }>(`${api}/connected-accounts/:id/payouts`, async (request) => {
    const { merchant } = await signedIn(services, request);
    const account = await services.connectedAccounts.connected(merchant, request.params.id);
    const filter = { status: choiceFromQuery(query(request), 'status', payoutStatuses) };
    const page = await services.payouts.list(account.id, filter, pageFromQuery(query(request)));
    return { data: page.data.map(renderPayout), has_more: page.hasMore };
  });

  // A connected account's payout: the account's own object, which its platform sees.
  app.get<{ Params: { id: string; payout: string } }>(
    `${api}/connected-accounts/:id/payouts/:payout`,
    async (request) => {
      const { merchant } = await signedIn(services, request);
      const account = await services.connectedAccounts.connected(merchant, request.params.id);
      return { payout: renderPayout(await services.payouts.get(account.id, request.params.payout)) };
    },
  );
}
