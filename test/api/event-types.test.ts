import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { backends } from '../support/backends.ts';
import { completeSession, createSession, linkAccounts } from '../support/fc.ts';
import { gaVersion, type Harness, startHarness } from '../support/harness.ts';
import { assertEventMatchesSchema } from '../support/stripe-schemas.ts';

const day = 86_400;

/** The object an event carries, typed as the test reads it; fails when there is no event. */
function objectOf<T>(event: Stripe.Event | undefined): T {
  assert.ok(event, 'the event was written');
  return event.data.object as unknown as T;
}

for (const backend of backends) {
  describe(`lifecycle event types on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(() => h?.close());

    /** The merchant's events of a type about an object, oldest first, each checked against the schemas. */
    async function eventsAbout(stripe: Stripe, type: string, objectId: string): Promise<Stripe.Event[]> {
      const out: Stripe.Event[] = [];
      for await (const e of stripe.events.list({ type, limit: 100 })) {
        assertEventMatchesSchema(e);
        if ((e.data.object as { id: string }).id === objectId) out.push(e);
      }
      return out.reverse();
    }

    async function advance(stripe: Stripe, seconds: number) {
      await stripe.rawRequest('POST', '/v1/test_helpers/sandbox_clock/advance', { seconds });
    }

    test('session.updated when a session leaves pending, for preview readers only', async () => {
      const stripe = h.stripe();
      const customer = await stripe.customers.create({ email: 'sess@example.com' });
      const holder = { type: 'customer' as const, customer: customer.id };
      const linked = await createSession(stripe, { account_holder: holder, permissions: ['balances'] });
      await completeSession(stripe, linked.id);
      const cancelled = await createSession(stripe, { account_holder: holder, permissions: ['balances'] });
      await completeSession(stripe, cancelled.id, { outcome: 'cancelled' });

      const [done] = await eventsAbout(stripe, 'financial_connections.session.updated', linked.id);
      assert.ok(done);
      const session = done.data.object as unknown as { status: string; accounts: { data: unknown[] } };
      assert.equal(session.status, 'succeeded');
      assert.equal(session.accounts.data.length > 0, true);
      assert.deepEqual(done.data.previous_attributes, { status: 'pending' });
      const [gaveUp] = await eventsAbout(stripe, 'financial_connections.session.updated', cancelled.id);
      assert.equal(objectOf<{ status: string }>(gaveUp).status, 'cancelled');

      // The event type is preview-only: a GA reader does not see it.
      const ga = h.stripe({ apiVersion: gaVersion });
      const seenByGa = await ga.events.list({ type: 'financial_connections.session.updated' });
      assert.deepEqual(seenByGa.data, []);
    });

    test('upcoming_deactivation once as the consent nears its end; a relink clears the date', async () => {
      const { stripe, customer, accounts, authorization } = await linkAccounts(h, { limit: 2 });
      await advance(stripe, 84 * day);
      await advance(stripe, day);
      for (const account of accounts) {
        const upcoming = await eventsAbout(
          stripe,
          'financial_connections.account.upcoming_deactivation',
          account.id,
        );
        assert.equal(upcoming.length, 1, 'once, not on every look');
        const status = objectOf<{ status_details: { active?: Record<string, unknown> } }>(
          upcoming[0],
        ).status_details;
        assert.equal(status.active?.cause, 'access_expired');
        assert.equal(typeof status.active?.expected_deactivation_date, 'number');
        assert.deepEqual(upcoming[0]?.data.previous_attributes, { status_details: {} });
      }
      const authorizationEvents = await eventsAbout(
        stripe,
        'financial_connections.authorization.upcoming_deactivation',
        authorization,
      );
      assert.equal(authorizationEvents.length, 1);
      assert.equal(
        objectOf<{ object: string }>(authorizationEvents[0]).object,
        'financial_connections.authorization',
      );

      const session = await createSession(stripe, {
        account_holder: { type: 'customer', customer: customer.id },
        permissions: ['balances'],
        relink_options: { authorization },
      });
      await completeSession(stripe, session.id);
      const updated = await eventsAbout(
        stripe,
        'financial_connections.account.expected_deactivation_date_updated',
        accounts[0]?.id ?? '',
      );
      assert.equal(updated.length, 1);
      const after = objectOf<{ status_details: Record<string, unknown> }>(updated[0]).status_details;
      assert.deepEqual(after, {});
      const before = updated[0]?.data.previous_attributes as {
        status_details: { active: { expected_deactivation_date: number } };
      };
      assert.equal(typeof before.status_details.active.expected_deactivation_date, 'number');
      assert.equal(
        (
          await eventsAbout(
            stripe,
            'financial_connections.authorization.expected_deactivation_date_updated',
            authorization,
          )
        ).length,
        1,
      );
    });

    test('account_numbers_updated when tokenized numbers rotate; upcoming_account_number_expiry before they expire', async () => {
      const { stripe, accounts } = await linkAccounts(h, {
        institution: 'Tokenized Account Numbers',
        permissions: ['payment_method'],
        limit: 1,
      });
      const id = accounts[0]?.id ?? '';
      assert.deepEqual(
        await eventsAbout(stripe, 'financial_connections.account.account_numbers_updated', id),
        [],
      );
      await stripe.rawRequest('POST', `/v1/test_helpers/financial_connections/accounts/${id}/simulate`, {
        event: 'account_numbers_deactivated',
      });
      const [updated] = await eventsAbout(
        stripe,
        'financial_connections.account.account_numbers_updated',
        id,
      );
      assert.ok(updated);
      const now = (updated.data.object as unknown as { account_numbers: Array<{ status: string }> })
        .account_numbers;
      assert.equal(now[0]?.status, 'deactivated');
      const was = (updated.data.previous_attributes as { account_numbers: Array<{ status: string }> })
        .account_numbers;
      assert.equal(was[0]?.status, 'transactable');

      // A relink brings a new number; it expires 90 days after the consent.
      const { stripe: s2, accounts: fresh } = await linkAccounts(h, {
        institution: 'Tokenized Account Numbers',
        permissions: ['payment_method'],
        limit: 1,
      });
      const freshId = fresh[0]?.id ?? '';
      await advance(s2, 80 * day);
      assert.deepEqual(
        await eventsAbout(s2, 'financial_connections.account.upcoming_account_number_expiry', freshId),
        [],
      );
      await advance(s2, 5 * day);
      await advance(s2, day);
      const expiring = await eventsAbout(
        s2,
        'financial_connections.account.upcoming_account_number_expiry',
        freshId,
      );
      assert.equal(expiring.length, 1, 'once per number');

      // Past its expiry date the number shows deactivated, and the merchant is told.
      await advance(s2, 5 * day);
      const expired = (await s2.financialConnections.accounts.retrieve(freshId)) as unknown as {
        account_numbers: Array<{ status: string }>;
      };
      assert.equal(expired.account_numbers[0]?.status, 'deactivated');
      const [numbersGone] = await eventsAbout(
        s2,
        'financial_connections.account.account_numbers_updated',
        freshId,
      );
      assert.equal(
        objectOf<{ account_numbers: Array<{ status: string }> }>(numbersGone).account_numbers[0]?.status,
        'deactivated',
      );
    });
  });
}
