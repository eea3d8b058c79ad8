import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { backends, type ProvisionedDatabase } from '../support/backends.ts';
import { eventually } from '../support/eventually.ts';
import { cleanUp, type Server, serve } from '../support/processes.ts';
import { closeReceivers, eventOf, startReceiver } from '../support/receiver.ts';

/**
 * openfc killed with SIGKILL in the middle of a burst of changes and of their deliveries: after a
 * restart on the same database every event that was written is delivered at least once.
 */

const databases: ProvisionedDatabase[] = [];
after(async () => {
  await closeReceivers();
  await cleanUp();
  for (const database of databases) await database.drop();
});

const keys = {
  OPENFC_SECRET_KEY: 'sk_test_DurabilityKey000000000001',
  OPENFC_PUBLISHABLE_KEY: 'pk_test_DurabilityKey000000000002',
};

for (const backend of backends) {
  describe(`webhook delivery survives kill -9 on ${backend.name}`, { skip: backend.skip }, () => {
    test('every event written before the crash is delivered after the restart', async () => {
      const database = await backend.provision();
      databases.push(database);
      const args = [
        '--data-dir',
        database.dataDir,
        ...(database.databaseUrl ? ['--database', database.databaseUrl] : []),
        '--webhook-retries',
        '0.2,0.5,1,2',
        '--webhook-timeout',
        '1',
      ];
      // A slow receiver, so that deliveries are in flight when the process dies.
      const receiver = await startReceiver('/webhook', { delayMs: 200 });
      let server: Server = await serve(args, keys);
      const stripe = server.stripe(keys.OPENFC_SECRET_KEY);
      await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['customer.created'] });

      const confirmed: string[] = [];
      let stop = false;
      const burst = async (worker: number) => {
        for (let i = 0; !stop; i++) {
          try {
            const customer = await stripe.customers.create({ email: `w${worker}-${i}@example.com` });
            confirmed.push(customer.id);
          } catch {
            return; // the server died under this request
          }
        }
      };
      const workers = Array.from({ length: 8 }, (_, i) => burst(i));
      await receiver.waitFor(20, () => true, 20_000);
      // From here the receiver answers nothing, so that whatever the writers add stays in the
      // outbox or in flight: the crash is sure to leave deliveries to make.
      receiver.stallAll(true);
      await eventually(
        'the writers to get ahead of the deliveries (retries of the stalled ones do not count)',
        () => confirmed.length - new Set(receiver.received.map((r) => eventOf(r).id)).size,
        (ahead) => ahead >= 10,
        20_000,
      );
      await server.kill();
      receiver.stallAll(false);
      stop = true;
      await Promise.all(workers);
      const deliveredBeforeCrash = new Set(receiver.received.map((r) => eventOf(r).id));
      assert.ok(confirmed.length >= 20, `${confirmed.length} customers made before the crash`);

      server = await serve(args, keys);
      const restarted: Stripe = server.stripe(keys.OPENFC_SECRET_KEY);
      const written: Array<{ id: string; customer: string }> = [];
      for await (const event of restarted.events.list({ type: 'customer.created', limit: 100 }))
        written.push({ id: event.id, customer: (event.data.object as Stripe.Customer).id });
      // Every customer the API confirmed has its event; some unconfirmed ones may have committed too.
      const eventCustomers = new Set(written.map((e) => e.customer));
      for (const id of confirmed) assert.ok(eventCustomers.has(id), `event for ${id}`);

      const wanted = new Set(written.map((e) => e.id));
      const undelivered = () => {
        const delivered = new Set(receiver.received.map((r) => eventOf(r).id));
        return [...wanted].filter((id) => !delivered.has(id));
      };
      // Deliveries claimed when the process died are sent again once their claim lapses.
      const missing = await eventually(
        'every written event to be delivered',
        undelivered,
        (left) => left.length === 0,
        30_000,
      ).catch(() => undelivered());
      assert.deepEqual(missing, [], `${missing.length} of ${wanted.size} events never delivered`);
      assert.ok(
        deliveredBeforeCrash.size < wanted.size,
        `the crash left deliveries to make (${deliveredBeforeCrash.size} of ${wanted.size} sent before it)`,
      );
      await server.stop();
    });
  });
}
