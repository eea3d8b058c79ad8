import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { backends } from '../support/backends.ts';
import { completeSession, createSession, linkAccounts } from '../support/fc.ts';
import { gaVersion, type Harness, startHarness } from '../support/harness.ts';
import { assertEventMatchesSchema, assertMatchesSchema } from '../support/stripe-schemas.ts';

type Event = Stripe.Event;

for (const backend of backends) {
  describe(`events on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(() => h?.close());

    /** Every event the merchant has, newest first, each checked against Stripe's schema. */
    async function allEvents(stripe: Stripe, params: Stripe.EventListParams = {}): Promise<Event[]> {
      const out: Event[] = [];
      for await (const e of stripe.events.list({ limit: 100, ...params })) {
        assertEventMatchesSchema(e);
        out.push(e);
      }
      return out;
    }

    function about(events: Event[], id: string): Event[] {
      return events.filter((e) => (e.data.object as { id: string }).id === id);
    }

    test('customer create, update and delete write events with the request that caused them', async () => {
      const stripe = h.stripe();
      const created = await stripe.customers.create({
        email: 'ev@example.com',
        name: 'Ev',
        metadata: { a: '1' },
      });
      const updated = await stripe.customers.update(
        created.id,
        { name: 'Eve', metadata: { b: '2' } },
        { idempotencyKey: `upd-${created.id}` },
      );
      const deleted = await stripe.customers.del(created.id);
      const events = about(await allEvents(stripe), created.id).reverse();
      assert.deepEqual(
        events.map((e) => e.type),
        ['customer.created', 'customer.updated', 'customer.deleted'],
      );
      const [c, u, d] = events as [Event, Event, Event];
      assert.match(c.id, /^evt_/);
      assert.equal(c.object, 'event');
      assert.equal(c.livemode, false);
      assert.equal(c.pending_webhooks, 0);
      // The SDK sends an idempotency key of its own on every POST.
      assert.equal(c.request?.id, created.lastResponse.requestId);
      assert.match(c.request?.idempotency_key ?? '', /^stripe-node-retry-/);
      assert.deepEqual(
        { ...c.data.object, lastResponse: undefined },
        { ...created, lastResponse: undefined },
      );
      assert.equal(c.data.previous_attributes, undefined);

      assert.deepEqual(u.request, {
        id: updated.lastResponse.requestId,
        idempotency_key: `upd-${created.id}`,
      });
      assert.equal((u.data.object as Stripe.Customer).name, 'Eve');
      assert.deepEqual(u.data.previous_attributes, { name: 'Ev', metadata: { b: '' } });

      assert.equal(d.request?.id, deleted.lastResponse.requestId);
      assert.equal((d.data.object as Stripe.Customer).email, 'ev@example.com');

      const one = await stripe.events.retrieve(u.id);
      assertMatchesSchema('event', one);
      assert.equal(one.type, 'customer.updated');
      assert.ok(Math.abs(one.created - Date.now() / 1000) < 60);
    });

    test('linking, consent expiry and relink write one event per account', async () => {
      const { stripe, accounts, authorization } = await linkAccounts(h);
      assert.ok(accounts.length >= 2);
      const ids = accounts.map((a) => a.id).sort();
      const createdEvents = await allEvents(stripe, { type: 'financial_connections.account.created' });
      const mine = createdEvents.filter((e) => ids.includes((e.data.object as { id: string }).id));
      assert.deepEqual(mine.map((e) => (e.data.object as { id: string }).id).sort(), ids);
      for (const e of mine) assert.equal((e.data.object as { status: string }).status, 'active');

      await stripe.rawRequest(
        'POST',
        `/v1/test_helpers/financial_connections/authorizations/${authorization}/simulate`,
        { event: 'consent_expired' },
      );
      const deactivated = (
        await allEvents(stripe, { type: 'financial_connections.account.deactivated' })
      ).filter((e) => ids.includes((e.data.object as { id: string }).id));
      assert.deepEqual(deactivated.map((e) => (e.data.object as { id: string }).id).sort(), ids);
      const sample = deactivated[0] as Event;
      assert.equal(sample.request, null);
      const preview = sample.data.object as unknown as {
        status: string;
        status_details: Record<string, unknown>;
      };
      assert.equal(preview.status, 'inactive');
      assert.ok(preview.status_details.inactive);

      // A GA reader sees the same event rendered for its version.
      const ga = await h.stripe({ apiVersion: gaVersion }).events.retrieve(sample.id);
      assertMatchesSchema('event', ga);
      assert.equal(ga.api_version, gaVersion);
      assert.equal(
        (ga.data.object as unknown as { status_details: Record<string, unknown> }).status_details.inactive,
        undefined,
      );

      const relink = await createSession(stripe, {
        account_holder: (accounts[0] as Stripe.FinancialConnections.Account).account_holder as never,
        permissions: ['balances', 'payment_method'],
        relink_options: { authorization },
      });
      await completeSession(stripe, relink.id);
      const reactivated = (
        await allEvents(stripe, { type: 'financial_connections.account.reactivated' })
      ).filter((e) => ids.includes((e.data.object as { id: string }).id));
      assert.deepEqual(reactivated.map((e) => (e.data.object as { id: string }).id).sort(), ids);

      const target = accounts[0] as Stripe.FinancialConnections.Account;
      await stripe.financialConnections.accounts.disconnect(target.id);
      const disconnected = (
        await allEvents(stripe, { type: 'financial_connections.account.disconnected' })
      ).filter((e) => (e.data.object as { id: string }).id === target.id);
      assert.equal(disconnected.length, 1);
      assert.equal(((disconnected[0] as Event).data.object as { status: string }).status, 'disconnected');

      const wildcard = await allEvents(stripe, { type: 'financial_connections.account.*' });
      assert.ok(wildcard.length >= ids.length * 3 + 1);
      assert.ok(wildcard.every((e) => e.type.startsWith('financial_connections.account.')));
    });

    test('filters: types[], created, pagination; another merchant sees none', async () => {
      const stripe = h.stripe();
      const customer = await stripe.customers.create({ name: 'filtered' });
      await stripe.customers.update(customer.id, { name: 'filtered again' });
      const both = await allEvents(stripe, { types: ['customer.created', 'customer.updated'] });
      assert.ok(both.every((e) => e.type === 'customer.created' || e.type === 'customer.updated'));
      assert.equal(about(both, customer.id).length, 2);

      const all = await allEvents(stripe);
      const newest = all[0] as Event;
      const future = await stripe.events.list({ created: { gt: newest.created } });
      assert.equal(future.data.length, 0);
      const exact = await allEvents(stripe, { created: newest.created });
      assert.ok(exact.some((e) => e.id === newest.id));

      const first = await stripe.events.list({ limit: 2 });
      assert.equal(first.url, '/v1/events');
      assert.equal(first.has_more, true);
      const next = await stripe.events.list({ limit: 2, starting_after: first.data[1]?.id as string });
      assert.deepEqual(
        next.data.map((e) => e.id),
        all.slice(2, 4).map((e) => e.id),
      );

      const both2 = await h.fetch('/v1/events?type=customer.created&types[0]=customer.updated');
      assert.equal(both2.status, 400);
      assert.equal((both2.body.error as { code: string }).code, 'parameters_exclusive');

      const other = await h.otherMerchant();
      const theirs = await h.stripe({ key: other.secretKey }).events.list();
      assert.equal(theirs.data.length, 0);
      await assert.rejects(
        h.stripe({ key: other.secretKey }).events.retrieve(newest.id),
        (e: Stripe.errors.StripeError) => e.statusCode === 404 && e.code === 'resource_missing',
      );
    });

    test('a failed request writes no event', async () => {
      const stripe = h.stripe();
      const before = (await allEvents(stripe)).length;
      await assert.rejects(stripe.customers.create({ email: 'not-an-email' }));
      await assert.rejects(stripe.customers.update('cus_missing', { name: 'x' }));
      await assert.rejects(stripe.customers.del('cus_missing'));
      assert.equal((await allEvents(stripe)).length, before);
    });
  });
}
