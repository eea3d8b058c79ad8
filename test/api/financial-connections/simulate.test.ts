import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { backends } from '../../support/backends.ts';
import { body, completeSession, createSession, linkAccounts, type PreviewAccount } from '../../support/fc.ts';
import { gaVersion, type Harness, startHarness } from '../../support/harness.ts';
import { assertMatchesSchema, assertStripeError } from '../../support/stripe-schemas.ts';

/** Each bank-side fact, and what the merchant sees (the lifecycle table of openfc). */
const authorizationFacts = [
  ['consent_expired', 'access_expired'],
  ['access_revoked', 'access_denied'],
  ['reauthentication_required', 'institution_requirement'],
] as const;

for (const backend of backends) {
  describe(`bank-side facts through the test helpers on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(() => h?.close());

    async function simulate(stripe: Stripe, kind: 'authorizations' | 'accounts', id: string, event: string) {
      return (await stripe.rawRequest(
        'POST',
        `/v1/test_helpers/financial_connections/${kind}/${id}/simulate`,
        {
          event,
        },
      )) as Record<string, unknown>;
    }

    async function relink(stripe: Stripe, customer: string, authorization: string, account?: string) {
      const session = await createSession(stripe, {
        account_holder: { type: 'customer', customer },
        permissions: ['balances'],
        relink_options: { authorization, ...(account && { account }) },
      });
      return completeSession(stripe, session.id);
    }

    for (const [event, cause] of authorizationFacts) {
      test(`${event}: the authorization and all its accounts turn inactive (${cause}); a relink repairs them`, async () => {
        const { stripe, customer, accounts, authorization } = await linkAccounts(h, { limit: 3 });
        const authz = await simulate(stripe, 'authorizations', authorization, event);
        assertMatchesSchema('financial_connections.authorization', body(authz));
        assert.equal(authz.status, 'inactive');
        assert.deepEqual(authz.status_details, { inactive: { cause, action: 'relink_required' } });
        for (const { id } of accounts) {
          const account = (await stripe.financialConnections.accounts.retrieve(
            id,
          )) as unknown as PreviewAccount;
          assertMatchesSchema('financial_connections.account', body(account));
          assert.equal(account.status, 'inactive');
          assert.deepEqual(account.status_details, { inactive: { cause, action: 'relink_required' } });
        }

        const done = await relink(stripe, customer.id, authorization, accounts[0]?.id);
        assert.equal(done.status, 'succeeded');
        assert.deepEqual(done.relink_result, {
          account: accounts[0]?.id,
          authorization,
          failure_reason: null,
        });
        for (const { id } of accounts) {
          const account = await stripe.financialConnections.accounts.retrieve(id);
          assert.equal(account.status, 'active', `${id} is active after the relink`);
        }
        const restored = (await stripe.rawRequest(
          'GET',
          `/v1/financial_connections/authorizations/${authorization}`,
        )) as {
          status: string;
        };
        assert.equal(restored.status, 'active');
      });
    }

    test('account_closed and account_unavailable break one account (action none); reopening restores it', async () => {
      const { stripe, customer, accounts, authorization } = await linkAccounts(h, { limit: 3 });
      const [closed, unavailable, healthy] = accounts as [PreviewAccount, PreviewAccount, PreviewAccount];
      const closedNow = await simulate(stripe, 'accounts', closed.id, 'account_closed');
      assertMatchesSchema('financial_connections.account', body(closedNow));
      assert.deepEqual(
        { status: closedNow.status, status_details: closedNow.status_details },
        { status: 'inactive', status_details: { inactive: { cause: 'account_closed', action: 'none' } } },
      );
      const unavailableNow = await simulate(stripe, 'accounts', unavailable.id, 'account_unavailable');
      assert.deepEqual(unavailableNow.status_details, {
        inactive: { cause: 'account_unavailable', action: 'none' },
      });
      assert.equal((await stripe.financialConnections.accounts.retrieve(healthy.id)).status, 'active');
      const authz = (await stripe.rawRequest(
        'GET',
        `/v1/financial_connections/authorizations/${authorization}`,
      )) as {
        status: string;
      };
      assert.equal(authz.status, 'active', 'an account fact leaves the authorization alone');

      const relinked = await relink(stripe, customer.id, authorization);
      assert.equal(relinked.status, 'succeeded');
      assert.equal(
        (await stripe.financialConnections.accounts.retrieve(closed.id)).status,
        'inactive',
        'a relink does not reopen a closed account',
      );

      const reopened = await simulate(stripe, 'accounts', closed.id, 'account_reopened');
      assert.deepEqual(
        { status: reopened.status, status_details: reopened.status_details },
        { status: 'active', status_details: {} },
      );
    });

    test('an account linked at Inactive Accounts turns inactive right away, and relinking it succeeds', async () => {
      const { stripe, customer, accounts, authorization } = await linkAccounts(h, {
        institution: 'Inactive Accounts',
        limit: 1,
      });
      const account = accounts[0] as PreviewAccount;
      const linked = (await stripe.financialConnections.accounts.retrieve(
        account.id,
      )) as unknown as PreviewAccount;
      assert.equal(linked.status, 'inactive');
      assert.deepEqual(linked.status_details, {
        inactive: { cause: 'access_expired', action: 'relink_required' },
      });
      const done = await relink(stripe, customer.id, authorization, account.id);
      assert.equal(done.status, 'succeeded');
      assert.equal((await stripe.financialConnections.accounts.retrieve(account.id)).status, 'active');
    });

    test('bad simulate requests are refused and change nothing', async () => {
      const { stripe, accounts, authorization } = await linkAccounts(h, { limit: 1 });
      const id = accounts[0]?.id as string;
      const unknown = await h.fetch(`/v1/test_helpers/financial_connections/accounts/${id}/simulate`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'event=account_exploded',
      });
      assert.equal(unknown.status, 400);
      assertStripeError(unknown.body);
      assert.equal((unknown.body.error as { param: string }).param, 'event');
      const missing = await h.fetch('/v1/test_helpers/financial_connections/accounts/fca_nope/simulate', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'event=account_closed',
      });
      assert.equal(missing.status, 404);
      const onGa = await h.fetch(
        `/v1/test_helpers/financial_connections/authorizations/${authorization}/simulate`,
        {
          method: 'POST',
          version: gaVersion,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'event=consent_expired',
        },
      );
      assert.equal(onGa.status, 404);
      assert.equal((await stripe.financialConnections.accounts.retrieve(id)).status, 'active');
    });
  });
}
