import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { afterBusinessDays } from '../../../src/domain/payments/payment-intent-rules.ts';
import { backends } from '../../support/backends.ts';
import { body } from '../../support/fc.ts';
import { checkedBalance, checkedTopup, reach, usdFunds } from '../../support/funds.ts';
import { type Harness, startHarness } from '../../support/harness.ts';
import { checked, clockNow, refused } from '../../support/payments.ts';
import { closeReceivers, type Receiver, startReceiver, verifiedEvents } from '../../support/receiver.ts';

/** A top-up as openfc renders it, from the fields a test knows. */
function topupBody(fields: Partial<Stripe.Topup> & { id: string; created: number; amount: number }) {
  return {
    object: 'topup',
    balance_transaction: null,
    currency: 'usd',
    description: null,
    expected_availability_date: null,
    failure_code: null,
    failure_message: null,
    initiated_by: 'user',
    livemode: false,
    metadata: {},
    source: null,
    statement_descriptor: null,
    status: 'pending',
    transfer_group: null,
    ...fields,
  };
}

for (const backend of backends) {
  describe(`balance and top-ups on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    let stripe: Stripe;
    before(async () => {
      h = await startHarness(backend);
      stripe = h.stripe();
    });
    afterEach(() => closeReceivers());
    after(() => h?.close());

    /** The events of `types` the receiver got, signature-verified with the endpoint's secret. */
    async function heard(receiver: Receiver, secret: string, count: number) {
      return verifiedEvents(await receiver.waitFor(count), secret);
    }

    test('a new account has a zero USD balance, available and pending', async () => {
      const balance = checkedBalance(await stripe.balance.retrieve());
      const zero = [{ amount: 0, currency: 'usd', source_types: { bank_account: 0 } }];
      assert.deepEqual(balance, { object: 'balance', available: zero, livemode: false, pending: zero });
      const shop = await stripe.accounts.create({ type: 'custom' });
      assert.deepEqual(
        checkedBalance(await stripe.balance.retrieve({}, { stripeAccount: shop.id })),
        balance,
      );
    });

    test('a top-up is pending until the debit settles on the sandbox clock, then its funds are available', async () => {
      const receiver = await startReceiver();
      const endpoint = await stripe.webhookEndpoints.create({
        url: receiver.url,
        enabled_events: ['topup.created', 'topup.succeeded', 'topup.canceled'],
      });
      const before = await usdFunds(stripe);
      const now = await clockNow(stripe);
      const created = checkedTopup(
        await stripe.topups.create({
          amount: 25_000,
          currency: 'usd',
          description: 'Bonuses for May',
          metadata: { run: 'may' },
          statement_descriptor: 'Bonuses 5',
          transfer_group: 'may-bonuses',
        }),
      );
      assert.match(created.id, /^tu_[0-9A-Za-z]{24,}$/);
      const settlesAt = created.expected_availability_date as number;
      // Settles the configured ACH settlement days later, counted from the clock when it was made.
      assert.ok(
        [now, now + 1].some((t) => afterBusinessDays(t, 4) === settlesAt),
        String(settlesAt),
      );
      const expected = topupBody({
        id: created.id,
        created: created.created,
        amount: 25_000,
        description: 'Bonuses for May',
        expected_availability_date: settlesAt,
        metadata: { run: 'may' },
        statement_descriptor: 'Bonuses 5',
        transfer_group: 'may-bonuses',
      });
      assert.deepEqual(created, expected);
      assert.deepEqual(checkedTopup(await stripe.topups.retrieve(created.id)), expected);
      assert.deepEqual(await usdFunds(stripe), before, 'nothing arrives while the top-up is pending');

      await reach(stripe, settlesAt - 3600);
      assert.equal((await stripe.topups.retrieve(created.id)).status, 'pending', 'not early');
      await reach(stripe, settlesAt);
      const settled = checkedTopup(await stripe.topups.retrieve(created.id));
      const txnId = settled.balance_transaction as string;
      assert.match(txnId, /^txn_/);
      assert.deepEqual(settled, { ...expected, status: 'succeeded', balance_transaction: txnId });
      const txn = checked('balance_transaction', await stripe.balanceTransactions.retrieve(txnId));
      assert.deepEqual(txn, {
        id: txnId,
        object: 'balance_transaction',
        amount: 25_000,
        available_on: settlesAt,
        balance_type: 'payments',
        created: txn.created,
        currency: 'usd',
        description: 'Bonuses for May',
        exchange_rate: null,
        fee: 0,
        fee_details: [],
        net: 25_000,
        reporting_category: 'topup',
        source: created.id,
        status: 'available',
        type: 'topup',
      });
      assert.deepEqual(await usdFunds(stripe), {
        available: (before.available ?? 0) + 25_000,
        pending: before.pending,
      });
      const expandedTxn = await stripe.topups.retrieve(created.id, { expand: ['balance_transaction'] });
      assert.deepEqual(body(expandedTxn.balance_transaction as Stripe.BalanceTransaction), txn);
      const withSource = await stripe.balanceTransactions.retrieve(txnId, { expand: ['source'] });
      assert.deepEqual(withSource.source, settled);
      const roundTrip = await stripe.topups.retrieve(created.id, { expand: ['balance_transaction.source'] });
      const inner = roundTrip.balance_transaction as Stripe.BalanceTransaction;
      assert.deepEqual(inner.source, settled);
      assert.deepEqual(
        (await stripe.balanceTransactions.list({ type: 'topup', source: created.id })).data.map((t) => t.id),
        [txnId],
      );

      const events = await heard(receiver, endpoint.secret as string, 2);
      assert.deepEqual(
        events.map((e) => [e.type, (e.data.object as Stripe.Topup).id]),
        [
          ['topup.created', created.id],
          ['topup.succeeded', created.id],
        ],
      );
      assert.deepEqual(checkedTopup(events[0]?.data.object as Stripe.Topup), expected);
      assert.deepEqual(checkedTopup(events[1]?.data.object as Stripe.Topup), settled);
      // Advancing again settles nothing twice.
      await reach(stripe, settlesAt + 86_400);
      assert.equal((await stripe.balanceTransactions.list({ source: created.id })).data.length, 1);
    });

    test('a pending top-up can be canceled, once; a settled one cannot', async () => {
      const receiver = await startReceiver();
      const endpoint = await stripe.webhookEndpoints.create({
        url: receiver.url,
        enabled_events: ['topup.canceled'],
      });
      const before = await usdFunds(stripe);
      const topup = await stripe.topups.create({ amount: 900, currency: 'usd' });
      const canceled = checkedTopup(await stripe.topups.cancel(topup.id));
      assert.deepEqual(
        canceled,
        topupBody({ id: topup.id, created: topup.created, amount: 900, status: 'canceled' }),
      );
      const [event] = await heard(receiver, endpoint.secret as string, 1);
      assert.equal(event?.type, 'topup.canceled');
      assert.deepEqual(checkedTopup(event?.data.object as Stripe.Topup), canceled);
      await refused(
        stripe.topups.cancel(topup.id),
        { statusCode: 400, code: undefined, param: undefined },
        /status of canceled/,
      );
      // Past the day it would have settled: a canceled top-up never adds funds.
      await reach(stripe, (topup.expected_availability_date as number) + 1);
      assert.equal((await stripe.topups.retrieve(topup.id)).status, 'canceled');
      assert.deepEqual(await usdFunds(stripe), before);

      const settled = await stripe.topups.create({ amount: 100, currency: 'usd' });
      await reach(stripe, settled.expected_availability_date as number);
      await refused(
        stripe.topups.cancel(settled.id),
        { statusCode: 400, code: undefined, param: undefined },
        /status of succeeded/,
      );
      assert.equal((await stripe.topups.retrieve(settled.id)).status, 'succeeded');
    });

    test('the scheduler’s pass settles top-ups that fell due, as an advance of the clock does', async () => {
      const merchantId = h.running.merchant.id;
      const { services } = h.running;
      const topup = await stripe.topups.create({ amount: 4_321, currency: 'usd' });
      const settlesAt = topup.expected_availability_date as number;
      // The clock moves without the test helper: nothing settles until a pass runs.
      await services.clocks.advance(merchantId, settlesAt - (await clockNow(stripe)) + 1);
      assert.equal((await stripe.topups.retrieve(topup.id)).status, 'pending');
      await services.scheduled.runFor(merchantId);
      const settled = await stripe.topups.retrieve(topup.id);
      assert.equal(settled.status, 'succeeded');
      assert.match(String(settled.balance_transaction), /^txn_/);
      // A second pass, as another process sharing the database would make, settles nothing again.
      await services.scheduled.runFor(merchantId);
      assert.equal((await stripe.balanceTransactions.list({ source: topup.id })).data.length, 1);
    });

    test('update sets the description and metadata only', async () => {
      const topup = await stripe.topups.create({
        amount: 1234,
        currency: 'usd',
        description: 'first',
        metadata: { a: '1', b: '2' },
      });
      const updated = checkedTopup(
        await stripe.topups.update(topup.id, { description: 'second', metadata: { a: '', c: '3' } }),
      );
      assert.deepEqual(updated, { ...body(topup), description: 'second', metadata: { b: '2', c: '3' } });
      assert.deepEqual(checkedTopup(await stripe.topups.retrieve(topup.id)), updated);
      await refused(stripe.topups.update(topup.id, { amount: 5 } as Stripe.TopupUpdateParams), {
        statusCode: 400,
        code: 'parameter_unknown',
        param: 'amount',
      });
    });

    test('the list is newest first and filters by status, created and amount', async () => {
      const made: Stripe.Topup[] = [];
      for (const amount of [101, 202, 303])
        made.push(await stripe.topups.create({ amount, currency: 'usd' }));
      await stripe.topups.cancel(made[1]?.id as string);
      const all = await stripe.topups.list({ limit: 100 });
      assert.equal(all.url, '/v1/topups');
      for (const t of all.data) checkedTopup(t);
      const ids = all.data.map((t) => t.id);
      assert.deepEqual(ids, [...ids].sort().reverse());
      assert.deepEqual(ids.slice(0, 3), made.map((t) => t.id).reverse());

      const pending = await stripe.topups.list({ status: 'pending', limit: 100 });
      assert.ok(pending.data.every((t) => t.status === 'pending'));
      assert.ok(pending.data.some((t) => t.id === made[0]?.id));
      assert.deepEqual(
        (await stripe.topups.list({ status: 'canceled', limit: 100 })).data.map((t) => t.status),
        all.data.filter((t) => t.status === 'canceled').map((t) => t.status),
      );
      assert.deepEqual((await stripe.topups.list({ status: 'failed' })).data, []);
      assert.deepEqual(
        (await stripe.topups.list({ amount: { gte: 200, lte: 303 }, limit: 100 })).data.map((t) => t.id),
        all.data.filter((t) => t.amount >= 200 && t.amount <= 303).map((t) => t.id),
      );
      assert.deepEqual(
        (await stripe.topups.list({ amount: 101, limit: 100 })).data.map((t) => t.amount),
        all.data.filter((t) => t.amount === 101).map((t) => t.amount),
      );
      const newest = Math.max(...all.data.map((t) => t.created));
      assert.deepEqual(
        (await stripe.topups.list({ created: { gte: newest }, limit: 100 })).data.map((t) => t.id),
        all.data.filter((t) => t.created >= newest).map((t) => t.id),
      );
      const page = await stripe.topups.list({ limit: 2 });
      assert.deepEqual([page.data.map((t) => t.id), page.has_more], [ids.slice(0, 2), true]);
      const next = await stripe.topups.list({ limit: 2, starting_after: ids[1] as string });
      assert.deepEqual(
        next.data.map((t) => t.id),
        ids.slice(2, 4),
      );
    });

    test('bad requests get Stripe errors and change nothing; top-ups are the platform’s', async () => {
      const count = async () => (await stripe.topups.list({ limit: 100 })).data.length;
      const before = await count();
      const funds = await usdFunds(stripe);
      const refusals: Array<[Record<string, unknown>, { code?: string; param?: string }]> = [
        [{ currency: 'usd' }, { code: 'parameter_missing', param: 'amount' }],
        [{ amount: 100 }, { code: 'parameter_missing', param: 'currency' }],
        [
          { amount: 0, currency: 'usd' },
          { code: 'parameter_invalid_integer', param: 'amount' },
        ],
        [{ amount: 100, currency: 'eur' }, { param: 'currency' }],
        [
          { amount: 100, currency: 'usd', statement_descriptor: 'far too long a descriptor' },
          { param: 'statement_descriptor' },
        ],
        [{ amount: 100, currency: 'usd', statement_descriptor: '12345' }, { param: 'statement_descriptor' }],
        [
          { amount: 100, currency: 'usd', statement_descriptor: 'Top <up>' },
          { code: 'invalid_characters', param: 'statement_descriptor' },
        ],
        [
          { amount: 100, currency: 'usd', source: 'btok_1' },
          { code: 'parameter_unknown', param: 'source' },
        ],
      ];
      for (const [params, expected] of refusals) {
        await refused(stripe.topups.create(params as unknown as Stripe.TopupCreateParams), {
          statusCode: 400,
          code: undefined,
          param: undefined,
          ...expected,
        });
      }
      const shop = await stripe.accounts.create({ type: 'custom' });
      await refused(
        stripe.topups.create({ amount: 100, currency: 'usd' }, { stripeAccount: shop.id }),
        { statusCode: 400, code: undefined, param: undefined },
        /platform/,
      );
      assert.equal(await count(), before);
      assert.deepEqual(await usdFunds(stripe), funds);

      const mine = await stripe.topups.create({ amount: 100, currency: 'usd' });
      await refused(stripe.topups.retrieve('tu_missing'), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'id',
      });
      const other = h.stripe({ key: (await h.otherMerchant()).secretKey });
      for (const call of [
        () => other.topups.retrieve(mine.id),
        () => other.topups.update(mine.id, { description: 'x' }),
        () => other.topups.cancel(mine.id),
        () => stripe.topups.retrieve(mine.id, {}, { stripeAccount: shop.id }),
      ]) {
        await refused(call(), { statusCode: 404, code: 'resource_missing', param: 'id' });
      }
      assert.deepEqual((await other.topups.list()).data, []);
      assert.deepEqual((await stripe.topups.list({}, { stripeAccount: shop.id })).data, []);
      const unauthenticated = await h.fetch('/v1/balance', { key: null });
      assert.equal(unauthenticated.status, 401, unauthenticated.text);
      const publishable = h.stripe({ key: h.publishableKey });
      for (const call of [
        () => publishable.balance.retrieve(),
        () => publishable.topups.create({ amount: 100, currency: 'usd' }),
        () => publishable.topups.list(),
        () => publishable.transfers.create({ amount: 100, currency: 'usd', destination: shop.id }),
      ]) {
        await refused(call(), { statusCode: 401, code: 'secret_key_required', param: undefined });
      }
      assert.equal(await count(), before + 1, 'only the top-up made above');
    });
  });
}
