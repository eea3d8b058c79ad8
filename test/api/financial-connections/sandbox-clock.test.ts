import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { backends } from '../../support/backends.ts';
import { body, completeSession, createSession, type PreviewAccount } from '../../support/fc.ts';
import { form, gaVersion, type Harness, startHarness } from '../../support/harness.ts';
import { assertMatchesSchema, assertStripeError } from '../../support/stripe-schemas.ts';

const day = 86_400;

interface Clock {
  object: string;
  merchant: string;
  now: number;
  offset_seconds: number;
}

for (const backend of backends) {
  describe(`the sandbox clock per merchant on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(() => h?.close());

    async function link(stripe: Stripe) {
      const customer = await stripe.customers.create({ email: 'holder@example.com' });
      const session = await createSession(stripe, {
        account_holder: { type: 'customer', customer: customer.id },
        permissions: ['balances'],
        limits: { accounts: 2 },
      });
      const linkedAt = Math.floor(Date.now() / 1000);
      const completed = await completeSession(stripe, session.id);
      const accounts = completed.accounts.data as PreviewAccount[];
      return { customer, accounts, authorization: accounts[0]?.authorization as string, linkedAt };
    }

    async function clock(stripe: Stripe): Promise<Clock> {
      return (await stripe.rawRequest('GET', '/v1/test_helpers/sandbox_clock', {})) as unknown as Clock;
    }

    async function advance(stripe: Stripe, seconds: number): Promise<Clock> {
      return (await stripe.rawRequest('POST', '/v1/test_helpers/sandbox_clock/advance', {
        seconds,
      })) as unknown as Clock;
    }

    async function account(stripe: Stripe, id: string) {
      const found = (await stripe.financialConnections.accounts.retrieve(id)) as unknown as PreviewAccount;
      assertMatchesSchema('financial_connections.account', body(found));
      return found as PreviewAccount & { status_details: Record<string, unknown> };
    }

    async function authorizationOf(stripe: Stripe, id: string) {
      const found = (await stripe.rawRequest(
        'GET',
        `/v1/financial_connections/authorizations/${id}`,
        {},
      )) as {
        status: string;
        status_details: Record<string, unknown>;
      };
      assertMatchesSchema('financial_connections.authorization', body(found));
      return found;
    }

    test('consents end on the merchant clock: a notice first, then inactive; a relink repairs them', async () => {
      const keys = await h.otherMerchant();
      const stripe = h.stripe({ key: keys.secretKey });
      const bystander = h.stripe({ key: (await h.otherMerchant()).secretKey });

      const start = await clock(stripe);
      const realNow = Math.floor(Date.now() / 1000);
      assert.equal(start.object, 'test_helpers.sandbox_clock');
      assert.match(start.merchant, /^acct_/);
      assert.equal(start.offset_seconds, 0);
      assert.ok(Math.abs(start.now - realNow) <= 5, 'the clock starts at real time');

      const { customer, accounts, authorization, linkedAt } = await link(stripe);
      const other = await link(bystander);

      const moved = await advance(stripe, 84 * day);
      assert.equal(moved.offset_seconds, 84 * day);
      assert.ok(Math.abs(moved.now - (Math.floor(Date.now() / 1000) + 84 * day)) <= 5);
      assert.equal(moved.merchant, start.merchant);

      for (const { id } of accounts) {
        const found = await account(stripe, id);
        assert.equal(found.status, 'active');
        const notice = found.status_details.active as Record<string, unknown> | undefined;
        assert.equal(notice?.cause, 'access_expired');
        assert.equal(notice?.action, 'relink_required');
        const expected = linkedAt + 90 * day;
        assert.ok(Math.abs((notice?.expected_deactivation_date as number) - expected) <= 5);
        const ga = await stripe.financialConnections.accounts.retrieve(id, {}, { apiVersion: gaVersion });
        assertMatchesSchema('financial_connections.account', body(ga));
        assert.deepEqual((ga as unknown as { status_details: unknown }).status_details, found.status_details);
      }
      const noticed = await authorizationOf(stripe, authorization);
      assert.equal(noticed.status, 'active');
      assert.equal((noticed.status_details.active as { cause: string }).cause, 'access_expired');

      await advance(stripe, 7 * day);
      for (const { id } of accounts) {
        const found = await account(stripe, id);
        assert.equal(found.status, 'inactive');
        assert.deepEqual(found.status_details, {
          inactive: { cause: 'access_expired', action: 'relink_required' },
        });
      }
      const ended = await authorizationOf(stripe, authorization);
      assert.equal(ended.status, 'inactive');
      assert.deepEqual(ended.status_details, {
        inactive: { cause: 'access_expired', action: 'relink_required' },
      });

      const relink = await createSession(stripe, {
        account_holder: { type: 'customer', customer: customer.id },
        permissions: ['balances'],
        relink_options: { authorization },
      });
      assert.equal((await completeSession(stripe, relink.id)).status, 'succeeded');
      for (const { id } of accounts) {
        const found = await account(stripe, id);
        assert.equal(found.status, 'active');
        assert.deepEqual(found.status_details, {});
      }
      const restored = await authorizationOf(stripe, authorization);
      assert.equal(restored.status, 'active');
      assert.deepEqual(restored.status_details, {});

      // Another merchant's clock and connections are untouched.
      assert.equal((await clock(bystander)).offset_seconds, 0);
      for (const { id } of other.accounts) {
        const found = await account(bystander, id);
        assert.equal(found.status, 'active');
        assert.deepEqual(found.status_details, {});
      }
      assert.equal((await authorizationOf(bystander, other.authorization)).status, 'active');
    });

    test('advancing the clock runs the daily refresh of subscribed features, on active accounts only', async () => {
      const stripe = h.stripe({ key: (await h.otherMerchant()).secretKey });
      const customer = await stripe.customers.create({ email: 'holder@example.com' });
      const session = await createSession(stripe, {
        account_holder: { type: 'customer', customer: customer.id },
        permissions: ['balances', 'transactions'],
        limits: { accounts: 2 },
      });
      const completed = await completeSession(stripe, session.id);
      const [subscribed, unsubscribed] = (completed.accounts.data as PreviewAccount[]).map((a) => a.id);
      assert.ok(subscribed && unsubscribed, 'two accounts linked');
      const authorization = (completed.accounts.data[0] as PreviewAccount).authorization as string;

      /** Polls (at most 5 s) until the transaction refresh leaves pending. */
      async function settledRefresh(id: string) {
        const deadline = Date.now() + 5000;
        for (;;) {
          const found = await account(stripe, id);
          const refresh = found.transaction_refresh;
          if (refresh && refresh.status !== 'pending') return refresh;
          if (Date.now() > deadline) assert.fail(`the transaction refresh of ${id} is still pending`);
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      }

      const start = await clock(stripe);
      await stripe.financialConnections.accounts.subscribe(subscribed, { features: ['transactions'] });
      const first = await settledRefresh(subscribed);
      assert.equal(first.status, 'succeeded');
      assert.ok(Math.abs(first.last_attempted_at - start.now) <= 5, 'refreshes are timed by the clock');
      await stripe.financialConnections.accounts.refresh(unsubscribed, { features: ['transactions'] });
      const other = await settledRefresh(unsubscribed);

      // Less than a day later, nothing is due yet.
      await advance(stripe, 3600);
      assert.deepEqual((await account(stripe, subscribed)).transaction_refresh, first);

      const moved = await advance(stripe, 2 * day);
      const scheduled = (await account(stripe, subscribed)).transaction_refresh;
      assert.equal(scheduled?.status, 'succeeded', JSON.stringify(scheduled));
      assert.ok(Math.abs((scheduled?.last_attempted_at ?? 0) - moved.now) <= 5, JSON.stringify(scheduled));
      assert.ok((scheduled?.next_refresh_available_at ?? 0) >= moved.now);
      assert.notEqual(scheduled?.id, first.id, 'a new transaction refresh');
      assert.deepEqual((await account(stripe, unsubscribed)).transaction_refresh, other);

      await stripe.rawRequest(
        'POST',
        `/v1/test_helpers/financial_connections/authorizations/${authorization}/simulate`,
        { event: 'consent_expired' },
      );
      assert.equal((await account(stripe, subscribed)).status, 'inactive');
      await advance(stripe, 2 * day);
      const still = await account(stripe, subscribed);
      assert.equal(still.status, 'inactive');
      assert.deepEqual(still.transaction_refresh, scheduled, 'no refresh on an inactive account');
    });

    test('seconds must be a whole number from 1 to 400 days', async () => {
      const { secretKey } = await h.otherMerchant();
      for (const seconds of ['0', '-1', 'abc', '1.5', String(400 * day + 1), '']) {
        const refused = await h.fetch('/v1/test_helpers/sandbox_clock/advance', {
          ...form({ seconds }),
          key: secretKey,
        });
        assert.equal(refused.status, 400, `seconds=${seconds}`);
        assertStripeError(refused.body);
        assert.equal((refused.body.error as { param?: string }).param, 'seconds', `seconds=${seconds}`);
      }
      const missing = await h.fetch('/v1/test_helpers/sandbox_clock/advance', {
        ...form({}),
        key: secretKey,
      });
      assert.equal(missing.status, 400);
      assert.equal((missing.body.error as { param?: string }).param, 'seconds');
      const still = await h.fetch('/v1/test_helpers/sandbox_clock', { key: secretKey });
      assert.equal(still.status, 200);
      assert.equal(still.body.offset_seconds, 0);
    });
  });
}
