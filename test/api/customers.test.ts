import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { backends } from '../support/backends.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { assertStripeError } from '../support/stripe-schemas.ts';

for (const backend of backends) {
  describe(`customers on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(() => h?.close());

    test('create, retrieve, update, delete with the official SDK', async () => {
      const stripe = h.stripe();
      const created = await stripe.customers.create({
        email: 'ada@example.com',
        name: 'Ada Lovelace',
        description: 'first',
        metadata: { plan: 'pro', region: 'eu' },
      });
      assert.match(created.id, /^cus_[A-Za-z0-9]{24}$/);
      assert.deepEqual(
        { ...created, id: undefined, created: undefined, invoice_prefix: undefined, lastResponse: undefined },
        {
          id: undefined,
          object: 'customer',
          address: null,
          balance: 0,
          created: undefined,
          currency: null,
          default_source: null,
          delinquent: false,
          description: 'first',
          discount: null,
          email: 'ada@example.com',
          invoice_prefix: undefined,
          invoice_settings: {
            custom_fields: null,
            default_payment_method: null,
            footer: null,
            rendering_options: null,
          },
          livemode: false,
          metadata: { plan: 'pro', region: 'eu' },
          name: 'Ada Lovelace',
          next_invoice_sequence: 1,
          phone: null,
          preferred_locales: [],
          shipping: null,
          tax_exempt: 'none',
          test_clock: null,
          lastResponse: undefined,
        },
      );
      assert.ok(Math.abs(created.created - Date.now() / 1000) < 60);

      const fetched = await stripe.customers.retrieve(created.id);
      assert.equal(fetched.id, created.id);

      const updated = await stripe.customers.update(created.id, {
        name: 'Ada King',
        metadata: { plan: '', tier: 'gold' },
      });
      assert.equal(updated.name, 'Ada King');
      assert.equal(updated.email, 'ada@example.com');
      assert.deepEqual(updated.metadata, { region: 'eu', tier: 'gold' });

      const cleared = await stripe.customers.update(created.id, { description: '', metadata: '' });
      assert.equal(cleared.description, null);
      assert.deepEqual(cleared.metadata, {});

      const deleted = await stripe.customers.del(created.id);
      assert.deepEqual(
        { id: deleted.id, object: deleted.object, deleted: deleted.deleted },
        { id: created.id, object: 'customer', deleted: true },
      );
      const again = await stripe.customers.retrieve(created.id);
      assert.equal((again as Stripe.DeletedCustomer).deleted, true);
      await assert.rejects(
        stripe.customers.update(created.id, { name: 'x' }),
        (e: Stripe.errors.StripeError) => {
          assert.equal(e.statusCode, 404);
          assert.equal(e.code, 'resource_missing');
          return true;
        },
      );
    });

    test('list newest first with cursors and filters', async () => {
      const stripe = h.stripe();
      const email = `list-${Date.now()}@example.com`;
      const made: string[] = [];
      for (let i = 0; i < 5; i++) made.push((await stripe.customers.create({ email, name: `n${i}` })).id);
      const newestFirst = [...made].reverse();

      const first = await stripe.customers.list({ email, limit: 2 });
      assert.deepEqual(
        first.data.map((c) => c.id),
        newestFirst.slice(0, 2),
      );
      assert.equal(first.has_more, true);
      assert.equal(first.url, '/v1/customers');

      const second = await stripe.customers.list({ email, limit: 2, starting_after: newestFirst[1] });
      assert.deepEqual(
        second.data.map((c) => c.id),
        newestFirst.slice(2, 4),
      );
      const back = await stripe.customers.list({ email, limit: 2, ending_before: newestFirst[2] });
      assert.deepEqual(
        back.data.map((c) => c.id),
        newestFirst.slice(0, 2),
      );
      assert.equal(back.has_more, false);

      const all: string[] = [];
      for await (const c of stripe.customers.list({ email, limit: 2 })) all.push(c.id);
      assert.deepEqual(all, newestFirst);
    });

    test('bad input is refused with Stripe-shaped errors and changes nothing', async () => {
      const stripe = h.stripe();
      const before = await stripe.customers.list({ limit: 100 });
      await assert.rejects(
        stripe.customers.create({ email: 'not-an-email' }),
        (e: Stripe.errors.StripeError) => {
          assert.equal(e.type, 'StripeInvalidRequestError');
          assert.equal(e.code, 'email_invalid');
          assert.equal(e.param, 'email');
          return true;
        },
      );
      const unknown = await h.fetch('/v1/customers', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'name=x&nickname=y',
      });
      assert.equal(unknown.status, 400);
      assertStripeError(unknown.body);
      assert.deepEqual(unknown.body.error, {
        type: 'invalid_request_error',
        code: 'parameter_unknown',
        param: 'nickname',
        message: 'Received unknown parameter: nickname',
        doc_url: 'https://stripe.com/docs/error-codes/parameter-unknown',
        request_log_url: `${h.url}/dashboard/logs/${unknown.headers.get('request-id')}`,
      });
      const after = await stripe.customers.list({ limit: 100 });
      assert.equal(after.data.length, before.data.length);
    });

    test('another merchant cannot see the customer', async () => {
      const mine = await h.stripe().customers.create({ name: 'private' });
      const other = await h.otherMerchant();
      await assert.rejects(
        h.stripe({ key: other.secretKey }).customers.retrieve(mine.id),
        (e: Stripe.errors.StripeError) => {
          assert.equal(e.statusCode, 404);
          assert.equal(e.message, `No such customer: '${mine.id}'`);
          return true;
        },
      );
      const theirs = await h.stripe({ key: other.secretKey }).customers.list();
      assert.equal(theirs.data.length, 0);
    });
  });
}
