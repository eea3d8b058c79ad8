import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import Stripe from 'stripe';
import { backends } from '../../support/backends.ts';
import { type Harness, startHarness } from '../../support/harness.ts';
import { closeReceivers, eventOf, startReceiver } from '../../support/receiver.ts';
import { assertEventMatchesSchema, assertMatchesSchema } from '../../support/stripe-schemas.ts';

const verifier = new Stripe('sk_test_unused_for_verification');

for (const backend of backends) {
  describe(`Connect webhook endpoints on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    afterEach(() => closeReceivers());
    after(() => h?.close());

    test('a Connect endpoint hears the connected accounts’ events; a plain one the platform’s own', async () => {
      const stripe = h.stripe();
      const connectReceiver = await startReceiver('/connect');
      const ownReceiver = await startReceiver('/own');
      const connectEndpoint = await stripe.webhookEndpoints.create({
        url: connectReceiver.url,
        enabled_events: ['customer.created', 'account.updated'],
        connect: true,
      });
      assertMatchesSchema('webhook_endpoint', connectEndpoint);
      const ownEndpoint = await stripe.webhookEndpoints.create({
        url: ownReceiver.url,
        enabled_events: ['customer.created', 'account.updated'],
      });

      const shop = await stripe.accounts.create({ type: 'custom' });
      const theirs = await stripe.customers.create({ email: 'c@example.com' }, { stripeAccount: shop.id });
      const mine = await stripe.customers.create({ email: 'p@example.com' });
      await stripe.accounts.update(shop.id, { metadata: { tier: 'gold' } });

      const heard = await connectReceiver.waitFor(2);
      const connectEvents = heard.map((r) =>
        verifier.webhooks.constructEvent(
          r.body,
          String(r.headers['stripe-signature']),
          connectEndpoint.secret as string,
        ),
      );
      for (const event of connectEvents) {
        assertEventMatchesSchema(event);
        assert.equal(event.account, shop.id);
      }
      const created = connectEvents.find((e) => e.type === 'customer.created');
      assert.ok(created, "the connected account's customer.created reached the Connect endpoint");
      assert.equal((created.data.object as Stripe.Customer).id, theirs.id);
      const updated = connectEvents.find((e) => e.type === 'account.updated');
      assert.ok(updated, 'the account update reached the Connect endpoint');
      assert.equal((updated.data.object as Stripe.Account).id, shop.id);
      assert.deepEqual((updated.data.object as Stripe.Account).metadata, { tier: 'gold' });
      assert.deepEqual(updated.data.previous_attributes, { metadata: { tier: '' } });

      const [own] = await ownReceiver.waitFor(1);
      assert.ok(own);
      const ownEvent = eventOf(own);
      assert.equal(ownEvent.type, 'customer.created');
      assert.equal((ownEvent.data as { object: { id: string } }).object.id, mine.id);
      assert.equal('account' in ownEvent, false);

      // Each endpoint was sent only its own kind of event: one delivery each, per event.
      const deliveries = await h.running.store.db
        .selectFrom('webhook_deliveries')
        .select(['endpoint_id', 'merchant_id'])
        .where('endpoint_id', 'in', [connectEndpoint.id, ownEndpoint.id])
        .execute();
      const to = (id: string) => deliveries.filter((d) => d.endpoint_id === id);
      assert.equal(to(connectEndpoint.id).length, 2);
      assert.equal(to(ownEndpoint.id).length, 1);
      // Deliveries belong to the endpoint's merchant: the platform.
      assert.ok(deliveries.every((d) => d.merchant_id === h.running.merchant.id));
      assert.equal(connectReceiver.received.length, 2);
      assert.equal(ownReceiver.received.length, 1);
    });
  });
}
