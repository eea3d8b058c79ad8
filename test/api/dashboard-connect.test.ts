import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { backends } from '../support/backends.ts';
import { listReads, signIn } from '../support/dashboard.ts';
import { body, completeSession, createSession, type PreviewAccount } from '../support/fc.ts';
import { topUp } from '../support/funds.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { simulateAccount, tokenizing } from '../support/payments.ts';
import { assertStripeError } from '../support/stripe-schemas.ts';

type Session = Stripe.FinancialConnections.Session;

interface Listed {
  id: string;
  [field: string]: unknown;
}

function ids(list: unknown): string[] {
  return ((list as { data: Listed[] }).data ?? []).map((item) => item.id);
}

for (const backend of backends) {
  describe(`the dashboard's Connect pages' API on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    let stripe: Stripe;
    before(async () => {
      h = await startHarness(backend);
      stripe = h.stripe();
    });
    after(() => h?.close());

    /** A platform with funds, a connected account with a bank account for payouts, and a transfer to it. */
    async function platformWithShop(stripe: Stripe = h.stripe()) {
      const topup = await topUp(stripe, 50_000);
      const shop = await stripe.accounts.create({
        type: 'custom',
        business_type: 'company',
        email: 'shop@example.com',
      });
      const session = await createSession(stripe, {
        account_holder: { type: 'account', account: shop.id },
        permissions: ['payment_method'],
        limits: { accounts: 1 },
      });
      const completed = await completeSession(stripe, session.id, { institution: tokenizing });
      const fcAccount = completed.accounts.data[0] as PreviewAccount;
      const token = (completed as Session).bank_account_token as Stripe.Token;
      assert.ok(token, JSON.stringify(completed));
      const bank = await stripe.accounts.createExternalAccount(shop.id, { external_account: token.id });
      const transfer = await stripe.transfers.create({
        amount: 2_500,
        currency: 'usd',
        destination: shop.id,
        transfer_group: 'order-7',
      });
      const payout = await stripe.payouts.create(
        { amount: 1_000, currency: 'usd' },
        { stripeAccount: shop.id },
      );
      return { topup, shop, fcAccount, bank, transfer, payout };
    }

    test('the platform sees its balance, balance transactions, top-ups, transfers and connected accounts as the API shows them', async () => {
      const { topup, shop, fcAccount, bank, transfer, payout } = await platformWithShop();
      const client = await signIn(h);

      const balance = await client.get('/balance');
      assert.equal(balance.status, 200, balance.text);
      assert.deepEqual(balance.body.balance, body(await stripe.balance.retrieve()));

      const transactions = await client.get('/balance-transactions?limit=100');
      assert.equal(transactions.status, 200, transactions.text);
      const fromApi = await stripe.balanceTransactions.list({ limit: 100 });
      assert.deepEqual(
        (transactions.body.data as Listed[]).map((t) => [t.id, t.type, t.amount, t.net, t.status, t.source]),
        fromApi.data.map((t) => [t.id, t.type, t.amount, t.net, t.status, t.source]),
      );
      assert.deepEqual(
        (transactions.body.data as Listed[]).map((t) => t.type),
        ['transfer', 'topup'],
      );

      const topups = await client.get('/topups');
      assert.deepEqual(ids(topups.body), [topup.id]);
      const oneTopup = await client.get(`/topups/${topup.id}`);
      assert.equal(oneTopup.status, 200, oneTopup.text);
      assert.deepEqual(oneTopup.body.topup, body(await stripe.topups.retrieve(topup.id)));
      assert.equal((oneTopup.body.topup as Listed).status, 'succeeded');

      const transfers = await client.get('/transfers');
      assert.deepEqual(ids(transfers.body), [transfer.id]);
      const oneTransfer = await client.get(`/transfers/${transfer.id}`);
      assert.deepEqual(oneTransfer.body.transfer, body(await stripe.transfers.retrieve(transfer.id)));

      const accounts = await client.get('/connected-accounts');
      assert.equal(accounts.status, 200, accounts.text);
      const listed = (accounts.body.data as Listed[]).find((a) => a.id === shop.id);
      assert.deepEqual(listed, body(await stripe.accounts.retrieve(shop.id)));

      // The connected account: its own balance, its bank account (with the linked account under it)
      // and the transfer to it.
      const view = await client.get(`/connected-accounts/${shop.id}`);
      assert.equal(view.status, 200, view.text);
      assert.deepEqual(view.body.account, listed);
      assert.deepEqual(
        view.body.balance,
        body(await stripe.balance.retrieve({}, { stripeAccount: shop.id })),
      );
      assert.equal(
        ((view.body.balance as Stripe.Balance).available[0] as Stripe.Balance.Available).amount,
        1_500,
      );
      assert.deepEqual(view.body.external_accounts, {
        data: [{ external_account: body(bank), financial_connections_account: fcAccount.id }],
        has_more: false,
      });
      assert.deepEqual(ids(view.body.transfers), [transfer.id]);
      // Its payouts, as the API shows them to the platform acting as the account.
      assert.deepEqual(view.body.payouts, {
        data: [body(await stripe.payouts.retrieve(payout.id, {}, { stripeAccount: shop.id }))],
        has_more: false,
      });
      const onePayout = await client.get(`/connected-accounts/${shop.id}/payouts/${payout.id}`);
      assert.equal(onePayout.status, 200, onePayout.text);
      assert.deepEqual(
        onePayout.body.payout,
        body(await stripe.payouts.retrieve(payout.id, {}, { stripeAccount: shop.id })),
      );
      assert.equal((onePayout.body.payout as Listed).destination, bank.id);

      // The bank account follows the linked account: its tokenized numbers deactivated, the page says so.
      await simulateAccount(h, fcAccount.id, 'account_numbers_deactivated');
      const deactivated = await client.get(`/connected-accounts/${shop.id}`);
      const [shown] = (deactivated.body.external_accounts as { data: { external_account: Listed }[] }).data;
      assert.equal(shown?.external_account.status, 'tokenized_account_number_deactivated');
      assert.deepEqual(
        shown?.external_account,
        body(await stripe.accounts.retrieveExternalAccount(shop.id, bank.id)),
      );
      // The linked account behind it is the platform's: its page is the dashboard's account page.
      const linked = await client.get(`/accounts/${fcAccount.id}`);
      assert.equal(linked.status, 200, linked.text);
    });

    test('balance transactions by type, top-ups by status, transfers by destination, an account’s payouts by status; its first pages page on', async () => {
      // A platform of its own, so that each filtered list holds exactly what this test made.
      const keys = await h.otherMerchant();
      const stripe = h.stripe({ key: keys.secretKey });
      const { topup, shop, transfer, payout } = await platformWithShop(stripe);
      const client = await signIn(h, keys.secretKey);
      const { listed, refused } = listReads(client);

      // Top-ups: the settled one, one pending and one canceled.
      const pending = await stripe.topups.create({ amount: 1_000, currency: 'usd' });
      const canceled = await stripe.topups.cancel(
        (await stripe.topups.create({ amount: 2_000, currency: 'usd' })).id,
      );
      for (const status of ['succeeded', 'pending', 'canceled'] as const) {
        assert.deepEqual(await listed(`/topups?status=${status}`), {
          data: (await stripe.topups.list({ status })).data.map((t) => body(t)),
          has_more: false,
        });
      }
      assert.deepEqual(ids(await listed('/topups?status=pending')), [pending.id]);
      assert.deepEqual(ids(await listed('/topups?status=canceled')), [canceled.id]);
      assert.deepEqual(ids(await listed('/topups?status=succeeded')), [topup.id]);
      await refused('/topups?status=failed', 'status');

      // Transfers: 21 more to the shop, one to another account.
      const other = await stripe.accounts.create({ type: 'custom', email: 'other@example.com' });
      const toOther = await stripe.transfers.create({ amount: 100, currency: 'usd', destination: other.id });
      const toShop = [transfer.id];
      for (let n = 0; n < 21; n++)
        toShop.unshift(
          (await stripe.transfers.create({ amount: 100, currency: 'usd', destination: shop.id })).id,
        );
      assert.deepEqual(await listed(`/transfers?destination=${other.id}`), {
        data: [body(await stripe.transfers.retrieve(toOther.id))],
        has_more: false,
      });
      const shopFirst = await listed(`/transfers?destination=${shop.id}`);
      assert.deepEqual([ids(shopFirst), shopFirst.has_more], [toShop.slice(0, 20), true]);
      const shopNext = await listed(`/transfers?destination=${shop.id}&starting_after=${toShop[19]}`);
      assert.deepEqual([ids(shopNext), shopNext.has_more], [toShop.slice(20), false]);
      assert.deepEqual(await listed('/transfers?destination=acct_none'), { data: [], has_more: false });

      // The account's page shows the first page of its transfers; the transfers list pages on.
      const view = await listed(`/connected-accounts/${shop.id}`);
      assert.deepEqual(view.transfers, shopFirst);

      // Balance transactions: by type, as `GET /v1/balance_transactions?type=` lists them.
      for (const type of ['topup', 'transfer'] as const) {
        const fromApi = await stripe.balanceTransactions.list({ type, limit: 100 });
        const shown = await listed(`/balance-transactions?type=${type}&limit=100`);
        assert.deepEqual(
          (shown.data as Listed[]).map((t) => [t.id, t.type, t.amount, t.source]),
          fromApi.data.map((t) => [t.id, t.type, t.amount, t.source]),
        );
        assert.ok((shown.data as Listed[]).every((t) => t.type === type));
      }
      assert.equal(ids(await listed('/balance-transactions?type=topup')).length, 1);
      assert.deepEqual(await listed('/balance-transactions?type=payout'), { data: [], has_more: false });
      await refused('/balance-transactions?type=refunds', 'type');

      // The shop's payouts: one pending, one canceled; paged, and by status.
      const second = await stripe.payouts.create(
        { amount: 500, currency: 'usd' },
        { stripeAccount: shop.id },
      );
      await stripe.payouts.cancel(second.id, {}, { stripeAccount: shop.id });
      const asShop = { stripeAccount: shop.id };
      assert.deepEqual(await listed(`/connected-accounts/${shop.id}/payouts`), {
        data: (await stripe.payouts.list({}, asShop)).data.map((p) => body(p)),
        has_more: false,
      });
      const newest = await listed(`/connected-accounts/${shop.id}/payouts?limit=1`);
      assert.deepEqual([ids(newest), newest.has_more], [[second.id], true]);
      const oldest = await listed(
        `/connected-accounts/${shop.id}/payouts?limit=1&starting_after=${second.id}`,
      );
      assert.deepEqual([ids(oldest), oldest.has_more], [[payout.id], false]);
      assert.deepEqual(ids(await listed(`/connected-accounts/${shop.id}/payouts?status=canceled`)), [
        second.id,
      ]);
      assert.deepEqual(ids(await listed(`/connected-accounts/${shop.id}/payouts?status=pending`)), [
        payout.id,
      ]);
      assert.deepEqual(ids(await listed(`/connected-accounts/${shop.id}/payouts?status=paid`)), []);
      assert.deepEqual(ids(await listed(`/connected-accounts/${other.id}/payouts`)), []);
      await refused(`/connected-accounts/${shop.id}/payouts?status=sent`, 'status');

      // Another platform's filters find none of it, and the shop's payouts are not its to list.
      const stranger = await signIn(h);
      assert.deepEqual((await stranger.get(`/transfers?destination=${shop.id}`)).body, {
        data: [],
        has_more: false,
      });
      const theirs = await stranger.get(`/connected-accounts/${shop.id}/payouts`);
      assert.equal(theirs.status, 404, theirs.text);
    });

    test('another merchant sees none of it; a platform cannot open its own account as a connected one; signed out sees nothing', async () => {
      const { topup, shop, transfer, payout } = await platformWithShop();
      const other = await signIn(h, (await h.otherMerchant()).secretKey);
      for (const path of ['/balance-transactions', '/topups', '/transfers', '/connected-accounts']) {
        const response = await other.get(path);
        assert.equal(response.status, 200, `${path}: ${response.text}`);
        assert.deepEqual(response.body.data, [], path);
      }
      const balance = await other.get('/balance');
      assert.deepEqual(
        (balance.body.balance as Stripe.Balance).available.map((f) => f.amount),
        [0],
      );
      for (const path of [
        `/topups/${topup.id}`,
        `/transfers/${transfer.id}`,
        `/connected-accounts/${shop.id}`,
        `/connected-accounts/${shop.id}/payouts/${payout.id}`,
      ]) {
        const response = await other.get(path);
        assert.equal(response.status, 404, `${path}: ${response.text}`);
        assertStripeError(response.body);
        assert.equal((response.body.error as { code: string }).code, 'resource_missing');
      }

      const platform = await signIn(h);
      const own = await platform.get(`/connected-accounts/${platform.merchantId}`);
      assert.equal(own.status, 404, own.text);

      for (const path of ['/balance', '/topups', `/connected-accounts/${shop.id}`]) {
        const response = await h.fetch(`/dashboard/api${path}`, { key: null });
        assert.equal(response.status, 401, `${path}: ${response.text}`);
      }
    });
  });
}
