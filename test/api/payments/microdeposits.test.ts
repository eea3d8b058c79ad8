import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { backends } from '../../support/backends.ts';
import { body } from '../../support/fc.ts';
import { gaVersion, type Harness, startHarness } from '../../support/harness.ts';
import { advanceClock, checked, onlineAcceptance, refused } from '../../support/payments.ts';
import { assertEventMatchesSchema, assertMatchesSchema } from '../../support/stripe-schemas.ts';

/** Numbers entered by hand, as Stripe's ACH guide sends them. */
function entered(accountNumber = '000123456789') {
  return {
    type: 'us_bank_account' as const,
    us_bank_account: {
      routing_number: '110000000',
      account_number: accountNumber,
      account_holder_type: 'individual' as const,
    },
    billing_details: { name: 'Jenny Rosen' },
  };
}

async function clockNow(stripe: Stripe): Promise<number> {
  const clock = await stripe.rawRequest('GET', '/v1/test_helpers/sandbox_clock', {});
  return (clock as unknown as { now: number }).now;
}

/** A SetupIntent confirmed with entered numbers: it waits for microdeposits. */
async function waiting(stripe: Stripe, customer: string) {
  const setup = checked(
    'setup_intent',
    await stripe.setupIntents.create({
      customer,
      payment_method_data: entered(),
      confirm: true,
      mandate_data: onlineAcceptance,
    }),
  );
  assert.equal(setup.status, 'requires_action');
  return setup;
}

/** The types of the SetupIntent's events, oldest first, each checked against Stripe's schemas. */
async function eventTypes(stripe: Stripe, id: string): Promise<string[]> {
  const events = await stripe.events.list({ limit: 100 });
  const mine = events.data.filter((e) => (e.data.object as { id?: string }).id === id).reverse();
  for (const event of mine) {
    assertEventMatchesSchema(body(event));
    assertMatchesSchema('setup_intent', event.data.object);
  }
  return mine.map((e) => e.type);
}

for (const backend of backends) {
  describe(`microdeposit verification of entered numbers on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(() => h?.close());

    test('confirming leaves the SetupIntent requires_action until the descriptor code verifies it', async () => {
      const stripe = h.stripe();
      // The next Friday noon on the merchant's sandbox clock: the microdeposits land on Monday.
      const now = await clockNow(stripe);
      const day = new Date(now * 1000);
      const daysToFriday = (5 - day.getUTCDay() + 7) % 7 || 7;
      const friday =
        Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate() + daysToFriday, 12) / 1000;
      await advanceClock(stripe, friday - now);
      const at = await clockNow(stripe);
      const customer = await stripe.customers.create({ name: 'Jenny Rosen' });
      const setup = await waiting(stripe, customer.id);
      assert.equal(setup.mandate, null);
      // One business day after the clock read at confirmation: Monday.
      const arrival = setup.next_action?.verify_with_microdeposits?.arrival_date ?? 0;
      assert.ok(arrival >= at + 3 * 86_400 && arrival < at + 4 * 86_400 - 3600, String(arrival - at));
      assert.equal(new Date(arrival * 1000).getUTCDay(), 1);
      assert.deepEqual(setup.next_action, {
        type: 'verify_with_microdeposits',
        verify_with_microdeposits: {
          arrival_date: arrival,
          hosted_verification_url: '',
          microdeposit_type: 'descriptor_code',
        },
      });
      const pm = await stripe.paymentMethods.retrieve(setup.payment_method as string);
      assert.equal(pm.customer, null);
      await refused(stripe.setupIntents.confirm(setup.id, { mandate_data: onlineAcceptance }), {
        statusCode: 400,
        code: 'setup_intent_unexpected_state',
        param: undefined,
      });

      const verified = checked(
        'setup_intent',
        await stripe.setupIntents.verifyMicrodeposits(setup.id, { descriptor_code: 'SM11AA' }),
      );
      assert.equal(verified.status, 'succeeded');
      assert.equal(verified.next_action, null);
      assert.match(verified.mandate as string, /^mandate_/);
      const mandate = checked('mandate', await stripe.mandates.retrieve(verified.mandate as string));
      assert.deepEqual([mandate.status, mandate.payment_method], ['active', pm.id]);
      assert.equal((await stripe.paymentMethods.retrieve(pm.id)).customer, customer.id);
      assert.deepEqual(await eventTypes(stripe, setup.id), [
        'setup_intent.created',
        'setup_intent.requires_action',
        'setup_intent.succeeded',
      ]);
      await refused(stripe.setupIntents.verifyMicrodeposits(setup.id, { descriptor_code: 'SM11AA' }), {
        statusCode: 400,
        code: 'setup_intent_unexpected_state',
        param: undefined,
      });
    });

    test('the amounts 32 and 45 verify too, with the client secret and a publishable key', async () => {
      const stripe = h.stripe();
      const customer = await stripe.customers.create({ name: 'Jenny Rosen' });
      const setup = await waiting(stripe, customer.id);
      const publishable = h.stripe({ key: h.publishableKey });
      const verified = await publishable.setupIntents.verifyMicrodeposits(setup.id, {
        amounts: [32, 45],
        client_secret: setup.client_secret,
      } as Stripe.SetupIntentVerifyMicrodepositsParams);
      assert.equal(verified.status, 'succeeded');
    });

    test('wrong answers are counted; the third sends the SetupIntent back with attempts exceeded', async () => {
      const stripe = h.stripe();
      const customer = await stripe.customers.create({ name: 'Jenny Rosen' });
      const setup = await waiting(stripe, customer.id);
      await refused(stripe.setupIntents.verifyMicrodeposits(setup.id, { descriptor_code: 'SM99ZZ' }), {
        statusCode: 400,
        code: 'payment_method_microdeposit_verification_descriptor_code_mismatch',
        param: undefined,
      });
      await refused(stripe.setupIntents.verifyMicrodeposits(setup.id, { amounts: [1, 2] }), {
        statusCode: 400,
        code: 'payment_method_microdeposit_verification_amounts_mismatch',
        param: undefined,
      });
      const still = checked('setup_intent', await stripe.setupIntents.retrieve(setup.id));
      assert.equal(still.status, 'requires_action');
      await refused(stripe.setupIntents.verifyMicrodeposits(setup.id, { descriptor_code: 'SM99ZZ' }), {
        statusCode: 400,
        code: 'payment_method_microdeposit_verification_attempts_exceeded',
        param: undefined,
      });
      const failed = checked('setup_intent', await stripe.setupIntents.retrieve(setup.id));
      assert.deepEqual(
        [failed.status, failed.payment_method, failed.next_action, failed.last_setup_error?.code],
        ['requires_payment_method', null, null, 'payment_method_microdeposit_verification_attempts_exceeded'],
      );
      assert.deepEqual(await eventTypes(stripe, setup.id), [
        'setup_intent.created',
        'setup_intent.requires_action',
        'setup_intent.setup_failed',
      ]);
      // Confirmed again with entered numbers, it waits for new microdeposits.
      const again = await stripe.setupIntents.confirm(setup.id, {
        payment_method_data: entered(),
        mandate_data: onlineAcceptance,
      });
      assert.deepEqual([again.status, again.last_setup_error], ['requires_action', null]);
    });

    test("Stripe's test values end the verification: too many attempts, and a timeout", async () => {
      const stripe = h.stripe();
      const customer = await stripe.customers.create({ name: 'Jenny Rosen' });
      const cases: Array<[Stripe.SetupIntentVerifyMicrodepositsParams, string]> = [
        [{ descriptor_code: 'SM33CC' }, 'payment_method_microdeposit_verification_attempts_exceeded'],
        [{ amounts: [10, 11] }, 'payment_method_microdeposit_verification_attempts_exceeded'],
        [{ descriptor_code: 'SM44DD' }, 'payment_method_microdeposit_verification_timeout'],
        [{ amounts: [40, 41] }, 'payment_method_microdeposit_verification_timeout'],
      ];
      for (const [answer, code] of cases) {
        const setup = await waiting(stripe, customer.id);
        await refused(stripe.setupIntents.verifyMicrodeposits(setup.id, answer), {
          statusCode: 400,
          code,
          param: undefined,
        });
        const failed = checked('setup_intent', await stripe.setupIntents.retrieve(setup.id));
        assert.deepEqual([failed.status, failed.last_setup_error?.code], ['requires_payment_method', code]);
      }
    });

    test('bad verify requests are refused and change nothing', async () => {
      const stripe = h.stripe();
      const customer = await stripe.customers.create({ name: 'Jenny Rosen' });
      const setup = await waiting(stripe, customer.id);
      await refused(stripe.setupIntents.verifyMicrodeposits(setup.id, { amounts: [32] }), {
        statusCode: 400,
        code: 'payment_method_microdeposit_verification_amounts_invalid',
        param: 'amounts',
      });
      await refused(stripe.setupIntents.verifyMicrodeposits(setup.id, {}), {
        statusCode: 400,
        code: 'parameter_missing',
        param: 'descriptor_code',
      });
      await refused(
        stripe.setupIntents.verifyMicrodeposits(setup.id, { amounts: [32, 45], descriptor_code: 'SM11AA' }),
        { statusCode: 400, code: 'parameters_exclusive', param: 'descriptor_code' },
      );
      await refused(stripe.setupIntents.verifyMicrodeposits('seti_missing', { descriptor_code: 'SM11AA' }), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'intent',
      });
      // None of these counted as a wrong answer: two wrong ones still leave it waiting.
      for (const code of ['SM00AA', 'SM00BB'])
        await refused(stripe.setupIntents.verifyMicrodeposits(setup.id, { descriptor_code: code }), {
          statusCode: 400,
          code: 'payment_method_microdeposit_verification_descriptor_code_mismatch',
          param: undefined,
        });
      assert.equal((await stripe.setupIntents.retrieve(setup.id)).status, 'requires_action');
      const canceled = await stripe.setupIntents.cancel(setup.id);
      assert.deepEqual([canceled.status, canceled.next_action], ['canceled', null]);
    });

    test('test tokens and linked accounts stay verified at once; the GA version sees the same object', async () => {
      const ga = h.stripe({ apiVersion: gaVersion });
      const preview = h.stripe();
      const customer = await ga.customers.create({ name: 'Jenny Rosen' });
      const token = await ga.setupIntents.create({
        customer: customer.id,
        payment_method: 'pm_usBankAccount_success',
        confirm: true,
        mandate_data: onlineAcceptance,
      });
      assert.equal(token.status, 'succeeded');
      const setup = checked(
        'setup_intent',
        await ga.setupIntents.create({
          customer: customer.id,
          payment_method_data: entered(),
          confirm: true,
          mandate_data: onlineAcceptance,
        }),
      );
      assert.deepEqual(setup, body(await preview.setupIntents.retrieve(setup.id)));
      checked(
        'setup_intent',
        await ga.setupIntents.verifyMicrodeposits(setup.id, { descriptor_code: 'SM11AA' }),
      );
    });
  });
}
