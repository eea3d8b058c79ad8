import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { backends } from '../../support/backends.ts';
import { completeSession, createSession, type PreviewAccount } from '../../support/fc.ts';
import { checkedPayout, reach, topUp, usdFunds } from '../../support/funds.ts';
import { type Harness, startHarness } from '../../support/harness.ts';
import {
  checked,
  clockNow,
  numbersOf,
  refused,
  simulateAccount,
  tokenizing,
} from '../../support/payments.ts';
import { closeReceivers, startReceiver, verifiedEvents } from '../../support/receiver.ts';

type Session = Stripe.FinancialConnections.Session;

for (const backend of backends) {
  describe(`payouts to connected accounts' bank accounts on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    let stripe: Stripe;
    before(async () => {
      h = await startHarness(backend);
      stripe = h.stripe();
    });
    afterEach(() => closeReceivers());
    after(() => h?.close());

    /** A session linking one account for the connected account `account`, completed. */
    async function linkFor(account: string, relink?: { authorization: string; account: string }) {
      const session = await createSession(stripe, {
        account_holder: { type: 'account', account },
        permissions: ['payment_method'],
        limits: { accounts: 1 },
        ...(relink && { relink_options: relink }),
      });
      const completed = await completeSession(stripe, session.id, {
        institution: relink ? undefined : tokenizing,
      });
      assert.equal(completed.status, 'succeeded', JSON.stringify(completed));
      const token = (completed as Session).bank_account_token;
      assert.ok(token, 'the completed session has a bank account token');
      return { fcAccount: completed.accounts.data[0] as PreviewAccount, token };
    }

    /** A connected account with a bank account at the tokenizing bank, and `funds` cents sent to it. */
    async function payee(funds: number) {
      const shop = await stripe.accounts.create({ type: 'custom', business_type: 'company' });
      const { fcAccount, token } = await linkFor(shop.id);
      const bank = await stripe.accounts.createExternalAccount(shop.id, { external_account: token.id });
      if (funds > 0) {
        await topUp(stripe, funds);
        await stripe.transfers.create({ amount: funds, currency: 'usd', destination: shop.id });
      }
      return { shop, fcAccount, bank: bank as Stripe.BankAccount, as: { stripeAccount: shop.id } };
    }

    test('pay out, fail on deactivated numbers with the funds back, relink, pay out again', async () => {
      const receiver = await startReceiver('/connect');
      const endpoint = await stripe.webhookEndpoints.create({
        url: receiver.url,
        enabled_events: [
          'account.external_account.created',
          'account.external_account.updated',
          'payout.created',
          'payout.updated',
          'payout.paid',
          'payout.failed',
          'payout.canceled',
        ],
        connect: true,
      });
      const { shop, fcAccount, bank, as } = await payee(10_000);
      assert.deepEqual(await usdFunds(stripe, as), { available: 10_000, pending: 0 });
      const numbers = await numbersOf(h, fcAccount.id);
      assert.equal(bank.last4, numbers.last4);

      // Paid: the funds leave the balance when the payout is made.
      const first = checkedPayout(
        await stripe.payouts.create(
          {
            amount: 3_000,
            currency: 'usd',
            description: 'Weekly payout',
            metadata: { week: '48' },
            statement_descriptor: 'SHOP PAYOUT',
          },
          as,
        ),
      );
      assert.match(first.id, /^po_[0-9A-Za-z]{24,}$/);
      const txn = first.balance_transaction as string;
      assert.match(txn, /^txn_/);
      assert.deepEqual(first, {
        id: first.id,
        object: 'payout',
        amount: 3_000,
        application_fee: null,
        application_fee_amount: null,
        arrival_date: first.arrival_date,
        automatic: false,
        balance_transaction: txn,
        created: first.created,
        currency: 'usd',
        description: 'Weekly payout',
        destination: bank.id,
        failure_balance_transaction: null,
        failure_code: null,
        failure_message: null,
        livemode: false,
        metadata: { week: '48' },
        method: 'standard',
        original_payout: null,
        payout_method: null,
        reconciliation_status: 'not_applicable',
        reversed_by: null,
        source_type: 'bank_account',
        statement_descriptor: 'SHOP PAYOUT',
        status: 'pending',
        trace_id: { status: 'pending', value: null },
        type: 'bank_account',
      });
      assert.deepEqual(await usdFunds(stripe, as), { available: 7_000, pending: 0 });
      const outgoing = checked('balance_transaction', await stripe.balanceTransactions.retrieve(txn, {}, as));
      assert.deepEqual(
        [outgoing.type, outgoing.amount, outgoing.net, outgoing.source, outgoing.reporting_category],
        ['payout', -3_000, -3_000, first.id, 'payout'],
      );
      const expanded = await stripe.payouts.retrieve(
        first.id,
        { expand: ['balance_transaction', 'destination'] },
        as,
      );
      assert.deepEqual(expanded.balance_transaction, outgoing);
      assert.deepEqual(
        (expanded.destination as Stripe.BankAccount).id,
        bank.id,
        JSON.stringify(expanded.destination),
      );
      // Left for the bank one business day after it was made; paid at its arrival date.
      const inTransitAt = (await h.running.services.payouts.get(shop.id, first.id)).inTransitAt;
      assert.ok(inTransitAt < first.arrival_date);
      await reach(stripe, inTransitAt, as);
      const sent = checkedPayout(await stripe.payouts.retrieve(first.id, {}, as));
      assert.deepEqual(sent, { ...first, status: 'in_transit' });
      await reach(stripe, first.arrival_date, as);
      const paid = checkedPayout(await stripe.payouts.retrieve(first.id, {}, as));
      assert.deepEqual(paid, { ...first, status: 'paid', trace_id: { status: 'unsupported', value: null } });
      assert.deepEqual(await usdFunds(stripe, as), { available: 7_000, pending: 0 });

      // Deactivated numbers: the bank account says so, and a payout to it fails at arrival.
      await simulateAccount(h, fcAccount.id, 'account_numbers_deactivated');
      const deactivated = await stripe.accounts.retrieveExternalAccount(shop.id, bank.id);
      assert.deepEqual(deactivated, { ...bank, status: 'tokenized_account_number_deactivated' });
      const second = checkedPayout(await stripe.payouts.create({ amount: 2_000, currency: 'usd' }, as));
      assert.deepEqual([second.status, second.destination], ['pending', bank.id]);
      assert.deepEqual(await usdFunds(stripe, as), { available: 5_000, pending: 0 });
      await reach(stripe, second.arrival_date, as);
      const failed = checkedPayout(await stripe.payouts.retrieve(second.id, {}, as));
      const refund = failed.failure_balance_transaction as string;
      assert.match(refund, /^txn_/);
      assert.deepEqual(failed, {
        ...second,
        status: 'failed',
        failure_balance_transaction: refund,
        failure_code: 'invalid_account_number',
        failure_message: "The bank account's tokenized account number was deactivated: it must be relinked.",
        trace_id: { status: 'unsupported', value: null },
      });
      assert.deepEqual(await usdFunds(stripe, as), { available: 7_000, pending: 0 });
      const movements = await stripe.balanceTransactions.list({ source: second.id }, as);
      assert.deepEqual(
        movements.data.map((t) => [t.type, t.amount, t.reporting_category]),
        [
          ['payout_failure', 2_000, 'payout_reversal'],
          ['payout', -2_000, 'payout'],
        ],
      );
      const expandedFailure = await stripe.payouts.retrieve(
        second.id,
        { expand: ['failure_balance_transaction'] },
        as,
      );
      assert.equal((expandedFailure.failure_balance_transaction as Stripe.BalanceTransaction).id, refund);

      // Relinked: the same bank account, with the new numbers; a payout to it is paid.
      await linkFor(shop.id, { authorization: fcAccount.authorization, account: fcAccount.id });
      const fresh = await numbersOf(h, fcAccount.id);
      assert.notEqual(fresh.last4, numbers.last4);
      const repaired = (await stripe.accounts.retrieveExternalAccount(
        shop.id,
        bank.id,
      )) as Stripe.BankAccount;
      assert.deepEqual([repaired.id, repaired.last4, repaired.status], [bank.id, fresh.last4, 'new']);
      const third = checkedPayout(
        await stripe.payouts.create({ amount: 4_000, currency: 'usd', destination: bank.id }, as),
      );
      await reach(stripe, third.arrival_date, as);
      assert.equal((await stripe.payouts.retrieve(third.id, {}, as)).status, 'paid');
      assert.deepEqual(await usdFunds(stripe, as), { available: 3_000, pending: 0 });
      const listed = await stripe.payouts.list({}, as);
      assert.deepEqual(
        listed.data.map((p) => [p.id, p.status]),
        [
          [third.id, 'paid'],
          [second.id, 'failed'],
          [first.id, 'paid'],
        ],
      );
      const failedOnly = await stripe.payouts.list({ status: 'failed' }, as);
      assert.deepEqual(
        failedOnly.data.map((p) => p.id),
        [second.id],
      );

      const heard = await receiver.waitFor(12);
      const events = verifiedEvents(heard, endpoint.secret as string);
      for (const event of events) assert.equal(event.account, shop.id);
      assert.deepEqual(
        events.map((e) => [
          e.type,
          (e.data.object as { id: string }).id,
          (e.data.object as { status?: string }).status,
          e.data.previous_attributes ?? null,
        ]),
        [
          ['account.external_account.created', bank.id, 'new', null],
          ['payout.created', first.id, 'pending', null],
          ['payout.updated', first.id, 'in_transit', { status: 'pending' }],
          ['payout.paid', first.id, 'paid', null],
          [
            'account.external_account.updated',
            bank.id,
            'tokenized_account_number_deactivated',
            { status: 'new' },
          ],
          ['payout.created', second.id, 'pending', null],
          ['payout.updated', second.id, 'in_transit', { status: 'pending' }],
          ['payout.failed', second.id, 'failed', null],
          [
            'account.external_account.updated',
            bank.id,
            'new',
            { last4: numbers.last4, status: 'tokenized_account_number_deactivated' },
          ],
          ['payout.created', third.id, 'pending', null],
          ['payout.updated', third.id, 'in_transit', { status: 'pending' }],
          ['payout.paid', third.id, 'paid', null],
        ],
      );
      const failedEvent = events.find((e) => e.type === 'payout.failed');
      assert.deepEqual(failedEvent?.data.object, failed);
      const bodies = JSON.stringify([heard.map((r) => r.body), listed]);
      for (const n of (await h.running.services.accountNumbers.open(fcAccount.id)) ?? []) {
        assert.ok(!bodies.includes(n.accountNumber), 'no response or event shows the account number');
      }
    });

    test('cancel while pending returns the funds; update sets metadata', async () => {
      const receiver = await startReceiver('/connect');
      const endpoint = await stripe.webhookEndpoints.create({
        url: receiver.url,
        enabled_events: ['payout.created', 'payout.updated', 'payout.canceled'],
        connect: true,
      });
      const { shop, as } = await payee(5_000);
      const payout = checkedPayout(await stripe.payouts.create({ amount: 1_500, currency: 'usd' }, as));
      const updated = checkedPayout(
        await stripe.payouts.update(payout.id, { metadata: { batch: '12' } }, as),
      );
      assert.deepEqual(updated, { ...payout, metadata: { batch: '12' } });
      assert.deepEqual(await usdFunds(stripe, as), { available: 3_500, pending: 0 });
      const canceled = checkedPayout(await stripe.payouts.cancel(payout.id, {}, as));
      assert.deepEqual(canceled, {
        ...updated,
        status: 'canceled',
        trace_id: { status: 'unsupported', value: null },
      });
      assert.deepEqual(await usdFunds(stripe, as), { available: 5_000, pending: 0 });
      const movements = await stripe.balanceTransactions.list({ source: payout.id }, as);
      assert.deepEqual(
        movements.data.map((t) => [t.type, t.amount]),
        [
          ['payout_cancel', 1_500],
          ['payout', -1_500],
        ],
      );
      // A canceled payout does not move on with the clock.
      await reach(stripe, payout.arrival_date, as);
      assert.equal((await stripe.payouts.retrieve(payout.id, {}, as)).status, 'canceled');
      await refused(
        stripe.payouts.cancel(payout.id, {}, as),
        { statusCode: 400, code: undefined, param: undefined },
        /only be canceled while they are pending/,
      );

      const events = verifiedEvents(await receiver.waitFor(3), endpoint.secret as string);
      assert.deepEqual(
        events.map((e) => [e.type, e.account, e.data.previous_attributes ?? null]),
        [
          ['payout.created', shop.id, null],
          ['payout.updated', shop.id, { metadata: { batch: '' } }],
          ['payout.canceled', shop.id, null],
        ],
      );
    });

    test('the scheduler’s pass moves payouts on, as an advance of the clock does', async () => {
      const { shop, as } = await payee(3_000);
      const { services } = h.running;
      const payout = await stripe.payouts.create({ amount: 1_000, currency: 'usd' }, as);
      // The clock moves without the test helper: nothing moves until a pass runs.
      await services.clocks.advance(shop.id, payout.arrival_date - (await clockNow(stripe, as)) + 1);
      assert.equal((await stripe.payouts.retrieve(payout.id, {}, as)).status, 'pending');
      await services.scheduled.runFor(shop.id);
      assert.equal((await stripe.payouts.retrieve(payout.id, {}, as)).status, 'paid');
      // A second pass, as another process sharing the database would make, moves nothing again.
      await services.scheduled.runFor(shop.id);
      const events = await stripe.events.list({ type: 'payout.*' }, as);
      assert.deepEqual(
        events.data.map((e) => e.type),
        ['payout.paid', 'payout.updated', 'payout.created'],
      );
    });

    test('payouts made at once never take more than was available', async () => {
      const { as } = await payee(5_000);
      const attempts = await Promise.allSettled(
        [1, 2, 3, 4].map(() => stripe.payouts.create({ amount: 2_000, currency: 'usd' }, as)),
      );
      const made = attempts.filter((a) => a.status === 'fulfilled');
      const refusals = attempts.flatMap((a) =>
        a.status === 'rejected' ? [(a.reason as Stripe.errors.StripeError).code] : [],
      );
      assert.deepEqual([made.length, refusals], [2, ['balance_insufficient', 'balance_insufficient']]);
      assert.deepEqual(await usdFunds(stripe, as), { available: 1_000, pending: 0 });
    });

    test('a create repeated with its Idempotency-Key answers the same payout and takes the funds once', async () => {
      const { as } = await payee(3_000);
      const key = `payout-${as.stripeAccount}`;
      const params = { amount: 1_200, currency: 'usd' };
      const first = checkedPayout(await stripe.payouts.create(params, { ...as, idempotencyKey: key }));
      const again = checkedPayout(await stripe.payouts.create(params, { ...as, idempotencyKey: key }));
      assert.deepEqual(again, first);
      assert.deepEqual(await usdFunds(stripe, as), { available: 1_800, pending: 0 });
      assert.equal((await stripe.payouts.list({}, as)).data.length, 1);
    });

    test('only the account and its platform, with a secret key, see its payouts', async () => {
      const { shop, as } = await payee(1_000);
      const payout = await stripe.payouts.create({ amount: 500, currency: 'usd' }, as);
      const other = h.stripe({ key: (await h.otherMerchant()).secretKey });
      for (const call of [
        () => other.payouts.retrieve(payout.id),
        () => other.payouts.update(payout.id, { metadata: { a: '1' } }),
        () => other.payouts.cancel(payout.id),
        // The platform's own payouts are not its connected account's.
        () => stripe.payouts.retrieve(payout.id),
      ]) {
        await refused(call(), { statusCode: 404, code: 'resource_missing', param: 'id' });
      }
      // Another platform cannot act as this platform's account.
      await assert.rejects(other.payouts.list({}, { stripeAccount: shop.id }), { statusCode: 403 });
      assert.deepEqual((await stripe.payouts.list()).data, []);
      const publishable = h.stripe({ key: h.publishableKey });
      for (const call of [
        () => publishable.payouts.create({ amount: 100, currency: 'usd' }, as),
        () => publishable.payouts.list({}, as),
        () => publishable.payouts.retrieve(payout.id, {}, as),
      ]) {
        await refused(call(), { statusCode: 401, code: 'secret_key_required', param: undefined });
      }
      const unauthenticated = await h.fetch('/v1/payouts', { key: null });
      assert.equal(unauthenticated.status, 401, unauthenticated.text);
      assert.deepEqual(await usdFunds(stripe, as), { available: 500, pending: 0 });
    });

    test('refusals change nothing: insufficient funds, paid payouts, other accounts, instant, no bank account', async () => {
      const { shop, bank, as } = await payee(2_000);
      const other = await payee(0);
      await refused(stripe.payouts.create({ amount: 2_001, currency: 'usd' }, as), {
        statusCode: 400,
        code: 'balance_insufficient',
        param: undefined,
      });
      await refused(stripe.payouts.create({ amount: 100, currency: 'usd', destination: other.bank.id }, as), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'destination',
      });
      await refused(stripe.payouts.create({ amount: 100, currency: 'usd', method: 'instant' }, as), {
        statusCode: 400,
        code: 'instant_payouts_unsupported',
        param: 'method',
      });
      // The platform keeps no bank account of its own in openfc.
      await refused(
        stripe.payouts.create({ amount: 100, currency: 'usd' }),
        { statusCode: 400, code: undefined, param: 'currency' },
        /external accounts in that currency \(usd\)/,
      );
      await refused(stripe.payouts.create({ amount: 100, currency: 'usd', destination: bank.id }), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'destination',
      });
      assert.deepEqual((await stripe.payouts.list({}, as)).data, []);
      assert.deepEqual(await usdFunds(stripe, as), { available: 2_000, pending: 0 });

      const payout = await stripe.payouts.create({ amount: 2_000, currency: 'usd' }, as);
      await refused(stripe.payouts.create({ amount: 1, currency: 'usd' }, as), {
        statusCode: 400,
        code: 'balance_insufficient',
        param: undefined,
      });
      await reach(stripe, payout.arrival_date, as);
      assert.equal((await stripe.payouts.retrieve(payout.id, {}, as)).status, 'paid');
      await refused(
        stripe.payouts.cancel(payout.id, {}, as),
        { statusCode: 400, code: undefined, param: undefined },
        /This payout has a status of paid/,
      );
      await refused(stripe.payouts.retrieve(payout.id, {}, { stripeAccount: other.shop.id }), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'id',
      });
      const byDestination = await stripe.payouts.list({ destination: bank.id }, as);
      assert.deepEqual(
        byDestination.data.map((p) => p.id),
        [payout.id],
      );
      const byArrival = await stripe.payouts.list({ arrival_date: { gt: payout.arrival_date } }, as);
      assert.deepEqual(byArrival.data, []);
      assert.equal(shop.id, as.stripeAccount);
    });
  });
}
