import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
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
import { type Harness, startHarness } from '../../support/harness.ts';
import { assertMatchesSchema } from '../../support/stripe-schemas.ts';

type Inactive = { cause: string; action: 'none' | 'relink_required' };

for (const backend of backends) {
  describe(`relink sessions on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(() => h?.close());

    /** Makes a bank-side fact happen through openfc's test helpers. */
    async function authorizationOf(stripe: Stripe, id: string) {
      return (await stripe.rawRequest('GET', `/v1/financial_connections/authorizations/${id}`)) as Record<
        string,
        unknown
      >;
    }

    test('relinking one account restores it, keeps its id and replaces its permissions', async () => {
      const { stripe, customer, accounts, authorization } = await linkAccounts(h, {
        permissions: ['balances'],
      });
      const [target, other, closed] = accounts as [PreviewAccount, PreviewAccount, PreviewAccount];
      const expired: Inactive = { cause: 'access_expired', action: 'relink_required' };
      await simulate(h.stripe(), 'accounts', closed.id, 'account_closed');
      await simulate(h.stripe(), 'authorizations', authorization, 'consent_expired');
      const inactive = (await stripe.financialConnections.accounts.retrieve(
        target.id,
      )) as unknown as PreviewAccount;
      assert.deepEqual(inactive.status_details, { inactive: expired });
      assertMatchesSchema('financial_connections.account', body(inactive));

      const session = await createSession(stripe, {
        account_holder: { type: 'customer', customer: customer.id },
        permissions: ['balances', 'transactions'],
        relink_options: { authorization, account: target.id },
      });
      assert.deepEqual(session.relink_options, { authorization, account: target.id });
      assert.deepEqual(session.relink_result, { account: null, authorization: null, failure_reason: null });
      assertMatchesSchema('financial_connections.session', body(session));

      const done = await completeSession(stripe, session.id);
      assertMatchesSchema('financial_connections.session', body(done));
      assert.equal(done.status, 'succeeded');
      assert.deepEqual(done.relink_result, { account: target.id, authorization, failure_reason: null });
      assert.deepEqual(
        done.accounts.data.map((a) => a.id),
        [target.id],
      );

      const after = await stripe.financialConnections.accounts.list({
        account_holder: { customer: customer.id },
        limit: 100,
      });
      assert.equal(after.data.length, accounts.length, 'relinking never duplicates an account');
      const byId = new Map(after.data.map((a) => [a.id, a as PreviewAccount]));
      assert.equal(byId.get(target.id)?.status, 'active');
      assert.deepEqual(byId.get(target.id)?.permissions, ['balances', 'transactions']);
      assert.deepEqual(byId.get(target.id)?.status_details, {});
      assert.equal(
        byId.get(other.id)?.status,
        'active',
        'every account whose access came back is active again',
      );
      assert.deepEqual(byId.get(other.id)?.permissions, ['balances']);
      assert.equal(byId.get(closed.id)?.status, 'inactive', 'a closed account stays inactive');

      const authz = await authorizationOf(stripe, authorization);
      assertMatchesSchema('financial_connections.authorization', body(authz));
      assert.equal(authz.status, 'active');
      assert.deepEqual(authz.status_details, {});
    });

    test('picking another account fails with no_account and reactivates nothing', async () => {
      const { stripe, customer, accounts, authorization } = await linkAccounts(h);
      const [target, other] = accounts as [PreviewAccount, PreviewAccount];
      await simulate(h.stripe(), 'authorizations', authorization, 'consent_expired');
      const session = await createSession(stripe, {
        account_holder: { type: 'customer', customer: customer.id },
        permissions: ['balances'],
        relink_options: { authorization, account: target.id },
      });
      const done = await completeSession(stripe, session.id, { accounts: [other.id] });
      assert.equal(done.status, 'failed');
      assert.deepEqual(done.relink_result, { account: null, authorization, failure_reason: 'no_account' });
      assert.deepEqual(done.accounts.data, []);
      assert.equal((await stripe.financialConnections.accounts.retrieve(target.id)).status, 'inactive');
      assert.equal((await authorizationOf(stripe, authorization)).status, 'inactive');
    });

    test('failed authentication is no_authorization; an unexpected error is other', async () => {
      const { stripe, customer, accounts, authorization } = await linkAccounts(h);
      const target = accounts[0] as PreviewAccount;
      for (const [outcome, reason] of [
        ['failed_authentication', 'no_authorization'],
        ['cancelled', 'no_authorization'],
        ['error', 'other'],
      ] as const) {
        const session = await createSession(stripe, {
          account_holder: { type: 'customer', customer: customer.id },
          permissions: ['balances'],
          relink_options: { authorization, account: target.id },
        });
        const done = await completeSession(stripe, session.id, { outcome });
        assertMatchesSchema('financial_connections.session', body(done));
        assert.deepEqual(
          done.relink_result,
          { account: null, authorization: null, failure_reason: reason },
          outcome,
        );
      }
    });

    test('relinking an authorization re-picks existing accounts by id and links new ones', async () => {
      const { stripe, customer, accounts, authorization } = await linkAccounts(h, { limit: 2 });
      const session = await createSession(stripe, {
        account_holder: { type: 'customer', customer: customer.id },
        permissions: ['payment_method'],
        relink_options: { authorization },
      });
      const done = await completeSession(stripe, session.id);
      assert.equal(done.status, 'succeeded');
      assert.deepEqual(done.relink_result, { account: null, authorization, failure_reason: null });
      const relinked = done.accounts.data as PreviewAccount[];
      assert.equal(relinked.length, 5);
      for (const original of accounts) {
        assert.ok(
          relinked.some((a) => a.id === original.id),
          `${original.id} keeps its id`,
        );
      }
      assert.ok(relinked.every((a) => a.authorization === authorization));
      assert.ok(relinked.every((a) => a.permissions?.join() === 'payment_method'));
      const all = await stripe.financialConnections.accounts.list({
        account_holder: { customer: customer.id },
        limit: 100,
      });
      assert.equal(all.data.length, 5);
    });

    test('relink options are checked against the authorization and the account holder', async () => {
      const first = await linkAccounts(h);
      const second = await linkAccounts(h);
      const { stripe } = first;
      const holder = { type: 'customer' as const, customer: first.customer.id };
      const cases: Array<[{ authorization: string; account?: string }, Record<string, unknown>]> = [
        [
          { authorization: second.authorization },
          { statusCode: 400, param: 'relink_options[authorization]' },
        ],
        [
          { authorization: first.authorization, account: second.accounts[0]?.id as string },
          { statusCode: 400, param: 'relink_options[account]' },
        ],
        [
          { authorization: first.authorization, account: 'fca_missing' },
          { statusCode: 404, code: 'resource_missing', param: 'relink_options[account]' },
        ],
      ];
      for (const [relink_options, expected] of cases) {
        await assert.rejects(
          createSession(stripe, { account_holder: holder, permissions: ['balances'], relink_options }),
          (e: Stripe.errors.StripeError) => {
            const actual = Object.fromEntries(Object.keys(expected).map((k) => [k, e[k as keyof typeof e]]));
            assert.deepEqual(actual, expected, JSON.stringify(e.raw));
            return true;
          },
        );
      }
      const elsewhere = await createSession(stripe, {
        account_holder: holder,
        permissions: ['balances'],
        relink_options: { authorization: first.authorization },
      });
      await assert.rejects(
        completeSession(stripe, elsewhere.id, { institution: 'Sandbox Bank (OAuth)' }),
        (e: Stripe.errors.StripeError) => {
          assert.equal(e.param, 'institution');
          return true;
        },
      );
    });
  });
}
