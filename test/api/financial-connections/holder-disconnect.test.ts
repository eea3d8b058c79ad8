import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { backends } from '../../support/backends.ts';
import { eventually } from '../../support/eventually.ts';
import { atBank, bankUserOf, body, createSession, linkAccounts, refreshBalance } from '../../support/fc.ts';
import { type Harness, startHarness } from '../../support/harness.ts';
import { assertMatchesSchema } from '../../support/stripe-schemas.ts';

type Account = Stripe.FinancialConnections.Account;

/** Expects a Stripe error with the given fields. */
function refused(expected: Record<string, unknown>) {
  return (e: Stripe.errors.StripeError) => {
    const actual = Object.fromEntries(Object.keys(expected).map((k) => [k, e[k as keyof typeof e]]));
    assert.deepEqual(actual, expected, JSON.stringify(e.raw));
    return true;
  };
}

for (const backend of backends) {
  describe(`the holder disconnecting at the bank on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(() => h?.close());

    async function authorizationOf(stripe: Stripe, id: string) {
      const found = (await stripe.rawRequest(
        'GET',
        `/v1/financial_connections/authorizations/${id}`,
        {},
      )) as Record<string, unknown>;
      assertMatchesSchema('financial_connections.authorization', body(found));
      return found;
    }

    async function disconnectedEvents(stripe: Stripe, ids: string[]): Promise<Stripe.Event[]> {
      const out: Stripe.Event[] = [];
      for await (const e of stripe.events.list({ type: 'financial_connections.account.disconnected' })) {
        assertMatchesSchema('event', e);
        if (ids.includes((e.data.object as { id: string }).id)) out.push(e);
      }
      return out;
    }

    test('holder_disconnected: the authorization and all its accounts are disconnected for good', async () => {
      const { stripe, customer, accounts, authorization } = await linkAccounts(h, {
        permissions: ['balances', 'transactions'],
        limit: 3,
      });
      const ids = accounts.map((a) => a.id);
      const [first, second] = ids as [string, string];
      await stripe.financialConnections.accounts.refresh(first, { features: ['balance'] });
      const refreshed = await eventually(
        'the balance refresh to succeed',
        () => stripe.financialConnections.accounts.retrieve(first),
        (a) => a.balance_refresh?.status === 'succeeded',
      );
      await stripe.financialConnections.accounts.subscribe(second, { features: ['transactions'] });

      const authz = (await stripe.rawRequest(
        'POST',
        `/v1/test_helpers/financial_connections/authorizations/${authorization}/simulate`,
        { event: 'holder_disconnected' },
      )) as Record<string, unknown>;
      assertMatchesSchema('financial_connections.authorization', body(authz));
      assert.equal(authz.status, 'disconnected');
      assert.deepEqual(authz.status_details, {});
      assert.equal((await authorizationOf(stripe, authorization)).status, 'disconnected');

      for (const id of ids) {
        const account = await stripe.financialConnections.accounts.retrieve(id);
        assertMatchesSchema('financial_connections.account', body(account));
        assert.deepEqual(
          {
            status: account.status,
            status_details: account.status_details,
            subscriptions: account.subscriptions,
          },
          { status: 'disconnected', status_details: {}, subscriptions: [] },
        );
      }
      const kept = await stripe.financialConnections.accounts.retrieve(first);
      assert.deepEqual(kept.balance, refreshed.balance, 'data fetched before stays readable');

      const events = await disconnectedEvents(stripe, ids);
      assert.deepEqual(events.map((e) => (e.data.object as Account).id).sort(), [...ids].sort());
      for (const e of events) {
        assert.equal(e.request, null, 'the bank ended it, not an API request');
        assert.equal((e.data.object as Account).status, 'disconnected');
      }

      await assert.rejects(
        stripe.financialConnections.accounts.refresh(first, { features: ['balance'] }),
        refused({ statusCode: 400, code: 'financial_connections_account_inactive' }),
      );
      await assert.rejects(
        createSession(stripe, {
          account_holder: { type: 'customer', customer: customer.id },
          permissions: ['balances'],
          relink_options: { authorization },
        }),
        refused({ statusCode: 400, param: 'relink_options[authorization]' }),
      );
      // Asking again changes nothing and writes no more events.
      await stripe.rawRequest(
        'POST',
        `/v1/test_helpers/financial_connections/authorizations/${authorization}/simulate`,
        { event: 'holder_disconnected' },
      );
      assert.equal((await disconnectedEvents(stripe, ids)).length, ids.length);
    });

    test('a disconnect made at the bank alone is noticed at the next call to the bank', async () => {
      const { stripe, accounts, authorization } = await linkAccounts(h, { limit: 2 });
      const ids = accounts.map((a) => a.id);
      await atBank(h, `/users/${await bankUserOf(h, authorization)}/disconnect`);
      assert.equal((await authorizationOf(stripe, authorization)).status, 'active', 'not noticed yet');

      const failed = await refreshBalance(stripe, ids[0] as string);
      assert.equal(failed.balance_refresh?.status, 'failed');
      assert.equal(failed.status, 'disconnected');
      for (const id of ids)
        assert.equal((await stripe.financialConnections.accounts.retrieve(id)).status, 'disconnected');
      assert.equal((await authorizationOf(stripe, authorization)).status, 'disconnected');
      assert.equal((await disconnectedEvents(stripe, ids)).length, ids.length);
    });
  });
}
