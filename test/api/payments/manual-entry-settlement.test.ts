import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { afterBusinessDays } from '../../../src/domain/payments/payment-intent-rules.ts';
import { backends } from '../../support/backends.ts';
import { body } from '../../support/fc.ts';
import { type Harness, startHarness } from '../../support/harness.ts';
import {
  advanceClock,
  checked,
  clockNow,
  eventsAbout,
  intentBody,
  linkForPayments,
  onlineAcceptance,
  refused,
} from '../../support/payments.ts';

/** Stripe's test tokens and what their debits come to, with the code a returned debit carries. */
const outcomes: Array<[token: string, last4: string, status: string, code: string | null]> = [
  ['pm_usBankAccount_success', '6789', 'succeeded', null],
  ['pm_usBankAccount_accountClosed', '1113', 'requires_payment_method', 'account_closed'],
  ['pm_usBankAccount_noAccount', '1116', 'requires_payment_method', 'no_account'],
  ['pm_usBankAccount_insufficientFunds', '2227', 'requires_payment_method', 'insufficient_funds'],
  ['pm_usBankAccount_debitNotAuthorized', '3335', 'requires_payment_method', 'debit_not_authorized'],
  ['pm_usBankAccount_invalidCurrency', '4440', 'requires_payment_method', 'payment_method_currency_mismatch'],
  // Disputes are not modelled: the debit settles.
  ['pm_usBankAccount_dispute', '5559', 'succeeded', null],
  ['pm_usBankAccount_processing', '0009', 'processing', null],
];

function pay(stripe: Stripe, token: string) {
  return stripe.paymentIntents.create({
    amount: 4200,
    currency: 'usd',
    payment_method: token,
    confirm: true,
    mandate_data: onlineAcceptance,
  });
}

for (const backend of backends) {
  describe(`ACH debits from Stripe's test numbers on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(() => h?.close());

    test('at settlement each test number succeeds, fails with its code, or stays processing', async () => {
      const stripe = h.stripe();
      const sentAt = await clockNow(stripe);
      const sent: Stripe.PaymentIntent[] = [];
      for (const [token, last4] of outcomes) {
        const intent = checked('payment_intent', await pay(stripe, token));
        assert.equal(intent.status, 'processing', token);
        const pm = await stripe.paymentMethods.retrieve(intent.payment_method as string);
        assert.equal(pm.us_bank_account?.last4, last4, token);
        sent.push(intent as Stripe.PaymentIntent);
      }
      await advanceClock(stripe, afterBusinessDays(sentAt, 4) - (await clockNow(stripe)) + 60);

      for (const [i, [token, , status, code]] of outcomes.entries()) {
        const intent = sent[i] as Stripe.PaymentIntent;
        const settled = checked('payment_intent', await stripe.paymentIntents.retrieve(intent.id));
        const charge = checked('charge', await stripe.charges.retrieve(intent.latest_charge as string));
        const paymentMethod = intent.payment_method as string;
        const base = {
          id: intent.id,
          amount: 4200,
          client_secret: intent.client_secret,
          created: intent.created,
          latest_charge: charge.id,
        } as Partial<Stripe.PaymentIntent> & { id: string };
        if (code === null) {
          const succeeded = status === 'succeeded';
          assert.deepEqual(
            settled,
            intentBody({
              ...base,
              status,
              payment_method: paymentMethod,
              amount_received: succeeded ? 4200 : 0,
            } as typeof base),
            token,
          );
          assert.deepEqual(
            [charge.status, charge.failure_code, charge.paid],
            succeeded ? ['succeeded', null, true] : ['pending', null, false],
            token,
          );
          continue;
        }
        const pm = await stripe.paymentMethods.retrieve(paymentMethod);
        assert.deepEqual(
          settled,
          intentBody({
            ...base,
            status: 'requires_payment_method',
            last_payment_error: {
              charge: charge.id,
              code,
              doc_url: `https://stripe.com/docs/error-codes/${code.replaceAll('_', '-')}`,
              message: settled.last_payment_error?.message,
              payment_method: body(pm),
              type: 'invalid_request_error',
            } as Stripe.PaymentIntent.LastPaymentError,
          }),
          token,
        );
        assert.deepEqual(
          [charge.status, charge.failure_code, charge.failure_message, charge.paid],
          ['failed', code, settled.last_payment_error?.message, false],
          token,
        );
      }

      const failed = sent[1] as Stripe.PaymentIntent;
      assert.deepEqual(
        (await eventsAbout(stripe, failed.id)).map((e) => e.type),
        ['payment_intent.created', 'payment_intent.processing', 'payment_intent.payment_failed'],
      );
      assert.deepEqual(
        (await eventsAbout(stripe, failed.latest_charge as string)).map((e) => e.type),
        ['charge.pending', 'charge.failed'],
      );

      // Still processing a month later, and never settled again.
      const waiting = sent[outcomes.length - 1] as Stripe.PaymentIntent;
      await advanceClock(stripe, 30 * 86_400);
      assert.equal((await stripe.paymentIntents.retrieve(waiting.id)).status, 'processing');
      assert.equal((await stripe.charges.retrieve(waiting.latest_charge as string)).status, 'pending');
      assert.deepEqual(
        (await eventsAbout(stripe, waiting.id)).map((e) => e.type),
        ['payment_intent.created', 'payment_intent.processing'],
      );
    });

    test('a failed debit can be confirmed again with other entered numbers, which verify and then succeed', async () => {
      const stripe = h.stripe();
      const sentAt = await clockNow(stripe);
      const intent = await pay(stripe, 'pm_usBankAccount_insufficientFunds');
      await advanceClock(stripe, afterBusinessDays(sentAt, 4) - (await clockNow(stripe)) + 60);
      assert.equal((await stripe.paymentIntents.retrieve(intent.id)).status, 'requires_payment_method');
      const againAt = await clockNow(stripe);
      const waiting = checked(
        'payment_intent',
        await stripe.paymentIntents.confirm(intent.id, {
          payment_method_data: {
            type: 'us_bank_account',
            us_bank_account: { routing_number: '110000000', account_number: '000123456789' },
            billing_details: { name: 'Jenny Rosen' },
          },
          mandate_data: onlineAcceptance,
        }),
      );
      // Numbers entered by hand wait for their microdeposits before anything is debited.
      assert.deepEqual([waiting.status, waiting.last_payment_error], ['requires_action', null]);
      const retried = checked(
        'payment_intent',
        await stripe.paymentIntents.verifyMicrodeposits(intent.id, { descriptor_code: 'SM11AA' }),
      );
      assert.deepEqual([retried.status, retried.last_payment_error], ['processing', null]);
      assert.notEqual(retried.payment_method, intent.payment_method);
      await advanceClock(stripe, afterBusinessDays(againAt, 4) - (await clockNow(stripe)) + 60);
      const settled = await stripe.paymentIntents.retrieve(intent.id);
      assert.deepEqual([settled.status, settled.amount_received], ['succeeded', 4200]);
    });

    test('accounts of the Invalid Payment Accounts institution cannot become PaymentMethods', async () => {
      const { stripe, customer, account } = await linkForPayments(h, {
        institution: 'Invalid Payment Accounts',
      });
      assert.deepEqual(account.supported_payment_method_types, []);
      const before = (await stripe.paymentMethods.list({ limit: 100 })).data.length;
      const data = {
        type: 'us_bank_account' as const,
        us_bank_account: { financial_connections_account: account.id },
      };
      const unusable = { statusCode: 400, code: 'bank_account_unusable' };
      await refused(
        stripe.paymentMethods.create(data),
        { ...unusable, param: 'us_bank_account[financial_connections_account]' },
        /cannot be used for us_bank_account payments/,
      );
      await refused(stripe.setupIntents.create({ customer: customer.id, payment_method_data: data }), {
        ...unusable,
        param: 'payment_method_data[us_bank_account][financial_connections_account]',
      });
      await refused(
        stripe.paymentIntents.create({
          amount: 1000,
          currency: 'usd',
          customer: customer.id,
          payment_method_data: data,
          confirm: true,
          mandate_data: onlineAcceptance,
        }),
        { ...unusable, param: 'payment_method_data[us_bank_account][financial_connections_account]' },
      );
      assert.equal((await stripe.paymentMethods.list({ limit: 100 })).data.length, before);
    });
  });
}
