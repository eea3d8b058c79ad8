import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { backends } from '../../support/backends.ts';
import { body } from '../../support/fc.ts';
import { gaVersion, type Harness, startHarness } from '../../support/harness.ts';
import { checked, linkForPayments, onlineAcceptance, refused } from '../../support/payments.ts';

const routing = '110000000';
const success = '000123456789';
const failMicrodeposits = '000666666661';

/** Entered numbers as Stripe's ACH guide sends them, with the holder's name Stripe requires. */
function entered(accountNumber: string, name = 'Jenny Rosen') {
  return {
    type: 'us_bank_account' as const,
    us_bank_account: {
      routing_number: routing,
      account_number: accountNumber,
      account_holder_type: 'individual' as const,
      account_type: 'checking' as const,
    },
    billing_details: { name },
  };
}

function enteredBody(pm: { id: string; created: number; us_bank_account?: unknown }, last4: string) {
  return {
    id: pm.id,
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: {
      address: null,
      email: null,
      name: 'Jenny Rosen',
      phone: null,
    },
    created: pm.created,
    customer: null,
    livemode: false,
    metadata: {},
    type: 'us_bank_account',
    us_bank_account: {
      account_holder_type: 'individual',
      account_type: 'checking',
      bank_name: 'STRIPE TEST BANK',
      financial_connections_account: null,
      fingerprint: (pm.us_bank_account as { fingerprint: string }).fingerprint,
      last4,
      networks: { preferred: 'ach', supported: ['ach'] },
      routing_number: routing,
      status_details: null,
    },
  };
}

async function counts(stripe: Stripe) {
  return {
    methods: (await stripe.paymentMethods.list({ limit: 100 })).data.length,
    setups: (await stripe.setupIntents.list({ limit: 100 })).data.length,
    payments: (await stripe.paymentIntents.list({ limit: 100 })).data.length,
  };
}

for (const backend of backends) {
  describe(`us_bank_account PaymentMethods from entered numbers on ${backend.name}`, {
    skip: backend.skip,
  }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(() => h?.close());

    test('shows last4, routing number, bank name and fingerprint; the account number is sealed at rest', async () => {
      const stripe = h.stripe();
      const pm = checked('payment_method', await stripe.paymentMethods.create(entered(success)));
      assert.match(pm.id, /^pm_/);
      assert.deepEqual(pm, enteredBody(pm, '6789'));
      assert.deepEqual(checked('payment_method', await stripe.paymentMethods.retrieve(pm.id)), pm);

      const again = await stripe.paymentMethods.create(entered(success));
      assert.notEqual(again.id, pm.id);
      assert.equal(again.us_bank_account?.fingerprint, pm.us_bank_account?.fingerprint, 'same number');
      const other = await stripe.paymentMethods.create(entered('000222222227'));
      assert.notEqual(other.us_bank_account?.fingerprint, pm.us_bank_account?.fingerprint, 'other number');
      const elsewhere = h.stripe({ key: (await h.otherMerchant()).secretKey });
      const theirs = await elsewhere.paymentMethods.create(entered(success));
      assert.notEqual(theirs.us_bank_account?.fingerprint, pm.us_bank_account?.fingerprint, 'per merchant');

      const row = await h.running.store.db
        .selectFrom('payment_methods')
        .selectAll()
        .where('id', '=', pm.id)
        .executeTakeFirstOrThrow();
      assert.ok(!JSON.stringify(row).includes(success), 'the plain number is not stored');
      assert.match(row.account_number_sealed ?? '', /^v1\./);
    });

    test('bad entered numbers get Stripe-shaped errors naming the parameter, and nothing is made', async () => {
      const stripe = h.stripe();
      const { account } = await linkForPayments(h);
      const before = await counts(stripe);
      const base = entered(success);
      const cases: Array<[object, { code: string; param: string }]> = [
        [
          { ...base, us_bank_account: { ...base.us_bank_account, routing_number: '110000001' } },
          { code: 'routing_number_invalid', param: 'us_bank_account[routing_number]' },
        ],
        [
          { ...base, us_bank_account: { ...base.us_bank_account, routing_number: '11000000' } },
          { code: 'routing_number_invalid', param: 'us_bank_account[routing_number]' },
        ],
        [
          { ...base, us_bank_account: { ...base.us_bank_account, account_number: '12ab' } },
          { code: 'account_number_invalid', param: 'us_bank_account[account_number]' },
        ],
        [
          { ...base, us_bank_account: { ...base.us_bank_account, account_number: '123' } },
          { code: 'account_number_invalid', param: 'us_bank_account[account_number]' },
        ],
        [
          { ...base, us_bank_account: { routing_number: routing } },
          { code: 'parameter_missing', param: 'us_bank_account[account_number]' },
        ],
        [
          { ...base, us_bank_account: { account_number: success } },
          { code: 'parameter_missing', param: 'us_bank_account[routing_number]' },
        ],
        [
          { ...base, billing_details: { email: 'j@example.com' } },
          { code: 'parameter_missing', param: 'billing_details[name]' },
        ],
        [
          {
            ...base,
            us_bank_account: { ...base.us_bank_account, financial_connections_account: account.id },
          },
          { code: 'parameters_exclusive', param: 'us_bank_account[financial_connections_account]' },
        ],
      ];
      for (const [params, expected] of cases) {
        await refused(stripe.paymentMethods.create(params as Stripe.PaymentMethodCreateParams), {
          statusCode: 400,
          ...expected,
        });
      }
      await refused(
        stripe.setupIntents.create({
          payment_method_data: {
            ...base,
            billing_details: {},
          } as Stripe.SetupIntentCreateParams.PaymentMethodData,
        }),
        { statusCode: 400, code: 'parameter_missing', param: 'payment_method_data[billing_details][name]' },
      );
      await refused(
        stripe.paymentIntents.create({
          amount: 1000,
          currency: 'usd',
          payment_method_data: {
            ...base,
            us_bank_account: { ...base.us_bank_account, routing_number: '123456789' },
          } as Stripe.PaymentIntentCreateParams.PaymentMethodData,
        }),
        {
          statusCode: 400,
          code: 'routing_number_invalid',
          param: 'payment_method_data[us_bank_account][routing_number]',
        },
      );
      assert.deepEqual(await counts(stripe), before);
    });

    test('a SetupIntent saves entered numbers for its customer; a saved PaymentMethod then pays off-session', async () => {
      const stripe = h.stripe();
      const customer = await stripe.customers.create({ name: 'Jenny Rosen' });
      const setup = checked(
        'setup_intent',
        await stripe.setupIntents.create({
          customer: customer.id,
          payment_method_data: entered(success),
          confirm: true,
          mandate_data: onlineAcceptance,
        }),
      );
      assert.equal(setup.status, 'requires_action', JSON.stringify(setup));
      const verified = checked(
        'setup_intent',
        await stripe.setupIntents.verifyMicrodeposits(setup.id, { descriptor_code: 'SM11AA' }),
      );
      assert.match(verified.mandate as string, /^mandate_/);
      const saved = checked(
        'payment_method',
        await stripe.paymentMethods.retrieve(setup.payment_method as string),
      );
      assert.deepEqual(saved, { ...enteredBody(saved, '6789'), customer: customer.id });
      const mandate = checked('mandate', await stripe.mandates.retrieve(verified.mandate as string));
      assert.deepEqual([mandate.status, mandate.payment_method], ['active', saved.id]);

      const payment = checked(
        'payment_intent',
        await stripe.paymentIntents.create({
          amount: 2500,
          currency: 'usd',
          customer: customer.id,
          payment_method: saved.id,
          off_session: true,
          confirm: true,
        }),
      );
      assert.deepEqual([payment.status, payment.payment_method], ['processing', saved.id]);
      const charge = checked('charge', await stripe.charges.retrieve(payment.latest_charge as string));
      assert.deepEqual(charge.payment_method_details?.us_bank_account, {
        account_holder_type: 'individual',
        account_type: 'checking',
        bank_name: 'STRIPE TEST BANK',
        fingerprint: saved.us_bank_account.fingerprint,
        last4: '6789',
        mandate: mandate.id,
        payment_reference: null,
        routing_number: routing,
      });
    });

    test('each use of a pm_usBankAccount_ test token makes a fresh PaymentMethod with its test number', async () => {
      const stripe = h.stripe();
      const customer = await stripe.customers.create({ name: 'Token Holder' });
      const first = checked(
        'payment_method',
        await stripe.paymentMethods.attach('pm_usBankAccount_success', { customer: customer.id }),
      );
      const second = await stripe.paymentMethods.attach('pm_usBankAccount_success', {
        customer: customer.id,
      });
      assert.notEqual(first.id, second.id);
      assert.match(first.id, /^pm_/);
      assert.deepEqual(
        [
          first.customer,
          first.us_bank_account?.last4,
          first.us_bank_account?.routing_number,
          first.us_bank_account?.bank_name,
        ],
        [customer.id, '6789', routing, 'STRIPE TEST BANK'],
      );
      assert.equal(second.us_bank_account?.fingerprint, first.us_bank_account?.fingerprint);

      const setup = checked(
        'setup_intent',
        await stripe.setupIntents.create({
          customer: customer.id,
          payment_method: 'pm_usBankAccount_insufficientFunds',
          confirm: true,
          mandate_data: onlineAcceptance,
        }),
      );
      assert.equal(setup.status, 'succeeded');
      const made = await stripe.paymentMethods.retrieve(setup.payment_method as string);
      assert.deepEqual([made.customer, made.us_bank_account?.last4], [customer.id, '2227']);
      const unconfirmed = await stripe.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        payment_method: 'pm_usBankAccount_processing',
      });
      assert.equal(unconfirmed.status, 'requires_confirmation');
      assert.equal(
        (await stripe.paymentMethods.retrieve(unconfirmed.payment_method as string)).us_bank_account?.last4,
        '0009',
      );
      const updated = await stripe.paymentIntents.update(unconfirmed.id, {
        payment_method_data: entered('000111111116'),
      });
      assert.notEqual(updated.payment_method, unconfirmed.payment_method);
      assert.equal(
        (await stripe.paymentMethods.retrieve(updated.payment_method as string)).us_bank_account?.last4,
        '1116',
      );
      await refused(
        stripe.paymentIntents.create({
          amount: 1000,
          currency: 'usd',
          payment_method: 'pm_usBankAccount_unknown',
        }),
        {
          statusCode: 404,
          code: 'resource_missing',
          param: 'payment_method',
        },
      );
    });

    test('the number whose microdeposits fail can be stored but not confirmed, and a refused confirmation writes nothing', async () => {
      const stripe = h.stripe();
      const customer = await stripe.customers.create({ name: 'Jenny Rosen' });
      const pm = await stripe.paymentMethods.create(entered(failMicrodeposits));
      assert.equal(pm.us_bank_account?.last4, '6661');
      const before = await counts(stripe);
      await refused(
        stripe.setupIntents.create({
          customer: customer.id,
          payment_method: pm.id,
          confirm: true,
          mandate_data: onlineAcceptance,
        }),
        { statusCode: 400, code: 'payment_method_microdeposit_failed', param: 'payment_method' },
        /could not be verified/,
      );
      await refused(
        stripe.paymentIntents.create({
          amount: 1000,
          currency: 'usd',
          payment_method_data: entered(failMicrodeposits),
          confirm: true,
          mandate_data: onlineAcceptance,
        }),
        { statusCode: 400, code: 'payment_method_microdeposit_failed', param: 'payment_method_data' },
      );
      await refused(
        stripe.paymentIntents.create({
          amount: 1000,
          currency: 'usd',
          payment_method: 'pm_usBankAccount_failMicrodeposits',
          confirm: true,
          mandate_data: onlineAcceptance,
        }),
        { statusCode: 400, code: 'payment_method_microdeposit_failed', param: 'payment_method' },
      );
      assert.deepEqual(await counts(stripe), before);
      const setup = await stripe.setupIntents.create({ customer: customer.id, payment_method: pm.id });
      await refused(stripe.setupIntents.confirm(setup.id, { mandate_data: onlineAcceptance }), {
        statusCode: 400,
        code: 'payment_method_microdeposit_failed',
        param: 'payment_method',
      });
      assert.equal((await stripe.setupIntents.retrieve(setup.id)).status, 'requires_confirmation');
    });

    test('entered numbers are refused where the intent asks for instant verification only', async () => {
      const stripe = h.stripe();
      const customer = await stripe.customers.create({ name: 'Jenny Rosen' });
      const before = await counts(stripe);
      const instantOnly = {
        statusCode: 400,
        code: 'payment_method_invalid_parameter',
        param: 'payment_method_options[us_bank_account][verification_method]',
      };
      await refused(
        stripe.setupIntents.create({
          customer: customer.id,
          payment_method_data: entered(success),
          payment_method_options: { us_bank_account: { verification_method: 'instant' } },
          confirm: true,
          mandate_data: onlineAcceptance,
        }),
        instantOnly,
        /cannot be verified instantly/,
      );
      await refused(
        stripe.paymentIntents.create({
          amount: 1000,
          currency: 'usd',
          payment_method: 'pm_usBankAccount_success',
          payment_method_options: { us_bank_account: { verification_method: 'instant' } },
          confirm: true,
          mandate_data: onlineAcceptance,
        }),
        instantOnly,
      );
      assert.deepEqual(await counts(stripe), before);
      const setup = await stripe.setupIntents.create({
        customer: customer.id,
        payment_method_data: entered(success),
        payment_method_options: { us_bank_account: { verification_method: 'instant' } },
      });
      await refused(stripe.setupIntents.confirm(setup.id, { mandate_data: onlineAcceptance }), instantOnly);
      const confirmed = await stripe.setupIntents.confirm(setup.id, {
        mandate_data: onlineAcceptance,
        payment_method_options: { us_bank_account: { verification_method: 'automatic' } },
      });
      assert.equal(confirmed.status, 'requires_action');
    });

    test('on the GA version the SDK pins, the objects are the same and match the schemas', async () => {
      const ga = h.stripe({ apiVersion: gaVersion });
      const preview = h.stripe();
      const customer = await ga.customers.create({ name: 'Jenny Rosen' });
      const setup = checked(
        'setup_intent',
        await ga.setupIntents.create({
          customer: customer.id,
          payment_method_data: entered(success),
          confirm: true,
          mandate_data: onlineAcceptance,
        }),
      );
      assert.deepEqual(setup, body(await preview.setupIntents.retrieve(setup.id)));
      const pm = checked('payment_method', await ga.paymentMethods.retrieve(setup.payment_method as string));
      assert.deepEqual(pm, body(await preview.paymentMethods.retrieve(pm.id)));
      const payment = checked(
        'payment_intent',
        await ga.paymentIntents.create({
          amount: 1000,
          currency: 'usd',
          payment_method: 'pm_usBankAccount_noAccount',
          confirm: true,
          mandate_data: onlineAcceptance,
        }),
      );
      assert.deepEqual(payment, body(await preview.paymentIntents.retrieve(payment.id)));
      checked('charge', await ga.charges.retrieve(payment.latest_charge as string));
    });
  });
}
