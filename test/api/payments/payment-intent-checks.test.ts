import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { backends } from '../../support/backends.ts';
import { body } from '../../support/fc.ts';
import { type Harness, startHarness } from '../../support/harness.ts';
import {
  checked,
  intentBody,
  linkForPayments,
  onlineAcceptance,
  refused,
  savedPaymentMethod,
} from '../../support/payments.ts';
import { assertEventMatchesSchema, assertListOf } from '../../support/stripe-schemas.ts';

for (const backend of backends) {
  describe(`PaymentIntent lifecycle and refusals on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(() => h?.close());

    /** What the merchant has: a refusal must change none of it. */
    async function snapshot(stripe: Stripe) {
      const [intents, charges, events] = await Promise.all([
        stripe.paymentIntents.list({ limit: 100 }),
        stripe.charges.list({ limit: 100 }),
        stripe.events.list({ limit: 1 }),
      ]);
      return {
        intents: intents.data.map((i) => [i.id, i.status, i.payment_method, i.amount]),
        charges: charges.data.map((c) => [c.id, c.status]),
        newestEvent: events.data[0]?.id,
      };
    }

    test('create without a PaymentMethod, update, confirm with mandate_data, cancel, list and events', async () => {
      const { stripe, customer, account } = await linkForPayments(h);
      // Made on its own: the PaymentMethod has no mandate until a confirmation brings one.
      const pm = await stripe.paymentMethods.create({
        type: 'us_bank_account',
        us_bank_account: { financial_connections_account: account.id },
      });
      const created = checked(
        'payment_intent',
        await stripe.paymentIntents.create({
          amount: 2000,
          currency: 'usd',
          customer: customer.id,
          description: 'Invoice 7',
          metadata: { order: '7' },
        }),
      );
      const base = {
        id: created.id,
        client_secret: created.client_secret,
        created: created.created,
        customer: customer.id,
        description: 'Invoice 7',
      };
      assert.deepEqual(
        created,
        intentBody({ ...base, amount: 2000, metadata: { order: '7' }, status: 'requires_payment_method' }),
      );
      const updated = checked(
        'payment_intent',
        await stripe.paymentIntents.update(created.id, {
          amount: 2500,
          payment_method: pm.id,
          metadata: { order: '', batch: 'b1' },
        }),
      );
      assert.deepEqual(
        updated,
        intentBody({
          ...base,
          amount: 2500,
          metadata: { batch: 'b1' },
          payment_method: pm.id,
          status: 'requires_confirmation',
        }),
      );
      const before = await snapshot(stripe);
      await refused(stripe.paymentIntents.confirm(created.id), {
        statusCode: 400,
        code: 'parameter_missing',
        param: 'mandate_data',
      });
      assert.deepEqual(await snapshot(stripe), before, 'a confirmation without a mandate changes nothing');
      const processing = checked(
        'payment_intent',
        await stripe.paymentIntents.confirm(created.id, { mandate_data: onlineAcceptance }),
      );
      assert.equal(processing.status, 'processing');
      const charge = await stripe.charges.retrieve(processing.latest_charge as string);
      const mandate = await stripe.mandates.retrieve(
        charge.payment_method_details?.us_bank_account?.mandate as string,
      );
      assert.deepEqual(
        [mandate.status, mandate.payment_method, mandate.customer_acceptance.online?.ip_address],
        ['active', pm.id, onlineAcceptance.customer_acceptance.online.ip_address],
      );
      // One call at a time: each refusal is awaited as soon as it is made.
      for (const call of [
        () => stripe.paymentIntents.cancel(created.id),
        () => stripe.paymentIntents.update(created.id, { amount: 3000 }),
        () => stripe.paymentIntents.confirm(created.id, { mandate: mandate.id }),
      ]) {
        await refused(
          call(),
          { statusCode: 400, code: 'payment_intent_unexpected_state', param: undefined },
          /processing/,
        );
      }

      const other = await stripe.paymentIntents.create({
        amount: 500,
        currency: 'usd',
        customer: customer.id,
      });
      const canceled = checked(
        'payment_intent',
        await stripe.paymentIntents.cancel(other.id, { cancellation_reason: 'abandoned' }),
      );
      assert.equal(typeof canceled.canceled_at, 'number');
      assert.deepEqual(
        canceled,
        intentBody({
          id: other.id,
          amount: 500,
          client_secret: other.client_secret,
          created: other.created,
          customer: customer.id,
          status: 'canceled',
          canceled_at: canceled.canceled_at,
          cancellation_reason: 'abandoned',
        }),
      );
      await refused(stripe.paymentIntents.confirm(other.id, { payment_method: pm.id }), {
        statusCode: 400,
        code: 'payment_intent_unexpected_state',
        param: undefined,
      });

      const listed = await stripe.paymentIntents.list({ customer: customer.id, limit: 1 });
      assertListOf('payment_intent', body(listed), '/v1/payment_intents');
      assert.deepEqual([listed.data.map((i) => i.id), listed.has_more], [[other.id], true]);
      const all = await stripe.paymentIntents.list({ customer: customer.id });
      assert.deepEqual(
        all.data.map((i) => [i.id, i.status]),
        [
          [other.id, 'canceled'],
          [created.id, 'processing'],
        ],
      );
      const types: string[] = [];
      for await (const e of stripe.events.list({ limit: 100 })) {
        assertEventMatchesSchema(e);
        const id = (e.data.object as { id: string }).id;
        if (id === created.id || id === other.id) types.push(`${e.type}:${id === created.id ? 1 : 2}`);
      }
      assert.deepEqual(types.reverse(), [
        'payment_intent.created:1',
        'payment_intent.processing:1',
        'payment_intent.created:2',
        'payment_intent.canceled:2',
      ]);
    });

    test('mandates, customers and parameters are checked before anything is written', async () => {
      const saved = await savedPaymentMethod(h);
      const { stripe, customer, paymentMethod, mandate } = saved;
      const stranger = await stripe.customers.create({ name: 'someone else' });
      const pay = (params: Partial<Stripe.PaymentIntentCreateParams>) =>
        stripe.paymentIntents.create({
          amount: 1000,
          currency: 'usd',
          customer: customer.id,
          payment_method: paymentMethod,
          confirm: true,
          ...params,
        } as Stripe.PaymentIntentCreateParams);
      const second = await savedPaymentMethod(h);
      const before = await snapshot(stripe);
      const cases: Array<[Partial<Stripe.PaymentIntentCreateParams>, object, RegExp?]> = [
        [{ customer: stranger.id }, { code: 'payment_intent_invalid_parameter', param: 'payment_method' }],
        [{ customer: undefined }, { code: 'payment_intent_invalid_parameter', param: 'payment_method' }],
        [{ amount: 49 }, { code: 'amount_too_small', param: 'amount' }],
        [{ amount: 100_000_000 }, { code: 'amount_too_large', param: 'amount' }],
        [{ currency: 'eur' }, { code: undefined, param: 'currency' }],
        [{ mandate: 'mandate_missing' }, { statusCode: 404, code: 'resource_missing', param: 'mandate' }],
        [
          { mandate, mandate_data: onlineAcceptance },
          { code: 'parameters_exclusive', param: 'mandate_data' },
        ],
        [{ mandate, confirm: false }, { code: undefined, param: 'mandate' }, /confirm=true/],
        [
          { payment_method: 'pm_missing' },
          { statusCode: 404, code: 'resource_missing', param: 'payment_method' },
        ],
        [
          { payment_method: undefined },
          { code: 'payment_intent_unexpected_state', param: undefined },
          /missing a payment method/,
        ],
      ];
      for (const [params, expected, message] of cases) {
        await refused(pay(params), { statusCode: 400, ...expected }, message);
      }
      // A mandate of another PaymentMethod, and one that ended when its PaymentMethod was detached.
      await refused(pay({ mandate: second.mandate }), {
        statusCode: 400,
        code: 'payment_intent_mandate_invalid',
        param: 'mandate',
      });
      assert.deepEqual(await snapshot(stripe), before, 'nothing was written');
      await stripe.paymentMethods.detach(second.paymentMethod);
      await refused(
        second.stripe.paymentIntents.create({
          amount: 1000,
          currency: 'usd',
          payment_method: second.paymentMethod,
          mandate: second.mandate,
          confirm: true,
        }),
        { statusCode: 400, code: 'payment_intent_mandate_invalid', param: 'mandate' },
        /is inactive/,
      );
      // The saved mandate is found without being named, as in Stripe's off-session example.
      assert.equal((await pay({ off_session: true })).status, 'processing');
      const named = await pay({ mandate });
      assert.equal(named.status, 'processing');
      const charge = await stripe.charges.retrieve(named.latest_charge as string);
      assert.equal(charge.payment_method_details?.us_bank_account?.mandate, mandate);
    });

    test('a publishable key reads a PaymentIntent with its client secret only, and sees less', async () => {
      const { stripe, customer } = await linkForPayments(h);
      const intent = await stripe.paymentIntents.create({
        amount: 700,
        currency: 'usd',
        customer: customer.id,
      });
      const browser = h.stripe({ key: h.publishableKey });
      // A publishable key sees a subset of the fields, so the SDK's full list does not apply.
      const seen = body(
        await browser.paymentIntents.retrieve(intent.id, { client_secret: intent.client_secret as string }),
      );
      assert.deepEqual(seen, {
        id: intent.id,
        object: 'payment_intent',
        amount: 700,
        automatic_payment_methods: null,
        canceled_at: null,
        cancellation_reason: null,
        capture_method: 'automatic',
        client_secret: intent.client_secret,
        confirmation_method: 'automatic',
        created: intent.created,
        currency: 'usd',
        description: null,
        last_payment_error: null,
        livemode: false,
        next_action: null,
        payment_method: null,
        payment_method_configuration_details: null,
        payment_method_types: ['us_bank_account'],
        processing: null,
        receipt_email: null,
        setup_future_usage: null,
        shipping: null,
        status: 'requires_payment_method',
      });
      const other = await stripe.paymentIntents.create({ amount: 700, currency: 'usd' });
      await refused(
        browser.paymentIntents.retrieve(intent.id, { client_secret: other.client_secret as string }),
        { statusCode: 400, param: 'client_secret', code: undefined },
      );
      await refused(browser.paymentIntents.retrieve(intent.id), {
        statusCode: 400,
        param: 'client_secret',
        code: 'parameter_missing',
      });
      for (const call of [
        () => browser.paymentIntents.create({ amount: 700, currency: 'usd' }),
        () => browser.paymentIntents.list(),
        () => browser.charges.list(),
      ]) {
        await assert.rejects(call(), (e: Stripe.errors.StripeError) => {
          assert.deepEqual([e.statusCode, e.code], [401, 'secret_key_required']);
          return true;
        });
      }
      const otherMerchant = h.stripe({ key: (await h.otherMerchant()).secretKey });
      await refused(otherMerchant.paymentIntents.retrieve(intent.id), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'intent',
      });
      await refused(otherMerchant.charges.retrieve('ch_missing'), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'charge',
      });
    });

    test('a create with confirm repeated with its Idempotency-Key answers as the first did', async () => {
      const saved = await savedPaymentMethod(h);
      const { stripe } = saved;
      const params: Stripe.PaymentIntentCreateParams = {
        amount: 1500,
        currency: 'usd',
        customer: saved.customer.id,
        payment_method: saved.paymentMethod,
        confirm: true,
      };
      const key = `pi-${saved.paymentMethod}`;
      const first = await stripe.paymentIntents.create(params, { idempotencyKey: key });
      const again = await stripe.paymentIntents.create(params, { idempotencyKey: key });
      assert.deepEqual(body(again), body(first));
      assert.equal(again.lastResponse.headers['idempotent-replayed'], 'true');
      assert.equal((await stripe.paymentIntents.list({ customer: saved.customer.id })).data.length, 1);
      assert.equal((await stripe.charges.list({ payment_intent: first.id })).data.length, 1);
    });
  });
}
