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
