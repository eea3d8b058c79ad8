import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { afterBusinessDays } from '../../../src/domain/payments/payment-intent-rules.ts';
import { backends } from '../../support/backends.ts';
import { eventually } from '../../support/eventually.ts';
import { body } from '../../support/fc.ts';
import { type Harness, startHarness } from '../../support/harness.ts';
import {
  advanceClock,
  checked,
  clockNow,
  intentBody,
  numbersOf,
  refused,
  relinkAccount,
  savedPaymentMethod,
  simulateAccount,
  tokenizing,
} from '../../support/payments.ts';
import { assertEventMatchesSchema } from '../../support/stripe-schemas.ts';

for (const backend of backends) {
  describe(`ACH PaymentIntents on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(() => h?.close());

    /** The events about objects, oldest first, each checked against Stripe's schemas. */
    async function eventsAbout(stripe: Stripe, ids: readonly string[]) {
      const out: Array<[string, string]> = [];
      for await (const e of stripe.events.list({ limit: 100 })) {
        assertEventMatchesSchema(e);
        const object = e.data.object as { id: string; status?: string };
        if (ids.includes(object.id)) out.push([e.type, `${object.id}:${object.status}`]);
      }
      return out.reverse();
    }

    /** An off-session payment from a saved PaymentMethod, as Stripe's ACH guide makes it. */
    function pay(stripe: Stripe, saved: { customer: { id: string }; paymentMethod: string }) {
      return stripe.paymentIntents.create({
        amount: 1099,
        currency: 'usd',
        customer: saved.customer.id,
        payment_method: saved.paymentMethod,
        // The guide's parameter, which the 2026 SDK types no longer list.
        ...({ payment_method_types: ['us_bank_account'] } as object),
        off_session: true,
        confirm: true,
      });
    }

    /** Moves the clock to just before, then to, the moment a debit sent at `sentAt` settles. */
    async function settle(stripe: Stripe, sentAt: number, id: string) {
      const due = afterBusinessDays(sentAt, 4);
      await advanceClock(stripe, due - (await clockNow(stripe)) - 60);
      assert.equal((await stripe.paymentIntents.retrieve(id)).status, 'processing', 'not settled early');
      await advanceClock(stripe, 120);
      return checked('payment_intent', await stripe.paymentIntents.retrieve(id));
    }

    test('a debit from a saved PaymentMethod is processing, then succeeds with a charge after 4 business days', async () => {
      const saved = await savedPaymentMethod(h);
      const { stripe, customer, paymentMethod, mandate } = saved;
      const sentAt = await clockNow(stripe);
      const processing = checked('payment_intent', await pay(stripe, saved));
      assert.match(processing.id, /^pi_/);
      assert.match(
        processing.client_secret as string,
        new RegExp(`^${processing.id}_secret_[A-Za-z0-9]{24}$`),
      );
      assert.match(processing.latest_charge as string, /^ch_/);
      const base = {
        id: processing.id,
        amount: 1099,
        client_secret: processing.client_secret,
        created: processing.created,
        customer: customer.id,
        payment_method: paymentMethod,
        latest_charge: processing.latest_charge,
      };
      assert.deepEqual(processing, intentBody({ ...base, status: 'processing' }));
      const chargeId = processing.latest_charge as string;
      const numbers = await numbersOf(h, saved.account.id);
      const pending = checked('charge', await stripe.charges.retrieve(chargeId));
      const bank = {
        account_holder_type: 'individual',
        account_type: 'checking',
        bank_name: saved.account.institution_name,
        fingerprint: pending.payment_method_details?.us_bank_account?.fingerprint,
        last4: numbers.last4,
        mandate,
        payment_reference: null,
        routing_number: numbers.routing,
      };
      assert.equal(
        pending.payment_method_details?.us_bank_account?.fingerprint,
        (await stripe.paymentMethods.retrieve(paymentMethod)).us_bank_account?.fingerprint,
      );
      assert.deepEqual(pending, chargeBody(chargeId, pending.created, 'pending'));

      const succeeded = await settle(stripe, sentAt, processing.id);
      assert.deepEqual(succeeded, intentBody({ ...base, status: 'succeeded', amount_received: 1099 }));
      const paid = checked('charge', await stripe.charges.retrieve(chargeId));
      assert.match(paid.balance_transaction as string, /^txn_/);
      assert.deepEqual(paid, {
        ...chargeBody(chargeId, pending.created, 'succeeded'),
        amount_captured: 1099,
        balance_transaction: paid.balance_transaction,
        captured: true,
        paid: true,
      });
      const listed = await stripe.charges.list({ payment_intent: processing.id });
      assert.deepEqual(
        listed.data.map((c) => [c.id, c.status]),
        [[chargeId, 'succeeded']],
      );
      assert.deepEqual(await eventsAbout(stripe, [processing.id, chargeId]), [
        ['payment_intent.created', `${processing.id}:requires_confirmation`],
        ['charge.pending', `${chargeId}:pending`],
        ['payment_intent.processing', `${processing.id}:processing`],
        ['charge.succeeded', `${chargeId}:succeeded`],
        ['payment_intent.succeeded', `${processing.id}:succeeded`],
      ]);
      const expanded = await stripe.paymentIntents.retrieve(processing.id, { expand: ['latest_charge'] });
      assert.deepEqual(body(expanded.latest_charge as Stripe.Charge), paid);

      function chargeBody(id: string, created: number, status: string) {
        return {
          id,
          object: 'charge',
          amount: 1099,
          amount_captured: 0,
          amount_refunded: 0,
          application: null,
          application_fee: null,
          application_fee_amount: null,
          balance_transaction: null,
          billing_details: {
            address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
            email: null,
            name: null,
            phone: null,
          },
          calculated_statement_descriptor: null,
          captured: false,
          created,
          currency: 'usd',
          customer: customer.id,
          description: null,
          disputed: false,
          failure_balance_transaction: null,
          failure_code: null,
          failure_message: null,
          fraud_details: {},
          livemode: false,
          metadata: {},
          on_behalf_of: null,
          outcome: null,
          paid: false,
          payment_intent: processing.id,
          payment_method: paymentMethod,
          payment_method_details: { type: 'us_bank_account', us_bank_account: bank },
          receipt_email: null,
          receipt_number: null,
          receipt_url: null,
          refunded: false,
          review: null,
          shipping: null,
          source: null,
          source_transfer: null,
          statement_descriptor: null,
          statement_descriptor_suffix: null,
          status,
          transfer_data: null,
          transfer_group: null,
        };
      }
    });

    test('after a relink that issued new tokenized numbers, a payment on the same PaymentMethod succeeds', async () => {
      const saved = await savedPaymentMethod(h, { institution: tokenizing });
      const { stripe, paymentMethod } = saved;
      await simulateAccount(h, saved.account.id, 'account_numbers_deactivated');
      const before = await stripe.paymentIntents.list({ limit: 100 });
      await refused(
        pay(stripe, saved),
        { statusCode: 400, code: 'payment_method_bank_account_blocked', param: 'payment_method' },
        /tokenized_account_number_deactivated/,
      );
      assert.deepEqual(
        (await stripe.paymentIntents.list({ limit: 100 })).data.length,
        before.data.length,
        'the refused payment wrote nothing',
      );

      assert.equal((await relinkAccount(stripe, saved)).status, 'succeeded');
      const fresh = await numbersOf(h, saved.account.id);
      const sentAt = await clockNow(stripe);
      const processing = await pay(stripe, saved);
      assert.equal(processing.status, 'processing');
      assert.equal(processing.payment_method, paymentMethod, 'the same PaymentMethod');
      const charge = await stripe.charges.retrieve(processing.latest_charge as string);
      assert.equal(
        charge.payment_method_details?.us_bank_account?.last4,
        fresh.last4,
        'debits the new number',
      );
      const succeeded = await settle(stripe, sentAt, processing.id);
      assert.equal(succeeded.status, 'succeeded', JSON.stringify(succeeded));
      assert.equal((await stripe.charges.retrieve(charge.id)).status, 'succeeded');
    });

    test('numbers deactivated before settlement: the debit fails; after a relink the PaymentIntent is confirmed again and succeeds', async () => {
      const saved = await savedPaymentMethod(h, { institution: tokenizing });
      const { stripe, paymentMethod } = saved;
      const sentAt = await clockNow(stripe);
      const processing = await pay(stripe, saved);
      const firstCharge = processing.latest_charge as string;
      await simulateAccount(h, saved.account.id, 'account_numbers_deactivated');
      const failed = await settle(stripe, sentAt, processing.id);
      const blockedMethod = await stripe.paymentMethods.retrieve(paymentMethod);
      assert.deepEqual(
        failed,
        intentBody({
          id: processing.id,
          amount: 1099,
          client_secret: processing.client_secret,
          created: processing.created,
          customer: saved.customer.id,
          latest_charge: firstCharge,
          status: 'requires_payment_method',
          last_payment_error: {
            charge: firstCharge,
            code: 'bank_account_unusable',
            doc_url: 'https://stripe.com/docs/error-codes/bank-account-unusable',
            message:
              "The customer's tokenized account number was deactivated before the debit settled. Relink the account to get new account numbers.",
            payment_method: body(blockedMethod),
            type: 'invalid_request_error',
          } as Stripe.PaymentIntent.LastPaymentError,
        }),
      );
      const returned = await stripe.charges.retrieve(firstCharge);
      assert.deepEqual(
        [returned.status, returned.failure_code, returned.paid],
        ['failed', 'bank_account_unusable', false],
      );

      assert.equal((await relinkAccount(stripe, saved)).status, 'succeeded');
      const againAt = await clockNow(stripe);
      const retried = checked(
        'payment_intent',
        await stripe.paymentIntents.confirm(processing.id, { payment_method: paymentMethod }),
      );
      assert.deepEqual(
        [retried.status, retried.payment_method, retried.last_payment_error],
        ['processing', paymentMethod, null],
      );
      assert.notEqual(retried.latest_charge, firstCharge, 'a new charge');
      const succeeded = await settle(stripe, againAt, processing.id);
      assert.equal(succeeded.status, 'succeeded');
      assert.deepEqual(await eventsAbout(stripe, [processing.id]), [
        ['payment_intent.created', `${processing.id}:requires_confirmation`],
        ['payment_intent.processing', `${processing.id}:processing`],
        ['payment_intent.payment_failed', `${processing.id}:requires_payment_method`],
        ['payment_intent.processing', `${processing.id}:processing`],
        ['payment_intent.succeeded', `${processing.id}:succeeded`],
      ]);
      const charges = await stripe.charges.list({ payment_intent: processing.id });
      assert.deepEqual(
        charges.data.map((c) => [c.id, c.status]),
        [
          [retried.latest_charge, 'succeeded'],
          [firstCharge, 'failed'],
        ],
      );
    });

    test('an account closed before settlement: the debit fails as account_closed', async () => {
      const saved = await savedPaymentMethod(h);
      const { stripe } = saved;
      const sentAt = await clockNow(stripe);
      const processing = await pay(stripe, saved);
      await simulateAccount(h, saved.account.id, 'account_closed');
      const failed = await settle(stripe, sentAt, processing.id);
      assert.deepEqual(
        [failed.status, failed.payment_method, failed.last_payment_error?.code],
        ['requires_payment_method', null, 'account_closed'],
      );
      assert.equal(
        failed.last_payment_error?.payment_method?.us_bank_account?.status_details?.blocked?.reason,
        'bank_account_closed',
      );
      const charge = await stripe.charges.retrieve(processing.latest_charge as string);
      assert.deepEqual(
        [charge.status, charge.failure_code, charge.balance_transaction],
        ['failed', 'account_closed', null],
      );
      const funds = await stripe.balanceTransactions.list({ source: charge.id });
      assert.deepEqual(funds.data, [], 'a failed debit adds nothing to the balance');
    });
  });

  describe(`ACH settlement by the scheduler on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    before(async () => {
      // Debits settle at once, and the scheduler settles them without any clock advance.
      h = await startHarness(backend, { schedulerInterval: '0.2', achSettlementDays: '0' });
    });
    after(() => h?.close());

    test('with --ach-settlement-days 0 the scheduler settles a debit on its next pass', async () => {
      const saved = await savedPaymentMethod(h);
      const intent = await saved.stripe.paymentIntents.create({
        amount: 1099,
        currency: 'usd',
        customer: saved.customer.id,
        payment_method: saved.paymentMethod,
        confirm: true,
      });
      const settled = await eventually(
        'the scheduler to settle the debit',
        () => saved.stripe.paymentIntents.retrieve(intent.id),
        (found) => found.status !== 'processing',
      );
      assert.deepEqual([settled.status, settled.amount_received], ['succeeded', 1099]);
      const charge = await saved.stripe.charges.retrieve(settled.latest_charge as string);
      const funds = await saved.stripe.balanceTransactions.retrieve(charge.balance_transaction as string);
      assert.deepEqual([funds.source, funds.amount, funds.net], [charge.id, 1099, 1090]);
    });
  });
}
