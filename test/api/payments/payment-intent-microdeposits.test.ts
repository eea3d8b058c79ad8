import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { backends } from '../../support/backends.ts';
import { gaVersion, type Harness, startHarness } from '../../support/harness.ts';
import { checked, clockNow, eventsAbout, onlineAcceptance, refused } from '../../support/payments.ts';
import { assertMatchesSchema } from '../../support/stripe-schemas.ts';

/** Numbers entered by hand, as Stripe's ACH guide sends them. */
const entered = {
  type: 'us_bank_account' as const,
  us_bank_account: {
    routing_number: '110000000',
    account_number: '000123456789',
    account_holder_type: 'individual' as const,
  },
  billing_details: { name: 'Jenny Rosen' },
};

/** A PaymentIntent confirmed with entered numbers: it waits for microdeposits, nothing debited. */
async function waiting(stripe: Stripe, customer: string) {
  const intent = checked(
    'payment_intent',
    await stripe.paymentIntents.create({
      amount: 1099,
      currency: 'usd',
      customer,
      payment_method_data: entered,
      confirm: true,
      mandate_data: onlineAcceptance,
    }),
  );
  assert.deepEqual(
    [intent.status, intent.latest_charge, intent.next_action?.type],
    ['requires_action', null, 'verify_with_microdeposits'],
  );
  return intent;
}

/** The types of the events about `id`, oldest first, their PaymentIntents checked against the schema. */
async function eventTypes(stripe: Stripe, id: string): Promise<string[]> {
  const events = await eventsAbout(stripe, id);
  for (const event of events) assertMatchesSchema('payment_intent', event.data.object);
  return events.map((e) => e.type);
}

for (const backend of backends) {
  describe(`microdeposit verification of PaymentIntents on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(() => h?.close());

    test('an unverified entered account waits for microdeposits; the descriptor code sends the debit', async () => {
      const stripe = h.stripe();
      const at = await clockNow(stripe);
      const customer = await stripe.customers.create({ name: 'Jenny Rosen' });
      const intent = await waiting(stripe, customer.id);
      const arrival = intent.next_action?.verify_with_microdeposits?.arrival_date ?? 0;
      assert.ok(arrival > at && arrival <= at + 3 * 86_400, String(arrival - at));
      assert.deepEqual(intent.next_action, {
        type: 'verify_with_microdeposits',
        verify_with_microdeposits: {
          arrival_date: arrival,
          hosted_verification_url: '',
          microdeposit_type: 'descriptor_code',
        },
      });
      assert.equal((await stripe.charges.list({ payment_intent: intent.id })).data.length, 0);
      assert.deepEqual(await eventTypes(stripe, intent.id), [
        'payment_intent.created',
        'payment_intent.requires_action',
      ]);
      await refused(stripe.paymentIntents.confirm(intent.id, { mandate_data: onlineAcceptance }), {
        statusCode: 400,
        code: 'payment_intent_unexpected_state',
        param: undefined,
      });

      const verified = checked(
        'payment_intent',
        await stripe.paymentIntents.verifyMicrodeposits(intent.id, { descriptor_code: 'SM11AA' }),
      );
      assert.deepEqual(
        [verified.status, verified.next_action, verified.payment_method],
        ['processing', null, intent.payment_method],
      );
      const charge = checked('charge', await stripe.charges.retrieve(verified.latest_charge as string));
      const mandateId = charge.payment_method_details?.us_bank_account?.mandate as string;
      assert.deepEqual([charge.status, charge.amount], ['pending', 1099]);
      const mandate = checked('mandate', await stripe.mandates.retrieve(mandateId));
      assert.deepEqual([mandate.status, mandate.payment_method], ['active', intent.payment_method]);
      assert.deepEqual(await eventTypes(stripe, intent.id), [
        'payment_intent.created',
        'payment_intent.requires_action',
        'payment_intent.processing',
      ]);
      await refused(stripe.paymentIntents.verifyMicrodeposits(intent.id, { descriptor_code: 'SM11AA' }), {
        statusCode: 400,
        code: 'payment_intent_unexpected_state',
        param: undefined,
      });

      // The PaymentMethod is verified now: the next debit with it goes straight to processing.
      const next = checked(
        'payment_intent',
        await stripe.paymentIntents.create({
          amount: 500,
          currency: 'usd',
          customer: customer.id,
          payment_method: intent.payment_method as string,
          mandate: mandateId,
          confirm: true,
        }),
      );
      assert.deepEqual([next.status, next.next_action], ['processing', null]);
    });

    test('a PaymentMethod verified by its SetupIntent is debited at once', async () => {
      const stripe = h.stripe();
      const customer = await stripe.customers.create({ name: 'Jenny Rosen' });
      const setup = await stripe.setupIntents.create({
        customer: customer.id,
        payment_method_data: entered,
        confirm: true,
        mandate_data: onlineAcceptance,
      });
      assert.equal(setup.status, 'requires_action');
      const unverified = await stripe.paymentIntents.create({
        amount: 700,
        currency: 'usd',
        customer: customer.id,
        payment_method: setup.payment_method as string,
        confirm: true,
        mandate_data: onlineAcceptance,
      });
      assert.equal(unverified.status, 'requires_action');
      await stripe.setupIntents.verifyMicrodeposits(setup.id, { amounts: [32, 45] });
      const intent = checked(
        'payment_intent',
        await stripe.paymentIntents.create({
          amount: 800,
          currency: 'usd',
          customer: customer.id,
          payment_method: setup.payment_method as string,
          confirm: true,
        }),
      );
      assert.equal(intent.status, 'processing');
    });

    test('the amounts verify with a publishable key and the client secret', async () => {
      const stripe = h.stripe();
      const customer = await stripe.customers.create({ name: 'Jenny Rosen' });
      const intent = await waiting(stripe, customer.id);
      const publishable = h.stripe({ key: h.publishableKey });
      await refused(publishable.paymentIntents.verifyMicrodeposits(intent.id, { amounts: [32, 45] }), {
        statusCode: 400,
        code: 'parameter_missing',
        param: 'client_secret',
      });
      const verified = await publishable.paymentIntents.verifyMicrodeposits(intent.id, {
        amounts: [32, 45],
        client_secret: intent.client_secret,
      } as Stripe.PaymentIntentVerifyMicrodepositsParams);
      assert.equal(verified.status, 'processing');
      assert.equal((await stripe.paymentIntents.retrieve(intent.id)).status, 'processing');
    });

    test('wrong answers are counted; the third fails the payment with attempts exceeded', async () => {
      const stripe = h.stripe({ apiVersion: gaVersion });
      const customer = await stripe.customers.create({ name: 'Jenny Rosen' });
      const intent = await waiting(stripe, customer.id);
      await refused(stripe.paymentIntents.verifyMicrodeposits(intent.id, { descriptor_code: 'SM99ZZ' }), {
        statusCode: 400,
        code: 'payment_method_microdeposit_verification_descriptor_code_mismatch',
        param: undefined,
      });
      await refused(stripe.paymentIntents.verifyMicrodeposits(intent.id, { amounts: [1, 2] }), {
        statusCode: 400,
        code: 'payment_method_microdeposit_verification_amounts_mismatch',
        param: undefined,
      });
      await refused(stripe.paymentIntents.verifyMicrodeposits(intent.id, { amounts: [32] }), {
        statusCode: 400,
        code: 'payment_method_microdeposit_verification_amounts_invalid',
        param: 'amounts',
      });
      assert.equal((await stripe.paymentIntents.retrieve(intent.id)).status, 'requires_action');
      await refused(stripe.paymentIntents.verifyMicrodeposits(intent.id, { descriptor_code: 'SM99ZZ' }), {
        statusCode: 400,
        code: 'payment_method_microdeposit_verification_attempts_exceeded',
        param: undefined,
      });
      const failed = checked('payment_intent', await stripe.paymentIntents.retrieve(intent.id));
      assert.deepEqual(
        [
          failed.status,
          failed.payment_method,
          failed.next_action,
          failed.latest_charge,
          failed.last_payment_error?.code,
          failed.last_payment_error?.payment_method?.id,
        ],
        [
          'requires_payment_method',
          null,
          null,
          null,
          'payment_method_microdeposit_verification_attempts_exceeded',
          intent.payment_method,
        ],
      );
      assert.equal((await stripe.charges.list({ payment_intent: intent.id })).data.length, 0);
      assert.deepEqual(await eventTypes(stripe, intent.id), [
        'payment_intent.created',
        'payment_intent.requires_action',
        'payment_intent.payment_failed',
      ]);
    });

    test("Stripe's test values end the verification; a waiting PaymentIntent can be canceled", async () => {
      const stripe = h.stripe();
      const customer = await stripe.customers.create({ name: 'Jenny Rosen' });
      const cases: Array<[Stripe.PaymentIntentVerifyMicrodepositsParams, string]> = [
        [{ descriptor_code: 'SM33CC' }, 'payment_method_microdeposit_verification_attempts_exceeded'],
        [{ amounts: [40, 41] }, 'payment_method_microdeposit_verification_timeout'],
      ];
      for (const [answer, code] of cases) {
        const intent = await waiting(stripe, customer.id);
        await refused(stripe.paymentIntents.verifyMicrodeposits(intent.id, answer), {
          statusCode: 400,
          code,
          param: undefined,
        });
        const failed = checked('payment_intent', await stripe.paymentIntents.retrieve(intent.id));
        assert.deepEqual([failed.status, failed.last_payment_error?.code], ['requires_payment_method', code]);
      }
      const intent = await waiting(stripe, customer.id);
      const canceled = checked('payment_intent', await stripe.paymentIntents.cancel(intent.id));
      assert.deepEqual([canceled.status, canceled.next_action], ['canceled', null]);
      const processing = await stripe.paymentIntents.create({
        amount: 900,
        currency: 'usd',
        customer: customer.id,
        payment_method: 'pm_usBankAccount_success',
        confirm: true,
        mandate_data: onlineAcceptance,
      });
      assert.equal(processing.status, 'processing');
      await refused(stripe.paymentIntents.verifyMicrodeposits(processing.id, { descriptor_code: 'SM11AA' }), {
        statusCode: 400,
        code: 'payment_intent_unexpected_state',
        param: undefined,
      });
    });
  });
}
