import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { availableOn } from '../../../src/domain/payments/ach-funds.ts';
import { backends } from '../../support/backends.ts';
import { body } from '../../support/fc.ts';
import { usdFunds } from '../../support/funds.ts';
import { gaVersion, type Harness, previewVersion, startHarness } from '../../support/harness.ts';
import { advanceClock, checked, clockNow, refused, savedPaymentMethod } from '../../support/payments.ts';
import { assertListOf } from '../../support/stripe-schemas.ts';

type Saved = Awaited<ReturnType<typeof savedPaymentMethod>>;

for (const backend of backends) {
  describe(`balance transactions of ACH charges on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    let saved: Saved;
    let merchantId: string;
    before(async () => {
      h = await startHarness(backend);
      saved = await savedPaymentMethod(h);
      const credential = await h.running.services.merchants.authenticate(h.secretKey);
      assert.ok(credential);
      merchantId = credential.merchant.id;
    });
    after(() => h?.close());

    /** A debit of `amount` from the saved PaymentMethod, processing until it settles. */
    async function pay(amount: number, description?: string) {
      const intent = await saved.stripe.paymentIntents.create({
        amount,
        currency: 'usd',
        customer: saved.customer.id,
        payment_method: saved.paymentMethod,
        off_session: true,
        confirm: true,
        ...(description === undefined ? {} : { description }),
      });
      assert.equal(intent.status, 'processing');
      const record = await h.running.services.paymentIntents.get(merchantId, intent.id);
      assert.ok(record.settlesAt !== null);
      return { intent, charge: intent.latest_charge as string, settlesAt: record.settlesAt };
    }

    /** Moves the clock just past `at`: what fell due by then has settled. */
    async function reach(at: number) {
      const now = await clockNow(saved.stripe);
      if (at >= now) await advanceClock(saved.stripe, at - now + 1);
    }

    function txnBody(fields: {
      id: string;
      created: number;
      amount: number;
      fee: number;
      source: string;
      available_on: number;
      status: string;
      description?: string | null;
    }) {
      return {
        id: fields.id,
        object: 'balance_transaction',
        amount: fields.amount,
        available_on: fields.available_on,
        balance_type: 'payments',
        created: fields.created,
        currency: 'usd',
        description: fields.description ?? null,
        exchange_rate: null,
        fee: fields.fee,
        fee_details: [
          {
            amount: fields.fee,
            application: null,
            currency: 'usd',
            description: 'Stripe processing fees',
            type: 'stripe_fee',
          },
        ],
        net: fields.amount - fields.fee,
        reporting_category: 'charge',
        source: fields.source,
        status: fields.status,
        type: 'charge',
      };
    }

    test('a debit that succeeds adds its amount less the ACH fee, pending until available_on on the sandbox clock', async () => {
      const { stripe } = saved;
      const funds = () => h.running.services.balanceTransactions.fundsByStatus(merchantId);
      assert.deepEqual(await funds(), [], 'nothing in the balance yet');
      const { intent, charge, settlesAt } = await pay(1099, 'Order 12');
      assert.equal((await stripe.charges.retrieve(charge)).balance_transaction, null, 'none while pending');
      assert.deepEqual((await stripe.balanceTransactions.list({ source: charge })).data, []);

      await reach(settlesAt);
      const paid = await stripe.charges.retrieve(charge);
      assert.equal(paid.status, 'succeeded');
      const txnId = paid.balance_transaction as string;
      assert.equal(paid.failure_balance_transaction, null, 'a succeeded debit has no failure funds');
      assert.match(txnId, /^txn_[0-9A-Za-z]{24,}$/);
      const pending = checked('balance_transaction', await stripe.balanceTransactions.retrieve(txnId));
      // 0.8% of $10.99 is 8.792 cents: 9 cents.
      const expected = {
        id: txnId,
        created: pending.created,
        amount: 1099,
        fee: 9,
        source: charge,
        available_on: availableOn(settlesAt),
        description: 'Order 12',
      };
      assert.deepEqual(pending, txnBody({ ...expected, status: 'pending' }));
      assert.equal(pending.available_on % 86_400, 0, 'available from the start of a day (UTC)');
      assert.ok(pending.available_on - settlesAt > 86_400, 'available days after the debit succeeds');
      assert.deepEqual(await funds(), [{ currency: 'usd', available: 0, pending: 1090 }]);
      assert.deepEqual(await usdFunds(stripe), { available: 0, pending: 1090 }, 'GET /v1/balance agrees');

      // Expansions: the charge's balance_transaction, through the PaymentIntent, and back to the source.
      const withTxn = await stripe.charges.retrieve(charge, { expand: ['balance_transaction'] });
      assert.deepEqual(body(withTxn.balance_transaction as Stripe.BalanceTransaction), pending);
      const viaIntent = await stripe.paymentIntents.retrieve(intent.id, {
        expand: ['latest_charge.balance_transaction'],
      });
      const latest = viaIntent.latest_charge as Stripe.Charge;
      assert.deepEqual(body(latest.balance_transaction as Stripe.BalanceTransaction), pending);
      const withSource = await stripe.balanceTransactions.retrieve(txnId, { expand: ['source'] });
      assert.deepEqual(body(withSource.source as Stripe.Charge), body(paid));

      // An hour before: the real seconds this test takes cannot carry the clock past it.
      await reach(pending.available_on - 3600);
      assert.equal(
        (await stripe.balanceTransactions.retrieve(txnId)).status,
        'pending',
        'not available early',
      );
      await reach(pending.available_on);
      const available = checked('balance_transaction', await stripe.balanceTransactions.retrieve(txnId));
      assert.deepEqual(available, txnBody({ ...expected, status: 'available' }));
      assert.deepEqual(await funds(), [{ currency: 'usd', available: 1090, pending: 0 }]);
      assert.deepEqual(await usdFunds(stripe), { available: 1090, pending: 0 });
    });

    test('the fee is 0.8% rounded to the cent and at most $5.00; failed debits add nothing', async () => {
      const { stripe } = saved;
      const large = await pay(100_000);
      const small = await pay(50);
      await reach(Math.max(large.settlesAt, small.settlesAt));
      const fees = await Promise.all(
        [large.charge, small.charge].map(async (charge) => {
          const [txn] = (await stripe.balanceTransactions.list({ source: charge })).data;
          assert.ok(txn, `a balance transaction for ${charge}`);
          return [txn.amount, txn.fee, txn.net];
        }),
      );
      assert.deepEqual(fees, [
        [100_000, 500, 99_500],
        [50, 0, 50],
      ]);
    });

    test('the list is newest first, filters by type, source, currency and created, and pages with cursors', async () => {
      const { stripe } = saved;
      const made = [];
      for (const amount of [700, 800, 900]) made.push(await pay(amount));
      await reach(Math.max(...made.map((m) => m.settlesAt)));
      const all = await stripe.balanceTransactions.list({ limit: 100 });
      assertListOf('balance_transaction', body(all), '/v1/balance_transactions');
      assert.equal(all.url, '/v1/balance_transactions');
      const ids = all.data.map((t) => t.id);
      assert.deepEqual(ids, [...ids].sort().reverse(), 'newest first');
      const ours = await Promise.all(
        made.map(async (m) => (await stripe.charges.retrieve(m.charge)).balance_transaction as string),
      );
      assert.deepEqual(ids.slice(0, 3), [...ours].reverse());

      const first = await stripe.balanceTransactions.list({ limit: 2 });
      assert.deepEqual([first.data.map((t) => t.id), first.has_more], [ids.slice(0, 2), true]);
      const next = await stripe.balanceTransactions.list({ limit: 2, starting_after: ids[1] as string });
      assert.deepEqual(
        next.data.map((t) => t.id),
        ids.slice(2, 4),
      );
      const back = await stripe.balanceTransactions.list({ limit: 2, ending_before: ids[2] as string });
      assert.deepEqual([back.data.map((t) => t.id), back.has_more], [ids.slice(0, 2), false]);
      const autoPaged: string[] = [];
      for await (const t of stripe.balanceTransactions.list({ limit: 2 })) autoPaged.push(t.id);
      assert.deepEqual(autoPaged, ids);

      const bySource = await stripe.balanceTransactions.list({ source: made[1]?.charge as string });
      assert.deepEqual(
        bySource.data.map((t) => t.id),
        [ours[1]],
      );
      assert.deepEqual(
        (await stripe.balanceTransactions.list({ type: 'charge', limit: 100 })).data.length,
        ids.length,
      );
      assert.deepEqual((await stripe.balanceTransactions.list({ type: 'payout' })).data, []);
      assert.equal(
        (await stripe.balanceTransactions.list({ currency: 'USD', limit: 100 })).data.length,
        ids.length,
      );
      assert.deepEqual((await stripe.balanceTransactions.list({ currency: 'eur' })).data, []);
      const created = all.data.map((t) => t.created);
      const newest = Math.max(...created);
      const since = await stripe.balanceTransactions.list({ created: { gte: newest }, limit: 100 });
      assert.deepEqual(
        since.data.map((t) => t.id),
        all.data.filter((t) => t.created >= newest).map((t) => t.id),
      );
      assert.deepEqual((await stripe.balanceTransactions.list({ created: { gt: newest } })).data, []);
    });

    test('bad requests get Stripe errors naming the parameter; another merchant sees nothing', async () => {
      const { stripe } = saved;
      const [txn] = (await stripe.balanceTransactions.list({ limit: 1 })).data;
      assert.ok(txn, 'an earlier test made a balance transaction');
      await refused(stripe.balanceTransactions.retrieve('txn_missing'), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'id',
      });
      const other = h.stripe({ key: (await h.otherMerchant()).secretKey });
      await refused(other.balanceTransactions.retrieve(txn.id), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'id',
      });
      assert.deepEqual((await other.balanceTransactions.list()).data, []);
      await refused(
        stripe.balanceTransactions.list({ type: 'bogus' }),
        { statusCode: 400, code: undefined, param: 'type' },
        /must be one of/,
      );
      await refused(stripe.balanceTransactions.list({ limit: 0 }), {
        statusCode: 400,
        code: 'parameter_invalid_integer',
        param: 'limit',
      });
      await refused(stripe.balanceTransactions.list({ starting_after: txn.id, ending_before: txn.id }), {
        statusCode: 400,
        code: 'parameters_exclusive',
        param: 'ending_before',
      });
      await refused(
        stripe.balanceTransactions.list({ payout_id: 'po_1' } as Stripe.BalanceTransactionListParams),
        { statusCode: 400, code: 'parameter_unknown', param: 'payout_id' },
      );
      await refused(stripe.balanceTransactions.retrieve(txn.id, { expand: ['fee_details.nothing'] }), {
        statusCode: 400,
        code: undefined,
        param: 'expand',
      });
      const unauthenticated = await h.fetch(`/v1/balance_transactions/${txn.id}`, { key: null });
      assert.equal(unauthenticated.status, 401, unauthenticated.text);
    });

    test('on the GA version and the preview versions, retrieve and list match the schemas and agree', async () => {
      const [txn] = (await saved.stripe.balanceTransactions.list({ limit: 1 })).data;
      assert.ok(txn);
      const bodies: unknown[] = [];
      for (const apiVersion of [gaVersion, previewVersion, '2026-07-29.preview']) {
        const stripe = h.stripe({ apiVersion });
        const retrieved = checked('balance_transaction', await stripe.balanceTransactions.retrieve(txn.id));
        const listed = await stripe.balanceTransactions.list({ limit: 3 });
        assertListOf('balance_transaction', body(listed), '/v1/balance_transactions');
        const charge: Stripe.Charge = await stripe.charges.retrieve(txn.source as string);
        assert.equal(checked('charge', charge).balance_transaction, txn.id);
        bodies.push(retrieved);
      }
      assert.deepEqual(bodies[1], bodies[0]);
      assert.deepEqual(bodies[2], bodies[0]);
    });
  });
}
