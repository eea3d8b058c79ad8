import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { backends } from '../support/backends.ts';
import { simulate } from '../support/fc.ts';
import { gaVersion, type Harness, startHarness } from '../support/harness.ts';
import {
  advanceClock,
  linkForPayments,
  onlineAcceptance,
  relinkAccount,
  savedPaymentMethod,
  setUpFromAccount,
  simulateAccount,
  tokenizing,
} from '../support/payments.ts';
import { closeReceivers, type Receiver, startReceiver, verifiedEvents } from '../support/receiver.ts';

const paymentEvents = [
  'setup_intent.created',
  'setup_intent.succeeded',
  'setup_intent.canceled',
  'payment_method.attached',
  'payment_method.detached',
  'payment_method.updated',
  'payment_method.automatically_updated',
  'mandate.updated',
] as const;

const achEvents = [
  'payment_intent.created',
  'payment_intent.processing',
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'payment_intent.canceled',
  'charge.pending',
  'charge.succeeded',
  'charge.failed',
] as const;

/** A receiver, and an endpoint at the GA version that sends it `events`. */
async function listening(stripe: Stripe, events: readonly Stripe.WebhookEndpointCreateParams.EnabledEvent[]) {
  const receiver = await startReceiver();
  const endpoint = await stripe.webhookEndpoints.create({
    url: receiver.url,
    enabled_events: [...events],
    api_version: gaVersion,
  });
  return { receiver, endpoint };
}

/**
 * The first `count` events the receiver gets, in the order they happened, each with a good
 * signature, Stripe's shape and the GA version the endpoint asked for.
 */
async function delivered(receiver: Receiver, count: number, secret: string): Promise<Stripe.Event[]> {
  const events = verifiedEvents(await receiver.waitFor(count), secret);
  for (const event of events) assert.equal(event.api_version, gaVersion);
  return events;
}

for (const backend of backends) {
  describe(`payment events as webhooks on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(async () => {
      await closeReceivers();
      await h?.close();
    });

    test('a SetupIntent, a relink and a detach reach the endpoint signed, each object as a GA reader sees it', async () => {
      const stripe = h.stripe();
      const { receiver, endpoint } = await listening(stripe, paymentEvents);
      const { customer, account, authorization } = await linkForPayments(h, { institution: tokenizing });
      const intent = await setUpFromAccount(stripe, customer.id, account.id);
      const pmId = intent.payment_method as string;
      await simulate(stripe, 'accounts', account.id, 'account_numbers_deactivated');
      await relinkAccount(stripe, { customer, authorization, account });
      await stripe.paymentMethods.detach(pmId);

      const events = await delivered(receiver, 7, endpoint.secret as string);
      assert.deepEqual(
        events.map((e) => [e.type, (e.data.object as { id: string }).id]),
        [
          ['setup_intent.created', intent.id],
          ['payment_method.attached', pmId],
          ['setup_intent.succeeded', intent.id],
          ['payment_method.automatically_updated', pmId],
          ['payment_method.automatically_updated', pmId],
          ['mandate.updated', intent.mandate],
          ['payment_method.detached', pmId],
        ],
      );
      const objectAt = <T>(i: number): T => {
        const event = events[i];
        assert.ok(event, `event ${i} arrived`);
        return event.data.object as unknown as T;
      };
      const succeeded = objectAt<Stripe.SetupIntent>(2);
      assert.equal(succeeded.status, 'succeeded');
      assert.equal(succeeded.mandate, intent.mandate);
      const blocked = objectAt<Stripe.PaymentMethod>(3);
      assert.equal(
        blocked.us_bank_account?.status_details?.blocked?.reason,
        'tokenized_account_number_deactivated',
      );
      assert.equal(objectAt<Stripe.PaymentMethod>(4).us_bank_account?.status_details, null);
      assert.equal(objectAt<Stripe.Mandate>(5).status, 'inactive');
    });

    test('ACH payments before and after a relink reach the endpoint signed: processing, failed, succeeded, canceled', async () => {
      const stripe = h.stripe();
      const { receiver, endpoint } = await listening(stripe, achEvents);
      const saved = await savedPaymentMethod(h, { institution: tokenizing });
      const pay = () =>
        stripe.paymentIntents.create({
          amount: 1099,
          currency: 'usd',
          customer: saved.customer.id,
          payment_method: saved.paymentMethod,
          off_session: true,
          confirm: true,
        });
      // Four business days are at most six calendar days away.
      const week = 7 * 86_400;
      const first = await pay();
      await advanceClock(stripe, week);
      const second = await pay();
      await simulateAccount(h, saved.account.id, 'account_numbers_deactivated');
      await advanceClock(stripe, week);
      await relinkAccount(stripe, saved);
      const retried = await stripe.paymentIntents.confirm(second.id, { payment_method: saved.paymentMethod });
      await advanceClock(stripe, week);
      const third = await stripe.paymentIntents.create({ amount: 500, currency: 'usd' });
      await stripe.paymentIntents.cancel(third.id);

      const events = await delivered(receiver, 16, endpoint.secret as string);
      const seen = events.map((e) => {
        const object = e.data.object as { id: string; status: string };
        return [e.type, object.id, object.status];
      });
      const firstCharge = second.latest_charge as string;
      assert.deepEqual(seen, [
        ['payment_intent.created', first.id, 'requires_confirmation'],
        ['charge.pending', first.latest_charge, 'pending'],
        ['payment_intent.processing', first.id, 'processing'],
        ['charge.succeeded', first.latest_charge, 'succeeded'],
        ['payment_intent.succeeded', first.id, 'succeeded'],
        ['payment_intent.created', second.id, 'requires_confirmation'],
        ['charge.pending', firstCharge, 'pending'],
        ['payment_intent.processing', second.id, 'processing'],
        ['charge.failed', firstCharge, 'failed'],
        ['payment_intent.payment_failed', second.id, 'requires_payment_method'],
        ['charge.pending', retried.latest_charge, 'pending'],
        ['payment_intent.processing', second.id, 'processing'],
        ['charge.succeeded', retried.latest_charge, 'succeeded'],
        ['payment_intent.succeeded', second.id, 'succeeded'],
        ['payment_intent.created', third.id, 'requires_payment_method'],
        ['payment_intent.canceled', third.id, 'canceled'],
      ]);
      // A charge's event names the balance transaction its funds made; a failed one has none.
      const charges = [events[3], events[8], events[12]].map((e) => e?.data.object as Stripe.Charge);
      const funds = await Promise.all(
        [first.latest_charge, retried.latest_charge].map(
          async (charge) => (await stripe.balanceTransactions.list({ source: charge as string })).data[0]?.id,
        ),
      );
      assert.match(funds[0] ?? '', /^txn_/);
      assert.deepEqual(
        charges.map((c) => [c.status, c.balance_transaction]),
        [
          ['succeeded', funds[0]],
          ['failed', null],
          ['succeeded', funds[1]],
        ],
      );
      const failed = events[9]?.data.object as Stripe.PaymentIntent;
      assert.equal(failed.last_payment_error?.code, 'bank_account_unusable');
      assert.equal(
        failed.last_payment_error?.payment_method?.us_bank_account?.status_details?.blocked?.reason,
        'tokenized_account_number_deactivated',
      );
    });

    test("a debit from one of Stripe's test numbers reaches the endpoint failing with the number's code", async () => {
      const stripe = h.stripe();
      const { receiver, endpoint } = await listening(stripe, achEvents);
      const intent = await stripe.paymentIntents.create({
        amount: 1099,
        currency: 'usd',
        payment_method: 'pm_usBankAccount_debitNotAuthorized',
        confirm: true,
        mandate_data: onlineAcceptance,
      });
      await advanceClock(stripe, 7 * 86_400);

      const events = await delivered(receiver, 5, endpoint.secret as string);
      const charge = intent.latest_charge as string;
      assert.deepEqual(
        events.map((e) => [e.type, (e.data.object as { id: string }).id]),
        [
          ['payment_intent.created', intent.id],
          ['charge.pending', charge],
          ['payment_intent.processing', intent.id],
          ['charge.failed', charge],
          ['payment_intent.payment_failed', intent.id],
        ],
      );
      const failedCharge = events[3]?.data.object as Stripe.Charge;
      assert.equal(failedCharge.failure_code, 'debit_not_authorized');
      const failed = events[4]?.data.object as Stripe.PaymentIntent;
      assert.equal(failed.last_payment_error?.code, 'debit_not_authorized');
      assert.equal(failed.last_payment_error?.payment_method?.us_bank_account?.last4, '3335');
    });
  });
}
