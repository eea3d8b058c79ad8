import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type Stripe from 'stripe';
import { backends } from '../../support/backends.ts';
import {
  body,
  completeSession,
  createSession,
  linkAccounts,
  type PreviewAccount,
  simulate,
} from '../../support/fc.ts';
import { form, gaVersion, type Harness, startHarness } from '../../support/harness.ts';
import { assertListOf, assertMatchesSchema, assertStripeError } from '../../support/stripe-schemas.ts';

type Account = Stripe.FinancialConnections.Account;
type RefreshField = 'balance_refresh' | 'ownership_refresh' | 'transaction_refresh';

const allData = ['balances', 'ownership', 'transactions', 'payment_method'] as const;

/** Expects a Stripe error with the given fields (statusCode, code, param, ...). */
function refused(expected: Record<string, unknown>) {
  return (e: Stripe.errors.StripeError) => {
    const actual = Object.fromEntries(Object.keys(expected).map((k) => [k, e[k as keyof typeof e]]));
    assert.deepEqual(actual, expected, JSON.stringify(e.raw));
    return true;
  };
}

for (const backend of backends) {
  describe(`account data (balances, owners, transactions) on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(() => h?.close());

    /** Polls (at most 5 s) until the refresh leaves pending. */
    async function settled(stripe: Stripe, id: string, field: RefreshField): Promise<Account> {
      const deadline = Date.now() + 5000;
      for (;;) {
        const account = await stripe.financialConnections.accounts.retrieve(id);
        assertMatchesSchema('financial_connections.account', body(account));
        if (account[field] && account[field]?.status !== 'pending') return account;
        if (Date.now() > deadline)
          assert.fail(`${field} of ${id} is still pending: ${JSON.stringify(account)}`);
        await sleep(25);
      }
    }

    async function refreshed(stripe: Stripe, id: string, feature: 'balance' | 'ownership' | 'transactions') {
      const field: RefreshField = feature === 'transactions' ? 'transaction_refresh' : `${feature}_refresh`;
      const started = await stripe.financialConnections.accounts.refresh(id, { features: [feature] });
      assertMatchesSchema('financial_connections.account', body(started));
      assert.equal(started[field]?.status, 'pending');
      assert.equal(started[field]?.next_refresh_available_at, null);
      const done = await settled(stripe, id, field);
      assert.equal(done[field]?.status, 'succeeded', JSON.stringify(done));
      return { started, done };
    }

    async function allTransactions(stripe: Stripe, account: string, extra = {}) {
      const out: Stripe.FinancialConnections.Transaction[] = [];
      for await (const t of stripe.financialConnections.transactions.list({ account, limit: 100, ...extra }))
        out.push(t);
      return out;
    }

    test('refreshing each feature goes pending, then succeeds with the data', async () => {
      const { stripe, accounts } = await linkAccounts(h, { permissions: [...allData], limit: 1 });
      const id = (accounts[0] as PreviewAccount).id;
      assert.equal(accounts[0]?.balance, null);

      const balance = await refreshed(stripe, id, 'balance');
      assert.equal(balance.started.balance, null);
      const cash = balance.done.balance as Stripe.FinancialConnections.Account.Balance;
      assert.equal(cash.type, 'cash');
      assert.equal(typeof cash.current.usd, 'number');
      assert.equal(typeof cash.cash?.available?.usd, 'number');
      assert.equal(typeof balance.done.balance_refresh?.next_refresh_available_at, 'number');

      const ownership = await refreshed(stripe, id, 'ownership');
      assert.match(String(ownership.done.ownership), /^fcaowns_/);
      const expanded = await stripe.financialConnections.accounts.retrieve(id, { expand: ['ownership'] });
      assertMatchesSchema('financial_connections.account', body(expanded));
      const snapshot = expanded.ownership as Stripe.FinancialConnections.AccountOwnership;
      assertMatchesSchema('financial_connections.account_ownership', snapshot);
      assert.equal(snapshot.owners.data.length, 1);

      const txns = await refreshed(stripe, id, 'transactions');
      const refreshId = txns.done.transaction_refresh?.id as string;
      assert.match(refreshId, /^fctxnref_/);
      assert.equal(txns.started.transaction_refresh?.id, refreshId);
      const raw = await h.fetch(`/v1/financial_connections/transactions?account=${id}&limit=3`);
      assertListOf('financial_connections.transaction', raw.body, '/v1/financial_connections/transactions');
      const listed = raw.body.data as Stripe.FinancialConnections.Transaction[];
      assert.equal(listed.length, 3);
      assert.ok(listed.every((t) => t.account === id && t.transaction_refresh === refreshId));
      const one = await stripe.financialConnections.transactions.retrieve(listed[0]?.id as string);
      assertMatchesSchema('financial_connections.transaction', body(one));
      assert.deepEqual(body(one), listed[0]);
    });

    test('a feature outside the permissions is refused and its data never appears', async () => {
      const { stripe, accounts } = await linkAccounts(h, { permissions: ['payment_method'], limit: 1 });
      const id = (accounts[0] as PreviewAccount).id;
      for (const feature of ['balance', 'ownership', 'transactions'] as const) {
        await assert.rejects(
          stripe.financialConnections.accounts.refresh(id, { features: [feature] }),
          refused({ statusCode: 400, type: 'StripeInvalidRequestError', param: 'features' }),
        );
      }
      await assert.rejects(
        stripe.financialConnections.accounts.subscribe(id, { features: ['transactions'] }),
        refused({ statusCode: 400, param: 'features' }),
      );
      await assert.rejects(
        stripe.financialConnections.transactions.list({ account: id }),
        refused({ statusCode: 400, param: 'account' }),
      );
      const raw = await h.fetch(
        `/v1/financial_connections/accounts/${id}/refresh`,
        form({ 'features[0]': 'balance' }),
      );
      assert.equal(raw.status, 400);
      assertStripeError(raw.body);
      const account = await stripe.financialConnections.accounts.retrieve(id);
      assertMatchesSchema('financial_connections.account', body(account));
      for (const field of [
        'balance',
        'balance_refresh',
        'ownership',
        'ownership_refresh',
        'transaction_refresh',
      ] as const)
        assert.equal(account[field], null, field);
      assert.deepEqual(account.subscriptions, []);
    });

    test('transactions list: newest first, cursors, transacted_at ranges and transaction_refresh[after]', async () => {
      const { stripe, accounts } = await linkAccounts(h, { permissions: ['transactions'], limit: 1 });
      const id = (accounts[0] as PreviewAccount).id;
      const first = (await refreshed(stripe, id, 'transactions')).done.transaction_refresh?.id as string;
      const all = await allTransactions(stripe, id);
      assert.ok(all.length > 20, `the sandbox checking account has history (${all.length})`);
      const ids = all.map((t) => t.id);
      assert.deepEqual(ids, [...ids].sort().reverse(), 'newest first');
      assert.equal(new Set(ids).size, ids.length);

      const page = await stripe.financialConnections.transactions.list({ account: id, limit: 5 });
      assert.equal(page.has_more, true);
      assert.deepEqual(
        page.data.map((t) => t.id),
        ids.slice(0, 5),
      );
      const next = await stripe.financialConnections.transactions.list({
        account: id,
        limit: 5,
        starting_after: ids[4] as string,
      });
      assert.deepEqual(
        next.data.map((t) => t.id),
        ids.slice(5, 10),
      );
      const back = await stripe.financialConnections.transactions.list({
        account: id,
        limit: 5,
        ending_before: ids[5] as string,
      });
      assert.deepEqual(
        back.data.map((t) => t.id),
        ids.slice(0, 5),
      );

      const times = all.map((t) => t.transacted_at).sort((a, b) => a - b);
      const middle = times[Math.floor(times.length / 2)] as number;
      const recent = await allTransactions(stripe, id, { transacted_at: { gte: middle } });
      assert.deepEqual(
        recent.map((t) => t.id),
        all.filter((t) => t.transacted_at >= middle).map((t) => t.id),
      );
      const older = await allTransactions(stripe, id, { transacted_at: { lt: middle } });
      assert.equal(older.length + recent.length, all.length);

      const second = (await refreshed(stripe, id, 'transactions')).done.transaction_refresh?.id as string;
      assert.ok(second > first);
      assert.deepEqual(await allTransactions(stripe, id, { transaction_refresh: { after: first } }), []);
      assert.equal((await allTransactions(stripe, id)).length, all.length, 'a re-fetch does not duplicate');
      const raw = await h.fetch(
        `/v1/financial_connections/transactions?account=${id}&transaction_refresh[after]=${first}`,
      );
      assertListOf('financial_connections.transaction', raw.body, '/v1/financial_connections/transactions');

      await assert.rejects(
        h
          .stripe()
          .financialConnections.transactions.list({} as Stripe.FinancialConnections.TransactionListParams),
        refused({ statusCode: 400, code: 'parameter_missing', param: 'account' }),
      );
    });

    test('inactive and disconnected accounts refuse refreshes; data fetched before stays readable', async () => {
      const { stripe, customer, accounts, authorization } = await linkAccounts(h, {
        permissions: ['balances', 'transactions'],
        limit: 2,
      });
      const [expiring, disconnecting] = accounts as [PreviewAccount, PreviewAccount];
      await refreshed(stripe, expiring.id, 'transactions');
      const before = (await allTransactions(stripe, expiring.id)).map((t) => t.id);
      await refreshed(stripe, disconnecting.id, 'balance');

      await simulate(stripe, 'authorizations', authorization, 'consent_expired');
      const raw = await h.fetch(
        `/v1/financial_connections/accounts/${expiring.id}/refresh`,
        form({ 'features[0]': 'transactions' }),
      );
      assert.equal(raw.status, 400, raw.text);
      assertStripeError(raw.body);
      assert.equal((raw.body.error as { code: string }).code, 'financial_connections_account_inactive');
      assert.deepEqual(
        (await allTransactions(stripe, expiring.id)).map((t) => t.id),
        before,
      );

      // Relinking restores access without duplicating the account or its transactions.
      const relink = await createSession(stripe, {
        account_holder: { type: 'customer', customer: customer.id },
        permissions: ['balances', 'transactions'],
        relink_options: { authorization, account: expiring.id },
      });
      assert.equal((await completeSession(stripe, relink.id)).status, 'succeeded');
      await refreshed(stripe, expiring.id, 'transactions');
      const after = (await allTransactions(stripe, expiring.id)).map((t) => t.id);
      assert.deepEqual(after, before);
      const listed = await stripe.financialConnections.accounts.list({
        account_holder: { customer: customer.id },
        limit: 100,
      });
      assert.equal(listed.data.length, 2);

      await stripe.financialConnections.accounts.disconnect(disconnecting.id);
      await assert.rejects(
        stripe.financialConnections.accounts.refresh(disconnecting.id, { features: ['balance'] }),
        refused({ statusCode: 400, code: 'financial_connections_account_inactive' }),
      );
      const kept = await stripe.financialConnections.accounts.retrieve(disconnecting.id);
      assertMatchesSchema('financial_connections.account', body(kept));
      assert.equal(kept.status, 'disconnected');
      assert.equal(kept.balance?.type, 'cash');
      assert.equal(kept.balance_refresh?.status, 'succeeded');
    });

    test('prefetch runs at completion for the permitted features', async () => {
      const stripe = h.stripe();
      const customer = await stripe.customers.create({});
      const session = await createSession(stripe, {
        account_holder: { type: 'customer', customer: customer.id },
        permissions: ['balances', 'transactions'],
        prefetch: ['balances', 'ownership', 'transactions'],
        limits: { accounts: 1 },
      });
      const done = await completeSession(stripe, session.id);
      assertMatchesSchema('financial_connections.session', body(done));
      const linked = done.accounts.data[0] as Account;
      assert.notEqual(linked.balance_refresh, null);
      assert.notEqual(linked.transaction_refresh, null);
      assert.equal(linked.ownership_refresh, null, 'ownership is outside the permissions');
      const balance = await settled(stripe, linked.id, 'balance_refresh');
      assert.equal(balance.balance_refresh?.status, 'succeeded');
      const txns = await settled(stripe, linked.id, 'transaction_refresh');
      assert.equal(txns.transaction_refresh?.status, 'succeeded');
      assert.ok((await allTransactions(stripe, linked.id)).length > 0);
      assert.equal(txns.ownership, null);
    });

    test('owners of the Ownership Accounts institution', async () => {
      const { stripe, accounts } = await linkAccounts(h, {
        institution: 'Ownership Accounts',
        permissions: ['ownership'],
      });
      const owners = async (key: string) => {
        const account = accounts.find((a) => a.display_name?.startsWith(key)) as Account;
        const done = (await refreshed(stripe, account.id, 'ownership')).done;
        const ownership = done.ownership as string;
        const raw = await h.fetch(
          `/v1/financial_connections/accounts/${account.id}/owners?ownership=${ownership}&limit=100`,
        );
        assertListOf(
          'financial_connections.account_owner',
          raw.body,
          `/v1/financial_connections/accounts/${account.id}/owners`,
        );
        const listed = await stripe.financialConnections.accounts.listOwners(account.id, {
          ownership,
          limit: 100,
        });
        assert.ok(listed.data.every((o) => o.ownership === ownership));
        return { account, ownership, data: listed.data };
      };
      const joint = await owners('Joint Owners');
      assert.equal(joint.data.length, 3);
      assert.ok(joint.data.some((o) => o.email === null));
      assert.ok(joint.data.some((o) => o.raw_address === null));
      const none = await owners('No Owner Data');
      assert.deepEqual(none.data, []);
      const bare = await owners('Owner Credit Card');
      assert.equal(bare.data.length, 1);
      assert.deepEqual(
        { email: bare.data[0]?.email, phone: bare.data[0]?.phone, raw_address: bare.data[0]?.raw_address },
        { email: null, phone: null, raw_address: null },
      );
      await assert.rejects(
        stripe.financialConnections.accounts.listOwners(joint.account.id, { ownership: none.ownership }),
        refused({ statusCode: 404, code: 'resource_missing', param: 'ownership' }),
      );
    });

    test('subscribe and unsubscribe, per API version', async () => {
      const { stripe, accounts } = await linkAccounts(h, {
        permissions: ['balances', 'transactions'],
        limit: 1,
      });
      const id = (accounts[0] as PreviewAccount).id;
      const ga = h.stripe({ apiVersion: gaVersion });
      await assert.rejects(
        ga.financialConnections.accounts.subscribe(id, {
          features: ['balance'] as unknown as ['transactions'],
        }),
        refused({ statusCode: 400, param: 'features' }),
      );
      await assert.rejects(
        stripe.financialConnections.accounts.subscribe(id, {
          features: ['inferred_balances'] as unknown as ['transactions'],
        }),
        refused({ statusCode: 400, param: 'features' }),
      );
      const subscribed = await ga.financialConnections.accounts.subscribe(id, { features: ['transactions'] });
      assertMatchesSchema('financial_connections.account', body(subscribed));
      assert.deepEqual(subscribed.subscriptions, ['transactions']);
      assert.equal(subscribed.transaction_refresh?.status, 'pending');
      await settled(stripe, id, 'transaction_refresh');
      const both = await stripe.financialConnections.accounts.subscribe(id, {
        features: ['balance'] as unknown as ['transactions'],
      });
      assert.deepEqual(both.subscriptions, ['transactions', 'balance']);
      const gaView = await ga.financialConnections.accounts.retrieve(id);
      assert.deepEqual(gaView.subscriptions, ['transactions']);
      const left = await ga.financialConnections.accounts.unsubscribe(id, { features: ['transactions'] });
      assertMatchesSchema('financial_connections.account', body(left));
      assert.deepEqual(left.subscriptions, []);
      await assert.rejects(
        ga.financialConnections.accounts.refresh(id, {
          features: ['inferred_balances'] as unknown as ['balance'],
        }),
        refused({ statusCode: 400, param: 'features' }),
      );
    });

    test("another merchant's key sees none of it", async () => {
      const { stripe, accounts } = await linkAccounts(h, { permissions: [...allData], limit: 1 });
      const id = (accounts[0] as PreviewAccount).id;
      const ownership = (await refreshed(stripe, id, 'ownership')).done.ownership as string;
      await refreshed(stripe, id, 'transactions');
      const txn = (await stripe.financialConnections.transactions.list({ account: id, limit: 1 })).data[0];
      const other = h.stripe({ key: (await h.otherMerchant()).secretKey });
      const missing = refused({ statusCode: 404, code: 'resource_missing' });
      await assert.rejects(
        other.financialConnections.accounts.refresh(id, { features: ['balance'] }),
        missing,
      );
      await assert.rejects(
        other.financialConnections.accounts.subscribe(id, { features: ['transactions'] }),
        missing,
      );
      await assert.rejects(other.financialConnections.accounts.listOwners(id, { ownership }), missing);
      await assert.rejects(other.financialConnections.transactions.list({ account: id }), missing);
      await assert.rejects(other.financialConnections.transactions.retrieve(txn?.id as string), missing);
      const noKey = await h.fetch(`/v1/financial_connections/transactions?account=${id}`, { key: null });
      assert.equal(noKey.status, 401);
      const publishable = await h.fetch(`/v1/financial_connections/transactions?account=${id}`, {
        key: h.publishableKey,
      });
      assert.equal(publishable.status, 401, publishable.text);
      assert.equal((publishable.body.error as { code: string }).code, 'secret_key_required');
    });
  });
}
