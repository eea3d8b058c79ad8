import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { backends } from '../../support/backends.ts';
import {
  body,
  type CreateParams,
  completeSession,
  createSession,
  type PreviewAccount,
} from '../../support/fc.ts';
import { type Harness, startHarness } from '../../support/harness.ts';
import { assertMatchesSchema } from '../../support/stripe-schemas.ts';

const day = 86_400;

interface Clock {
  now: number;
  offset_seconds: number;
}

type Numbers = Array<{ status: string; expected_expiry_date: number | null }>;

for (const backend of backends) {
  describe(`holders linked after the sandbox clock moved on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(() => h?.close());

    async function advance(stripe: Stripe, seconds: number): Promise<Clock> {
      return (await stripe.rawRequest('POST', '/v1/test_helpers/sandbox_clock/advance', {
        seconds,
      })) as unknown as Clock;
    }

    async function link(stripe: Stripe, institution: string, permissions: CreateParams['permissions']) {
      const customer = await stripe.customers.create({ email: 'late@example.com' });
      const session = await createSession(stripe, {
        account_holder: { type: 'customer', customer: customer.id },
        permissions,
        limits: { accounts: 1 },
      });
      const completed = await completeSession(stripe, session.id, { institution });
      assert.equal(completed.status, 'succeeded');
      return completed.accounts.data[0] as PreviewAccount;
    }

    async function account(stripe: Stripe, id: string) {
      const found = (await stripe.financialConnections.accounts.retrieve(id)) as unknown as PreviewAccount;
      assertMatchesSchema('financial_connections.account', body(found));
      return found as PreviewAccount & { status_details: Record<string, unknown> };
    }

    test('a consent runs 90 days from the link on the merchant clock, not from real time', async () => {
      const stripe = h.stripe({ key: (await h.otherMerchant()).secretKey });
      const moved = await advance(stripe, 80 * day);
      const { id } = await link(stripe, 'Test Institution', ['balances']);
      const linkedAt = moved.now;

      const fresh = await account(stripe, id);
      assert.deepEqual(
        { status: fresh.status, status_details: fresh.status_details },
        { status: 'active', status_details: {} },
      );

      await advance(stripe, 5 * day);
      const later = await account(stripe, id);
      assert.deepEqual(
        { status: later.status, status_details: later.status_details },
        { status: 'active', status_details: {} },
        '85 days are left: no notice yet',
      );

      await advance(stripe, 79 * day);
      const near = await account(stripe, id);
      assert.equal(near.status, 'active');
      const notice = near.status_details.active as Record<string, unknown> | undefined;
      assert.equal(notice?.cause, 'access_expired', JSON.stringify(near.status_details));
      assert.equal(notice?.action, 'relink_required');
      const expected = linkedAt + 90 * day;
      assert.ok(
        Math.abs((notice?.expected_deactivation_date as number) - expected) <= 5,
        `${notice?.expected_deactivation_date} is about ${expected}`,
      );

      await advance(stripe, 7 * day);
      assert.equal((await account(stripe, id)).status, 'inactive', 'past the consent it ends');
    });

    test('a tokenized number issued at a late link lasts its 90 days from the link', async () => {
      const stripe = h.stripe({ key: (await h.otherMerchant()).secretKey });
      const moved = await advance(stripe, 80 * day);
      const { id } = await link(stripe, 'Tokenized Account Numbers', ['payment_method']);
      const numbers = (await account(stripe, id)).account_numbers as Numbers | null;
      assert.equal(numbers?.length, 1, JSON.stringify(numbers));
      assert.equal(numbers?.[0]?.status, 'transactable');
      const expiry = numbers?.[0]?.expected_expiry_date as number;
      assert.ok(Math.abs(expiry - (moved.now + 90 * day)) <= 5, `${expiry} is 90 days after ${moved.now}`);
    });
  });
}
