import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { backends } from '../../support/backends.ts';
import { body, completeSession, createSession, type PreviewAccount } from '../../support/fc.ts';
import { type Harness, startHarness } from '../../support/harness.ts';
import {
  linkForPayments,
  onlineAcceptance,
  refused,
  setUpFromAccount,
  simulateAccount,
  tokenizing,
} from '../../support/payments.ts';

const dataParam = 'payment_method_data[us_bank_account][financial_connections_account]';
const directParam = 'us_bank_account[financial_connections_account]';

for (const backend of backends) {
  describe(`the checks Stripe makes before paying from an account, on ${backend.name}`, {
    skip: backend.skip,
  }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(() => h?.close());

    /** How many SetupIntents and PaymentMethods the merchant has: a refusal must change neither. */
    async function counts(stripe: Stripe) {
      const [intents, methods] = await Promise.all([
        stripe.setupIntents.list({ limit: 100 }),
        stripe.paymentMethods.list({ limit: 100 }),
      ]);
      return { intents: intents.data.length, methods: methods.data.length };
    }

    /** Both ways of building a PaymentMethod on `account` are refused with `expected`. */
    async function bothRefused(
      stripe: Stripe,
      customer: string,
      account: string,
      expected: { statusCode: number; code: string },
      message: RegExp,
    ) {
      const before = await counts(stripe);
      await refused(setUpFromAccount(stripe, customer, account), { ...expected, param: dataParam }, message);
      await refused(
        stripe.paymentMethods.create({
          type: 'us_bank_account',
          us_bank_account: { financial_connections_account: account },
        }),
        { ...expected, param: directParam },
        message,
      );
      assert.deepEqual(await counts(stripe), before, 'nothing was written');
    }

    test('an account linked without the payment_method permission', async () => {
      const { stripe, customer, account } = await linkForPayments(h, { permissions: ['balances'] });
      await bothRefused(
        stripe,
        customer.id,
        account.id,
        { statusCode: 400, code: 'payment_method_invalid_parameter' },
        /payment_method permission/,
      );
    });

    test('an inactive account, and a disconnected one', async () => {
      const closed = await linkForPayments(h);
      await simulateAccount(h, closed.account.id, 'account_closed');
      await bothRefused(
        closed.stripe,
        closed.customer.id,
        closed.account.id,
        { statusCode: 400, code: 'financial_connections_account_inactive' },
        /is inactive/,
      );
      const gone = await linkForPayments(h);
      await gone.stripe.financialConnections.accounts.disconnect(gone.account.id);
      await bothRefused(
        gone.stripe,
        gone.customer.id,
        gone.account.id,
        { statusCode: 400, code: 'financial_connections_account_inactive' },
        /is disconnected/,
      );
    });

    test('an account whose tokenized numbers are deactivated has no transactable numbers', async () => {
      const { stripe, customer, account } = await linkForPayments(h, { institution: tokenizing });
      await simulateAccount(h, account.id, 'account_numbers_deactivated');
      await bothRefused(
        stripe,
        customer.id,
        account.id,
        { statusCode: 400, code: 'financial_connections_account_unavailable_account_numbers' },
        /no account numbers/,
      );
    });

    test('an account that does not support us_bank_account', async () => {
      const { stripe, customer, account } = await linkForPayments(h, {
        institution: 'Invalid Payment Accounts',
      });
      assert.deepEqual(account.supported_payment_method_types, []);
      await bothRefused(
        stripe,
        customer.id,
        account.id,
        { statusCode: 400, code: 'bank_account_unusable' },
        /cannot be used for us_bank_account/,
      );
    });

    test("the SetupIntent's customer must be the account's holder", async () => {
      const { stripe, account } = await linkForPayments(h);
      const stranger = await stripe.customers.create({ name: 'someone else' });
      const before = await counts(stripe);
      const data = {
        type: 'us_bank_account' as const,
        us_bank_account: { financial_connections_account: account.id },
      };
      await refused(
        stripe.setupIntents.create({ customer: stranger.id, payment_method_data: data }),
        { statusCode: 400, code: 'setup_intent_invalid_parameter', param: 'customer' },
        /belongs to another customer/,
      );
      const pm = await stripe.paymentMethods.create(data);
      await refused(stripe.setupIntents.create({ customer: stranger.id, payment_method: pm.id }), {
        statusCode: 400,
        code: 'setup_intent_invalid_parameter',
        param: 'customer',
      });
      const unowned = await stripe.setupIntents.create({ payment_method: pm.id });
      await refused(stripe.setupIntents.update(unowned.id, { customer: stranger.id }), {
        statusCode: 400,
        code: 'setup_intent_invalid_parameter',
        param: 'customer',
      });
      assert.equal((await stripe.setupIntents.retrieve(unowned.id)).customer, null);
      assert.deepEqual(await counts(stripe), {
        ...before,
        methods: before.methods + 1,
        intents: before.intents + 1,
      });

      const session = await createSession(stripe, {
        permissions: ['payment_method'],
        limits: { accounts: 1 },
      });
      const orphan = (await completeSession(stripe, session.id)).accounts.data[0] as PreviewAccount;
      assert.equal(orphan.account_holder, null);
      const orphanData = {
        type: 'us_bank_account' as const,
        us_bank_account: { financial_connections_account: orphan.id },
      };
      await refused(
        stripe.setupIntents.create({ customer: stranger.id, payment_method_data: orphanData }),
        { statusCode: 400, code: 'setup_intent_invalid_parameter', param: 'customer' },
        /has no account holder/,
      );
      const without = await stripe.setupIntents.create({
        payment_method_data: orphanData,
        confirm: true,
        mandate_data: onlineAcceptance,
      });
      assert.equal(without.status, 'succeeded', 'without a customer, an account without a holder will do');
      assert.equal((await stripe.paymentMethods.retrieve(without.payment_method as string)).customer, null);
    });

    test('confirming with a PaymentMethod blocked since is refused and leaves the SetupIntent as it was', async () => {
      const { stripe, customer, account } = await linkForPayments(h, { institution: tokenizing });
      const intent = await stripe.setupIntents.create({
        customer: customer.id,
        payment_method_data: {
          type: 'us_bank_account',
          us_bank_account: { financial_connections_account: account.id },
        },
      });
      await simulateAccount(h, account.id, 'account_numbers_deactivated');
      await refused(
        stripe.setupIntents.confirm(intent.id, { mandate_data: onlineAcceptance }),
        { statusCode: 400, code: 'payment_method_bank_account_blocked', param: 'payment_method' },
        /tokenized_account_number_deactivated/,
      );
      assert.deepEqual(body(await stripe.setupIntents.retrieve(intent.id)), body(intent));
      assert.equal((await stripe.paymentMethods.retrieve(intent.payment_method as string)).customer, null);
      assert.equal((await stripe.setupAttempts.list({ setup_intent: intent.id })).data.length, 0);
      await refused(
        stripe.setupIntents.create({
          customer: customer.id,
          payment_method: intent.payment_method as string,
        }),
        { statusCode: 400, code: 'payment_method_bank_account_blocked', param: 'payment_method' },
      );
    });

    test('a PaymentMethod stays usable after its account is disconnected, as Stripe documents', async () => {
      const { stripe, customer, account } = await linkForPayments(h);
      const pm = await stripe.paymentMethods.create({
        type: 'us_bank_account',
        us_bank_account: { financial_connections_account: account.id },
      });
      await stripe.financialConnections.accounts.disconnect(account.id);
      const intent = await stripe.setupIntents.create({
        customer: customer.id,
        payment_method: pm.id,
        confirm: true,
        mandate_data: onlineAcceptance,
      });
      assert.equal(intent.status, 'succeeded');
      assert.equal((await stripe.paymentMethods.retrieve(pm.id)).us_bank_account?.status_details, null);
    });
  });
}
