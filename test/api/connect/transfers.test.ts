import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { backends } from '../../support/backends.ts';
import { body } from '../../support/fc.ts';
import { checkedTransfer, topUp, usdFunds } from '../../support/funds.ts';
import { type Harness, startHarness } from '../../support/harness.ts';
import { checked, refused } from '../../support/payments.ts';
import { closeReceivers, startReceiver, verifiedEvents } from '../../support/receiver.ts';

for (const backend of backends) {
  describe(`transfers to connected accounts on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    let stripe: Stripe;
    let shop: Stripe.Account;
    let market: Stripe.Account;
    before(async () => {
      h = await startHarness(backend);
      stripe = h.stripe();
      shop = await stripe.accounts.create({ type: 'custom' });
      market = await stripe.accounts.create({ type: 'express' });
    });
    afterEach(() => closeReceivers());
    after(() => h?.close());

    const transferCount = async () => (await stripe.transfers.list({ limit: 100 })).data.length;

    test('a transfer moves available funds from the platform to the connected account at once', async () => {
      const receiver = await startReceiver();
      const endpoint = await stripe.webhookEndpoints.create({
        url: receiver.url,
        enabled_events: ['transfer.created', 'transfer.updated'],
      });
      await topUp(stripe, 10_000);
      const platformBefore = await usdFunds(stripe);
      const asShop = { stripeAccount: shop.id };
      assert.deepEqual(await usdFunds(stripe, asShop), { available: 0, pending: 0 });

      const created = checkedTransfer(
        await stripe.transfers.create({
          amount: 2_500,
          currency: 'usd',
          destination: shop.id,
          description: 'Payout for order 7',
          metadata: { order: '7' },
          transfer_group: 'order-7',
        }),
      );
      assert.match(created.id, /^tr_[0-9A-Za-z]{24,}$/);
      const txnId = created.balance_transaction as string;
      const payment = created.destination_payment as string;
      assert.match(txnId, /^txn_/);
      assert.match(payment, /^py_[0-9A-Za-z]{24,}$/);
      const expected = {
        id: created.id,
        object: 'transfer',
        amount: 2_500,
        amount_reversed: 0,
        balance_transaction: txnId,
        created: created.created,
        currency: 'usd',
        description: 'Payout for order 7',
        destination: shop.id,
        destination_payment: payment,
        livemode: false,
        metadata: { order: '7' },
        reversals: {
          object: 'list',
          data: [],
          has_more: false,
          total_count: 0,
          url: `/v1/transfers/${created.id}/reversals`,
        },
        reversed: false,
        source_transaction: null,
        source_type: 'bank_account',
        transfer_group: 'order-7',
      };
      assert.deepEqual(created, expected);
      assert.deepEqual(checkedTransfer(await stripe.transfers.retrieve(created.id)), expected);

      // The platform's side: a transfer balance transaction, available at once.
      const out = checked('balance_transaction', await stripe.balanceTransactions.retrieve(txnId));
      assert.deepEqual(
        [out.type, out.reporting_category, out.source, out.amount, out.fee, out.net, out.status],
        ['transfer', 'transfer', created.id, -2_500, 0, -2_500, 'available'],
      );
      assert.equal(out.description, 'Payout for order 7');
      assert.deepEqual(await usdFunds(stripe), {
        available: (platformBefore.available ?? 0) - 2_500,
        pending: platformBefore.pending,
      });
      // The connected account's side: a payment, its source the transfer's destination payment.
      assert.deepEqual(await usdFunds(stripe, asShop), { available: 2_500, pending: 0 });
      const [arrived, ...more] = (await stripe.balanceTransactions.list({}, asShop)).data;
      assert.deepEqual(more, []);
      assert.ok(arrived);
      const incoming = checked('balance_transaction', arrived);
      assert.deepEqual(
        [incoming.type, incoming.reporting_category, incoming.source, incoming.amount, incoming.status],
        ['payment', 'charge', payment, 2_500, 'available'],
      );
      await refused(stripe.balanceTransactions.retrieve(incoming.id), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'id',
      });
      assert.deepEqual((await stripe.transfers.list({}, asShop)).data, [], "the platform's, not the shop's");

      const expanded = await stripe.transfers.retrieve(created.id, {
        expand: ['destination', 'balance_transaction'],
      });
      assert.deepEqual(
        body(expanded.destination as Stripe.Account),
        body(await stripe.accounts.retrieve(shop.id)),
      );
      assert.deepEqual(body(expanded.balance_transaction as Stripe.BalanceTransaction), out);
      const listed = await stripe.balanceTransactions.list({ type: 'transfer', expand: ['data.source'] });
      assert.deepEqual(listed.data[0]?.source, expected, 'the source of a transfer’s funds expands to it');
      // The destination payment has no object: its id stays as it is.
      const shopTxn = await stripe.balanceTransactions.retrieve(incoming.id, { expand: ['source'] }, asShop);
      assert.equal(shopTxn.source, payment);

      const updated = checkedTransfer(
        await stripe.transfers.update(created.id, { description: 'Order 7', metadata: { paid: 'yes' } }),
      );
      assert.deepEqual(updated, {
        ...expected,
        description: 'Order 7',
        metadata: { order: '7', paid: 'yes' },
      });
      assert.deepEqual(checkedTransfer(await stripe.transfers.retrieve(created.id)), updated);
      await refused(stripe.transfers.update(created.id, { amount: 1 } as Stripe.TransferUpdateParams), {
        statusCode: 400,
        code: 'parameter_unknown',
        param: 'amount',
      });

      const events = verifiedEvents(await receiver.waitFor(2), endpoint.secret as string);
      assert.deepEqual(
        events.map((e) => e.type),
        ['transfer.created', 'transfer.updated'],
      );
      assert.deepEqual(checkedTransfer(events[0]?.data.object as Stripe.Transfer), expected);
      assert.deepEqual(checkedTransfer(events[1]?.data.object as Stripe.Transfer), updated);
      assert.deepEqual(events[1]?.data.previous_attributes, {
        description: 'Payout for order 7',
        metadata: { paid: '' },
      });
    });

    test('a transfer of more than the available balance is refused with balance_insufficient; nothing changes', async () => {
      const platform = await usdFunds(stripe);
      const available = platform.available ?? 0;
      const shopFunds = await usdFunds(stripe, { stripeAccount: shop.id });
      const count = await transferCount();
      await refused(
        stripe.transfers.create({ amount: available + 1, currency: 'usd', destination: shop.id }),
        { statusCode: 400, code: 'balance_insufficient', param: undefined },
        /insufficient available funds/,
      );
      // Pending funds are not available: a pending top-up does not make room.
      const pending = await stripe.topups.create({ amount: 50_000, currency: 'usd' });
      await refused(
        stripe.transfers.create({ amount: available + 1, currency: 'usd', destination: shop.id }),
        { statusCode: 400, code: 'balance_insufficient', param: undefined },
      );
      await stripe.topups.cancel(pending.id);
      assert.equal(await transferCount(), count);
      assert.deepEqual(await usdFunds(stripe), platform);
      assert.deepEqual(await usdFunds(stripe, { stripeAccount: shop.id }), shopFunds);
      assert.equal(
        (await stripe.balanceTransactions.list({ type: 'transfer', limit: 100 })).data.length,
        count,
      );
      // All that is available can go.
      const all = await stripe.transfers.create({
        amount: available,
        currency: 'usd',
        destination: market.id,
      });
      assert.equal(all.amount, available);
      assert.deepEqual((await usdFunds(stripe)).available, 0);
    });

    test('two transfers at once that together exceed the balance: exactly one succeeds', async () => {
      for (let round = 0; round < 3; round++) {
        await topUp(stripe, 1_000);
        const available = (await usdFunds(stripe)).available ?? 0;
        const count = await transferCount();
        // Each alone fits; both together would take more than is available.
        const attempts = await Promise.allSettled(
          [shop.id, market.id].map((destination) =>
            stripe.transfers.create({ amount: available - 400, currency: 'usd', destination }),
          ),
        );
        const succeeded = attempts.filter((a) => a.status === 'fulfilled');
        const failed = attempts.flatMap((a) => (a.status === 'rejected' ? [a.reason] : []));
        assert.equal(succeeded.length, 1, JSON.stringify(attempts));
        assert.deepEqual(
          failed.map((e: Stripe.errors.StripeError) => [e.statusCode, e.code]),
          [[400, 'balance_insufficient']],
        );
        assert.equal(await transferCount(), count + 1);
        assert.deepEqual((await usdFunds(stripe)).available, 400);
        // Leave nothing behind for the next round to count on.
        await stripe.transfers.create({ amount: 400, currency: 'usd', destination: shop.id });
      }
    });

    test('an Idempotency-Key makes one transfer, however often the request is sent', async () => {
      await topUp(stripe, 800);
      const before = await usdFunds(stripe);
      const count = await transferCount();
      const params = { amount: 700, currency: 'usd', destination: shop.id };
      const key = { idempotencyKey: `transfer-${backend.name}-once` };
      const first = await stripe.transfers.create(params, key);
      const again = await stripe.transfers.create(params, key);
      assert.deepEqual(body(again), body(first));
      assert.equal(await transferCount(), count + 1);
      assert.deepEqual(await usdFunds(stripe), { ...before, available: (before.available ?? 0) - 700 });
      // The same key with other parameters is refused, not a second transfer.
      await refused(stripe.transfers.create({ ...params, amount: 1 }, key), {
        statusCode: 400,
        type: 'idempotency_error',
        code: undefined,
        param: undefined,
      });
      assert.equal(await transferCount(), count + 1);
    });

    test('the list is newest first and filters by destination, transfer_group and created', async () => {
      await topUp(stripe, 3_000);
      const made: Stripe.Transfer[] = [];
      for (const [destination, group] of [
        [shop.id, 'g1'],
        [market.id, 'g1'],
        [shop.id, 'g2'],
      ] as const) {
        made.push(
          await stripe.transfers.create({
            amount: 1_000,
            currency: 'usd',
            destination,
            transfer_group: group,
          }),
        );
      }
      const all = await stripe.transfers.list({ limit: 100 });
      assert.equal(all.url, '/v1/transfers');
      for (const t of all.data) checkedTransfer(t);
      const ids = all.data.map((t) => t.id);
      assert.deepEqual(ids, [...ids].sort().reverse());
      assert.deepEqual(ids.slice(0, 3), made.map((t) => t.id).reverse());
      const toShop = await stripe.transfers.list({ destination: shop.id, limit: 100 });
      assert.deepEqual(
        toShop.data.map((t) => t.id),
        all.data.filter((t) => t.destination === shop.id).map((t) => t.id),
      );
      assert.ok(toShop.data.length >= 2);
      assert.deepEqual(
        (await stripe.transfers.list({ transfer_group: 'g1', limit: 100 })).data.map((t) => t.id),
        [made[1]?.id, made[0]?.id],
      );
      const newest = Math.max(...all.data.map((t) => t.created));
      assert.deepEqual(
        (await stripe.transfers.list({ created: { gte: newest }, limit: 100 })).data.map((t) => t.id),
        all.data.filter((t) => t.created >= newest).map((t) => t.id),
      );
      const page = await stripe.transfers.list({ limit: 2 });
      assert.deepEqual([page.data.map((t) => t.id), page.has_more], [ids.slice(0, 2), true]);
    });

    test('bad requests get Stripe errors and change nothing; only the platform’s connected accounts receive', async () => {
      await topUp(stripe, 500);
      const count = await transferCount();
      const funds = await usdFunds(stripe);
      const otherKey = (await h.otherMerchant()).secretKey;
      const other = h.stripe({ key: otherKey });
      const theirs = await other.accounts.create({ type: 'custom' });
      const gone = await stripe.accounts.create({ type: 'custom' });
      await stripe.accounts.del(gone.id);
      for (const destination of [theirs.id, gone.id, h.running.merchant.id, 'acct_missing']) {
        await refused(
          stripe.transfers.create({ amount: 100, currency: 'usd', destination }),
          { statusCode: 404, code: 'resource_missing', param: 'destination' },
          /No such destination/,
        );
      }
      const refusals: Array<[Record<string, unknown>, { code?: string; param?: string }]> = [
        [
          { currency: 'usd', destination: shop.id },
          { code: 'parameter_missing', param: 'amount' },
        ],
        [
          { amount: 100, destination: shop.id },
          { code: 'parameter_missing', param: 'currency' },
        ],
        [
          { amount: 100, currency: 'usd' },
          { code: 'parameter_missing', param: 'destination' },
        ],
        [
          { amount: -5, currency: 'usd', destination: shop.id },
          { code: 'parameter_invalid_integer', param: 'amount' },
        ],
        [{ amount: 100, currency: 'eur', destination: shop.id }, { param: 'currency' }],
        [
          { amount: 100, currency: 'usd', destination: shop.id, source_transaction: 'ch_1' },
          { code: 'parameter_unknown', param: 'source_transaction' },
        ],
      ];
      for (const [params, expected] of refusals) {
        await refused(stripe.transfers.create(params as unknown as Stripe.TransferCreateParams), {
          statusCode: 400,
          code: undefined,
          param: undefined,
          ...expected,
        });
      }
      await refused(
        stripe.transfers.create(
          { amount: 100, currency: 'usd', destination: market.id },
          { stripeAccount: shop.id },
        ),
        { statusCode: 400, code: undefined, param: undefined },
        /connected account/,
      );
      assert.equal(await transferCount(), count);
      assert.deepEqual(await usdFunds(stripe), funds);

      const mine = await stripe.transfers.create({ amount: 100, currency: 'usd', destination: shop.id });
      for (const call of [
        () => stripe.transfers.retrieve('tr_missing'),
        () => other.transfers.retrieve(mine.id),
        () => other.transfers.update(mine.id, { description: 'x' }),
        () => stripe.transfers.retrieve(mine.id, {}, { stripeAccount: shop.id }),
      ]) {
        await refused(call(), { statusCode: 404, code: 'resource_missing', param: 'id' });
      }
      assert.deepEqual((await other.transfers.list()).data, []);
    });
  });
}
