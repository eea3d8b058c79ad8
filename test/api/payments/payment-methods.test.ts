import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { backends } from '../../support/backends.ts';
import { body, completeSession, createSession } from '../../support/fc.ts';
import { type Harness, startHarness } from '../../support/harness.ts';
import {
  checked,
  eventsAbout,
  linkForPayments,
  numbersOf,
  onlineAcceptance,
  refused,
  setUpFromAccount,
  simulateAccount,
  tokenizing,
} from '../../support/payments.ts';
import { assertListOf } from '../../support/stripe-schemas.ts';

type BankDetails = Stripe.PaymentMethod.UsBankAccount;

for (const backend of backends) {
  describe(`us_bank_account PaymentMethods on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(() => h?.close());

    async function bankOf(stripe: Stripe, id: string): Promise<BankDetails> {
      return checked('payment_method', await stripe.paymentMethods.retrieve(id))
        .us_bank_account as BankDetails;
    }

    test('blocked while the tokenized numbers are deactivated; after a relink the same PaymentMethod has the new numbers, each change with its event', async () => {
      const { stripe, customer, account, authorization } = await linkForPayments(h, {
        institution: tokenizing,
      });
      const intent = await setUpFromAccount(stripe, customer.id, account.id);
      const pmId = intent.payment_method as string;
      const linked = await bankOf(stripe, pmId);
      const first = await numbersOf(h, account.id);
      assert.equal(linked.last4, first.last4);
      assert.equal(linked.routing_number, first.routing);
      assert.equal(linked.status_details, null);
      const firstNumber = (await h.running.services.accountNumbers.open(account.id))?.[0]?.accountNumber;

      await simulateAccount(h, account.id, 'account_numbers_deactivated');
      const blocked = await bankOf(stripe, pmId);
      assert.deepEqual(blocked, {
        ...linked,
        status_details: { blocked: { network_code: null, reason: 'tokenized_account_number_deactivated' } },
      });

      const session = await createSession(stripe, {
        account_holder: { type: 'customer', customer: customer.id },
        permissions: ['payment_method'],
        relink_options: { authorization, account: account.id },
      });
      assert.equal((await completeSession(stripe, session.id)).status, 'succeeded');
      const fresh = await numbersOf(h, account.id);
      const freshNumber = (await h.running.services.accountNumbers.open(account.id))?.[0]?.accountNumber;
      assert.notEqual(freshNumber, firstNumber, 'the bank issued a new tokenized number');
      const relinked = await bankOf(stripe, pmId);
      assert.deepEqual(relinked, {
        ...linked,
        last4: fresh.last4,
        routing_number: fresh.routing,
        status_details: null,
      });
      assert.equal(relinked.fingerprint, linked.fingerprint, 'the same bank account keeps its fingerprint');
      // Each change of the numbers is told in the transaction that stored them.
      const events = await eventsAbout(stripe, pmId);
      assert.deepEqual(
        events.map((e) => [
          e.type,
          e.data.previous_attributes ?? null,
          (e.data.object as Stripe.PaymentMethod).us_bank_account,
        ]),
        [
          ['payment_method.attached', null, linked],
          ['payment_method.automatically_updated', { us_bank_account: { status_details: null } }, blocked],
          [
            'payment_method.automatically_updated',
            { us_bank_account: { last4: linked.last4, status_details: blocked.status_details } },
            relinked,
          ],
        ],
      );
      const shown = JSON.stringify([linked, blocked, relinked, events]);
      for (const number of [firstNumber, freshNumber]) {
        assert.ok(number && !shown.includes(number), 'no response or event shows the account number');
      }
      const listed = await stripe.paymentMethods.list({ customer: customer.id, type: 'us_bank_account' });
      assert.deepEqual(
        listed.data.map((pm) => [pm.id, pm.us_bank_account?.last4]),
        [[pmId, fresh.last4]],
      );
    });

    test('an account closed at the bank blocks its PaymentMethods as bank_account_closed', async () => {
      const { stripe, account } = await linkForPayments(h);
      const pm = await stripe.paymentMethods.create({
        type: 'us_bank_account',
        us_bank_account: { financial_connections_account: account.id, account_holder_type: 'company' },
      });
      assert.equal(pm.us_bank_account?.account_holder_type, 'company');
      await simulateAccount(h, account.id, 'account_closed');
      assert.deepEqual((await bankOf(stripe, pm.id)).status_details, {
        blocked: { network_code: null, reason: 'bank_account_closed' },
      });
    });

    test('create, update, attach, detach (ending its mandate) and their events', async () => {
      const { stripe, customer, account } = await linkForPayments(h);
      const created = checked(
        'payment_method',
        await stripe.paymentMethods.create({
          type: 'us_bank_account',
          us_bank_account: { financial_connections_account: account.id, account_type: 'savings' },
          billing_details: { name: 'Jenny Rosen', address: { city: 'Boston', country: 'US' } },
          metadata: { source: 'test' },
        }),
      );
      assert.equal(created.customer, null);
      assert.deepEqual(created.billing_details, {
        address: { city: 'Boston', country: 'US', line1: null, line2: null, postal_code: null, state: null },
        email: null,
        name: 'Jenny Rosen',
        phone: null,
      });
      assert.equal(created.us_bank_account?.account_type, 'savings');

      const updated = checked(
        'payment_method',
        await stripe.paymentMethods.update(created.id, {
          billing_details: { email: 'jenny@example.com', address: { line1: '1 Main St' } },
          metadata: { source: '', plan: 'gold' },
        }),
      );
      assert.deepEqual(updated, {
        ...created,
        billing_details: {
          ...created.billing_details,
          email: 'jenny@example.com',
          address: { ...created.billing_details.address, line1: '1 Main St' },
        },
        metadata: { plan: 'gold' },
      });

      const attached = checked(
        'payment_method',
        await stripe.paymentMethods.attach(created.id, { customer: customer.id }),
      );
      assert.deepEqual(attached, { ...updated, customer: customer.id });
      const intent = await stripe.setupIntents.create({
        customer: customer.id,
        payment_method: created.id,
        confirm: true,
        mandate_data: onlineAcceptance,
      });
      assert.equal(intent.status, 'succeeded');
      const mandateId = intent.mandate as string;

      const detached = checked('payment_method', await stripe.paymentMethods.detach(created.id));
      assert.deepEqual(detached, { ...updated, customer: null });
      assert.equal((await stripe.mandates.retrieve(mandateId)).status, 'inactive');
      await refused(stripe.paymentMethods.detach(created.id), {
        statusCode: 400,
        code: 'payment_method_unexpected_state',
        param: 'payment_method',
      });

      const events = await eventsAbout(stripe, created.id);
      assert.deepEqual(
        events.map((e) => [e.type, e.data.previous_attributes ?? null]),
        [
          [
            'payment_method.updated',
            {
              billing_details: created.billing_details,
              metadata: { source: 'test', plan: '' },
            },
          ],
          ['payment_method.attached', null],
          ['payment_method.detached', { customer: customer.id }],
        ],
      );
      assert.deepEqual(body(events[2]?.data.object as object), detached);
      const mandateEvents = await eventsAbout(stripe, mandateId);
      assert.deepEqual(
        mandateEvents.map((e) => [
          e.type,
          (e.data.object as { status: string }).status,
          e.data.previous_attributes,
        ]),
        [['mandate.updated', 'inactive', { status: 'active' }]],
      );
    });

    test('list by customer and type, with pagination', async () => {
      const { stripe, customer, account } = await linkForPayments(h);
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const pm = await stripe.paymentMethods.create({
          type: 'us_bank_account',
          us_bank_account: { financial_connections_account: account.id },
        });
        await stripe.paymentMethods.attach(pm.id, { customer: customer.id });
        ids.push(pm.id);
      }
      await stripe.paymentMethods.create({
        type: 'us_bank_account',
        us_bank_account: { financial_connections_account: account.id },
      });
      const page = await stripe.paymentMethods.list({ customer: customer.id, limit: 2 });
      assertListOf('payment_method', body(page), '/v1/payment_methods');
      assert.deepEqual(
        page.data.map((pm) => pm.id),
        [ids[2], ids[1]],
      );
      assert.equal(page.has_more, true);
      const next = await stripe.paymentMethods.list({ customer: customer.id, starting_after: ids[1] });
      assert.deepEqual(
        next.data.map((pm) => pm.id),
        [ids[0]],
      );
      assert.equal(next.has_more, false);
      const back = await stripe.paymentMethods.list({
        customer: customer.id,
        ending_before: ids[0],
        limit: 1,
      });
      assert.deepEqual(
        back.data.map((pm) => pm.id),
        [ids[1]],
      );
      const viaCustomer = await stripe.customers.listPaymentMethods(customer.id, { type: 'us_bank_account' });
      assertListOf('payment_method', body(viaCustomer), `/v1/customers/${customer.id}/payment_methods`);
      assert.deepEqual(
        viaCustomer.data.map((pm) => pm.id),
        [...ids].reverse(),
      );
      assert.deepEqual((await stripe.paymentMethods.list({ customer: customer.id, type: 'card' })).data, []);
    });

    test('bad input, missing objects and other merchants get Stripe-shaped errors', async () => {
      const { stripe, customer, account } = await linkForPayments(h);
      const cases: Array<[Record<string, unknown>, Record<string, unknown>]> = [
        [{ type: 'card' }, { statusCode: 400, code: undefined, param: 'type' }],
        [
          { type: 'us_bank_account' },
          {
            statusCode: 400,
            code: 'parameter_missing',
            param: 'us_bank_account[financial_connections_account]',
          },
        ],
        [
          {
            type: 'us_bank_account',
            us_bank_account: { account_number: '000123456789', routing_number: '110000000' },
          },
          { statusCode: 400, code: 'parameter_missing', param: 'billing_details[name]' },
        ],
        [
          { type: 'us_bank_account', us_bank_account: { financial_connections_account: 'fca_missing' } },
          {
            statusCode: 404,
            code: 'resource_missing',
            param: 'us_bank_account[financial_connections_account]',
          },
        ],
        [
          {
            type: 'us_bank_account',
            us_bank_account: { financial_connections_account: account.id, account_holder_type: 'robot' },
          },
          { statusCode: 400, code: undefined, param: 'us_bank_account[account_holder_type]' },
        ],
      ];
      for (const [params, expected] of cases) {
        await assert.rejects(
          stripe.paymentMethods.create(params as unknown as Stripe.PaymentMethodCreateParams),
          (e: Stripe.errors.StripeError) => {
            const actual = Object.fromEntries(Object.keys(expected).map((k) => [k, e[k as keyof typeof e]]));
            assert.deepEqual(actual, expected, `${JSON.stringify(params)}: ${JSON.stringify(e.raw)}`);
            return true;
          },
        );
      }
      const pm = await stripe.paymentMethods.create({
        type: 'us_bank_account',
        us_bank_account: { financial_connections_account: account.id },
      });
      await refused(stripe.paymentMethods.retrieve('pm_missing'), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'payment_method',
      });
      await refused(stripe.paymentMethods.attach(pm.id, { customer: 'cus_missing' }), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'customer',
      });
      await stripe.paymentMethods.attach(pm.id, { customer: customer.id });
      const second = await stripe.customers.create({ name: 'second' });
      await refused(stripe.paymentMethods.attach(pm.id, { customer: second.id }), {
        statusCode: 400,
        code: 'payment_method_unexpected_state',
        param: 'payment_method',
      });
      const other = h.stripe({ key: (await h.otherMerchant()).secretKey });
      await refused(other.paymentMethods.retrieve(pm.id), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'payment_method',
      });
      await refused(
        other.paymentMethods.create({
          type: 'us_bank_account',
          us_bank_account: { financial_connections_account: account.id },
        }),
        {
          statusCode: 404,
          code: 'resource_missing',
          param: 'us_bank_account[financial_connections_account]',
        },
      );
      const publishable = h.stripe({ key: h.publishableKey });
      await assert.rejects(publishable.paymentMethods.retrieve(pm.id), (e: Stripe.errors.StripeError) => {
        assert.equal(e.code, 'secret_key_required');
        return true;
      });
    });

    test('a create repeated with its Idempotency-Key answers with the same PaymentMethod', async () => {
      const { stripe, account } = await linkForPayments(h);
      const params = {
        type: 'us_bank_account' as const,
        us_bank_account: { financial_connections_account: account.id },
      };
      const first = await stripe.paymentMethods.create(params, { idempotencyKey: `pm-${account.id}` });
      const again = await stripe.paymentMethods.create(params, { idempotencyKey: `pm-${account.id}` });
      assert.deepEqual(body(again), body(first));
      assert.equal(again.lastResponse.headers['idempotent-replayed'], 'true');
    });
  });
}
