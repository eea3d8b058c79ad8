import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { backends } from '../../support/backends.ts';
import { body } from '../../support/fc.ts';
import { gaVersion, type Harness, startHarness } from '../../support/harness.ts';
import {
  checked,
  eventsAbout,
  linkForPayments,
  numbersOf,
  onlineAcceptance,
  refused,
} from '../../support/payments.ts';
import { assertListOf } from '../../support/stripe-schemas.ts';

/** A confirmation as a browser sends it: with the client secret, which the server SDK's types leave out. */
function withSecret(clientSecret: string | null): Stripe.SetupIntentConfirmParams {
  return { client_secret: clientSecret, mandate_data: onlineAcceptance } as Stripe.SetupIntentConfirmParams;
}

for (const backend of backends) {
  describe(`SetupIntents on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(() => h?.close());

    test("the guide's flow: SetupIntent from the account, confirmed with a mandate, PaymentMethod attached", async () => {
      const { stripe, customer, account } = await linkForPayments(h);
      const created = checked(
        'setup_intent',
        await stripe.setupIntents.create({
          customer: customer.id,
          // The guide's parameter, which the 2026 SDK types no longer list.
          ...({ payment_method_types: ['us_bank_account'] } as object),
          payment_method_data: {
            type: 'us_bank_account',
            us_bank_account: { financial_connections_account: account.id },
            billing_details: { name: 'Jenny Rosen', email: 'jenny@example.com' },
          },
          payment_method_options: { us_bank_account: { verification_method: 'instant' } },
          metadata: { order: '42' },
        }),
      );
      const pmId = created.payment_method as string;
      assert.match(pmId, /^pm_/);
      assert.match(created.client_secret as string, new RegExp(`^${created.id}_secret_[A-Za-z0-9]{24}$`));
      assert.deepEqual(created, {
        id: created.id,
        object: 'setup_intent',
        application: null,
        automatic_payment_methods: null,
        cancellation_reason: null,
        client_secret: created.client_secret,
        created: created.created,
        customer: customer.id,
        description: null,
        flow_directions: null,
        last_setup_error: null,
        latest_attempt: null,
        livemode: false,
        mandate: null,
        metadata: { order: '42' },
        next_action: null,
        on_behalf_of: null,
        payment_method: pmId,
        payment_method_configuration_details: null,
        payment_method_options: { us_bank_account: { mandate_options: {}, verification_method: 'instant' } },
        payment_method_types: ['us_bank_account'],
        single_use_mandate: null,
        status: 'requires_confirmation',
        usage: 'off_session',
      });
      const pending = checked('payment_method', await stripe.paymentMethods.retrieve(pmId));
      assert.equal(pending.customer, null, 'not attached before the SetupIntent succeeds');

      const confirmed = checked(
        'setup_intent',
        await stripe.setupIntents.confirm(created.id, { mandate_data: onlineAcceptance }),
      );
      const mandateId = confirmed.mandate as string;
      const attemptId = confirmed.latest_attempt as string;
      assert.match(mandateId, /^mandate_/);
      assert.match(attemptId, /^setatt_/);
      assert.deepEqual(confirmed, {
        ...created,
        status: 'succeeded',
        mandate: mandateId,
        latest_attempt: attemptId,
      });

      const mandate = checked('mandate', await stripe.mandates.retrieve(mandateId));
      const acceptedAt = (mandate.customer_acceptance as { accepted_at: number }).accepted_at;
      assert.ok(Math.abs(acceptedAt - Date.now() / 1000) < 60);
      assert.deepEqual(mandate, {
        id: mandateId,
        object: 'mandate',
        customer_acceptance: { accepted_at: acceptedAt, ...onlineAcceptance.customer_acceptance },
        livemode: false,
        multi_use: {},
        payment_method: pmId,
        payment_method_details: { type: 'us_bank_account', us_bank_account: {} },
        status: 'active',
        type: 'multi_use',
      });

      const { last4, routing } = await numbersOf(h, account.id);
      const pm = checked('payment_method', await stripe.paymentMethods.retrieve(pmId));
      assert.deepEqual(pm, {
        id: pmId,
        object: 'payment_method',
        allow_redisplay: 'unspecified',
        billing_details: { address: null, email: 'jenny@example.com', name: 'Jenny Rosen', phone: null },
        created: pm.created,
        customer: customer.id,
        livemode: false,
        metadata: {},
        type: 'us_bank_account',
        us_bank_account: {
          account_holder_type: 'individual',
          account_type: 'checking',
          bank_name: account.institution_name,
          financial_connections_account: account.id,
          fingerprint: pm.us_bank_account?.fingerprint,
          last4,
          networks: { preferred: 'ach', supported: ['ach'] },
          routing_number: routing,
          status_details: null,
        },
      });
      assert.match(pm.us_bank_account?.fingerprint as string, /^[A-Za-z0-9]{16}$/);

      const attempts = await stripe.setupAttempts.list({ setup_intent: created.id });
      assertListOf('setup_attempt', body(attempts), '/v1/setup_attempts');
      assert.deepEqual(body(attempts).data, [
        {
          id: attemptId,
          object: 'setup_attempt',
          application: null,
          attach_to_self: false,
          created: attempts.data[0]?.created,
          customer: customer.id,
          flow_directions: null,
          livemode: false,
          on_behalf_of: null,
          payment_method: pmId,
          payment_method_details: { type: 'us_bank_account', us_bank_account: {} },
          setup_error: null,
          setup_intent: created.id,
          status: 'succeeded',
          usage: 'off_session',
        },
      ]);

      assert.deepEqual(
        (await eventsAbout(stripe, created.id)).map((e) => [
          e.type,
          (e.data.object as { status: string }).status,
        ]),
        [
          ['setup_intent.created', 'requires_confirmation'],
          ['setup_intent.succeeded', 'succeeded'],
        ],
      );
      const expanded = await stripe.setupIntents.retrieve(created.id, {
        expand: ['customer', 'payment_method', 'mandate', 'latest_attempt'],
      });
      assert.deepEqual(body(expanded), {
        ...confirmed,
        customer: body(await stripe.customers.retrieve(customer.id)),
        payment_method: pm,
        mandate,
        latest_attempt: body(attempts.data[0] as object),
      });
      const listed = await stripe.setupIntents.list({
        customer: customer.id,
        expand: ['data.payment_method'],
      });
      assert.deepEqual(
        listed.data.map((i) => body(i.payment_method as object)),
        [pm],
      );
      await refused(stripe.setupIntents.retrieve(created.id, { expand: ['client_secret'] }), {
        statusCode: 400,
        code: undefined,
        param: 'expand',
      });
      const pmEvents = await eventsAbout(stripe, pmId);
      assert.deepEqual(
        pmEvents.map((e) => e.type),
        ['payment_method.attached'],
      );
      assert.deepEqual(body(pmEvents[0]?.data.object as object), pm);
    });

    test('create with confirm=true and an offline mandate succeeds at once; a second confirm is refused', async () => {
      const { stripe, customer, account } = await linkForPayments(h);
      const pm = await stripe.paymentMethods.create({
        type: 'us_bank_account',
        us_bank_account: { financial_connections_account: account.id },
      });
      const intent = checked(
        'setup_intent',
        await stripe.setupIntents.create({
          customer: customer.id,
          payment_method: pm.id,
          usage: 'on_session',
          confirm: true,
          mandate_data: { customer_acceptance: { type: 'offline', accepted_at: 1_700_000_000 } },
        }),
      );
      assert.equal(intent.status, 'succeeded');
      assert.equal(intent.usage, 'on_session');
      const mandate = await stripe.mandates.retrieve(intent.mandate as string);
      assert.deepEqual(mandate.customer_acceptance, {
        accepted_at: 1_700_000_000,
        offline: {},
        type: 'offline',
      });
      assert.equal((await stripe.paymentMethods.retrieve(pm.id)).customer, customer.id);
      await refused(
        stripe.setupIntents.confirm(intent.id, { mandate_data: onlineAcceptance }),
        { statusCode: 400, code: 'setup_intent_unexpected_state', param: undefined },
        /already succeeded/,
      );
      await refused(stripe.setupIntents.cancel(intent.id), {
        statusCode: 400,
        code: 'setup_intent_unexpected_state',
        param: undefined,
      });
      await refused(stripe.setupIntents.update(intent.id, { metadata: { a: 'b' } }), {
        statusCode: 400,
        code: 'setup_intent_unexpected_state',
        param: undefined,
      });
      assert.equal((await stripe.setupIntents.retrieve(intent.id)).status, 'succeeded');
    });

    test('a publishable key reads a SetupIntent with its client secret only, and sees less', async () => {
      const { stripe, customer, account } = await linkForPayments(h);
      const intent = await stripe.setupIntents.create({
        customer: customer.id,
        payment_method_data: {
          type: 'us_bank_account',
          us_bank_account: { financial_connections_account: account.id },
        },
      });
      const browser = h.stripe({ key: h.publishableKey });
      const seen = checked(
        'setup_intent',
        await browser.setupIntents.retrieve(intent.id, { client_secret: intent.client_secret as string }),
      );
      assert.deepEqual(seen, {
        id: intent.id,
        object: 'setup_intent',
        automatic_payment_methods: null,
        cancellation_reason: null,
        client_secret: intent.client_secret,
        created: intent.created,
        description: null,
        last_setup_error: null,
        livemode: false,
        next_action: null,
        payment_method: intent.payment_method,
        payment_method_configuration_details: null,
        payment_method_types: ['us_bank_account'],
        status: 'requires_confirmation',
        usage: 'off_session',
      });
      const other = await stripe.setupIntents.create({ customer: customer.id });
      await refused(
        browser.setupIntents.retrieve(intent.id, { client_secret: other.client_secret as string }),
        { statusCode: 400, param: 'client_secret', code: undefined },
      );
      await refused(browser.setupIntents.retrieve(intent.id), {
        statusCode: 400,
        param: 'client_secret',
        code: 'parameter_missing',
      });
      await assert.rejects(
        browser.setupIntents.create({ customer: customer.id }),
        (e: Stripe.errors.StripeError) => {
          assert.equal(e.statusCode, 401);
          assert.equal(e.code, 'secret_key_required');
          return true;
        },
      );
      await refused(browser.setupIntents.confirm(intent.id, withSecret(other.client_secret)), {
        statusCode: 400,
        param: 'client_secret',
        code: undefined,
      });
      assert.equal((await stripe.setupIntents.retrieve(intent.id)).status, 'requires_confirmation');
      const confirmed = checked(
        'setup_intent',
        await browser.setupIntents.confirm(intent.id, withSecret(intent.client_secret)),
      );
      assert.deepEqual(confirmed, { ...seen, status: 'succeeded' });
      assert.equal(
        (await stripe.paymentMethods.retrieve(intent.payment_method as string)).customer,
        customer.id,
      );
      const otherMerchant = h.stripe({ key: (await h.otherMerchant()).publishableKey });
      await refused(
        otherMerchant.setupIntents.retrieve(intent.id, { client_secret: intent.client_secret as string }),
        { statusCode: 404, code: 'resource_missing', param: 'intent' },
      );
    });

    test('update, cancel and list', async () => {
      const { stripe, customer, account } = await linkForPayments(h);
      const bare = checked('setup_intent', await stripe.setupIntents.create({ customer: customer.id }));
      assert.equal(bare.status, 'requires_payment_method');
      assert.equal(bare.payment_method, null);
      await refused(
        stripe.setupIntents.confirm(bare.id, { mandate_data: onlineAcceptance }),
        { statusCode: 400, code: 'setup_intent_unexpected_state', param: undefined },
        /missing a payment method/,
      );
      const updated = checked(
        'setup_intent',
        await stripe.setupIntents.update(bare.id, {
          description: 'ACH for invoices',
          metadata: { plan: 'gold' },
          payment_method_data: {
            type: 'us_bank_account',
            us_bank_account: { financial_connections_account: account.id },
          },
        }),
      );
      assert.equal(updated.status, 'requires_confirmation');
      assert.equal(updated.description, 'ACH for invoices');
      assert.deepEqual(updated.metadata, { plan: 'gold' });
      assert.match(updated.payment_method as string, /^pm_/);
      assert.deepEqual(checked('setup_intent', await stripe.setupIntents.retrieve(bare.id)), updated);

      const canceled = checked(
        'setup_intent',
        await stripe.setupIntents.cancel(bare.id, { cancellation_reason: 'abandoned' }),
      );
      assert.deepEqual(canceled, { ...updated, status: 'canceled', cancellation_reason: 'abandoned' });
      await refused(stripe.setupIntents.confirm(bare.id, { mandate_data: onlineAcceptance }), {
        statusCode: 400,
        code: 'setup_intent_unexpected_state',
        param: undefined,
      });
      assert.deepEqual(
        (await eventsAbout(stripe, bare.id)).map((e) => e.type),
        ['setup_intent.created', 'setup_intent.canceled'],
      );

      const ids = [bare.id];
      for (let i = 0; i < 3; i++) ids.push((await stripe.setupIntents.create({ customer: customer.id })).id);
      const first = await stripe.setupIntents.list({ customer: customer.id, limit: 3 });
      assertListOf('setup_intent', body(first), '/v1/setup_intents');
      assert.deepEqual(
        first.data.map((i) => i.id),
        ids.slice(1).reverse(),
      );
      assert.equal(first.has_more, true);
      const rest = await stripe.setupIntents.list({ customer: customer.id, starting_after: ids[1] });
      assert.deepEqual(
        rest.data.map((i) => i.id),
        [bare.id],
      );
      assert.equal(rest.has_more, false);
    });

    test('bad input gets Stripe-shaped errors and changes nothing', async () => {
      const { stripe, customer, account } = await linkForPayments(h);
      const before = (await stripe.setupIntents.list({ limit: 100 })).data.length;
      const data = {
        type: 'us_bank_account' as const,
        us_bank_account: { financial_connections_account: account.id },
      };
      const cases: Array<[Stripe.SetupIntentCreateParams, Record<string, unknown>]> = [
        [{ customer: 'cus_missing' }, { statusCode: 404, code: 'resource_missing', param: 'customer' }],
        [
          { payment_method: 'pm_missing' },
          { statusCode: 404, code: 'resource_missing', param: 'payment_method' },
        ],
        [
          { allowed_payment_method_types: ['card'] },
          { statusCode: 400, code: undefined, param: 'allowed_payment_method_types[0]' },
        ],
        [{ usage: 'sometimes' as 'on_session' }, { statusCode: 400, code: undefined, param: 'usage' }],
        [
          { customer: customer.id, payment_method_data: data, mandate_data: onlineAcceptance },
          { statusCode: 400, code: undefined, param: 'mandate_data' },
        ],
        [
          { customer: customer.id, payment_method_data: data, confirm: true },
          { statusCode: 400, code: 'parameter_missing', param: 'mandate_data' },
        ],
        [
          {
            customer: customer.id,
            payment_method_data: data,
            confirm: true,
            mandate_data: { customer_acceptance: { type: 'online' } },
          },
          { statusCode: 400, code: 'parameter_missing', param: 'mandate_data[customer_acceptance][online]' },
        ],
        [
          { payment_method_data: { type: 'us_bank_account', us_bank_account: {} } },
          {
            statusCode: 400,
            code: 'parameter_missing',
            param: 'payment_method_data[us_bank_account][financial_connections_account]',
          },
        ],
        [
          { payment_method_data: data, payment_method: 'pm_x' },
          { statusCode: 400, code: 'parameters_exclusive', param: 'payment_method_data' },
        ],
      ];
      for (const [params, expected] of cases) {
        await assert.rejects(stripe.setupIntents.create(params), (e: Stripe.errors.StripeError) => {
          const actual = Object.fromEntries(Object.keys(expected).map((k) => [k, e[k as keyof typeof e]]));
          assert.deepEqual(actual, expected, `${JSON.stringify(params)}: ${JSON.stringify(e.raw)}`);
          return true;
        });
      }
      assert.equal((await stripe.setupIntents.list({ limit: 100 })).data.length, before);
      assert.equal((await stripe.paymentMethods.list({ customer: customer.id })).data.length, 0);
      await refused(stripe.setupIntents.retrieve('seti_missing'), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'intent',
      });
      await refused(stripe.mandates.retrieve('mandate_missing'), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'mandate',
      });
      await refused(stripe.setupAttempts.list({ setup_intent: 'seti_missing' }), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'setup_intent',
      });
    });

    test('a create or confirm repeated with its Idempotency-Key answers as the first did', async () => {
      const { stripe, customer, account } = await linkForPayments(h);
      const params = {
        customer: customer.id,
        payment_method_data: {
          type: 'us_bank_account' as const,
          us_bank_account: { financial_connections_account: account.id },
        },
      };
      const key = `seti-${account.id}`;
      const first = await stripe.setupIntents.create(params, { idempotencyKey: key });
      const again = await stripe.setupIntents.create(params, { idempotencyKey: key });
      assert.deepEqual(body(again), body(first));
      assert.equal(again.lastResponse.headers['idempotent-replayed'], 'true');
      const confirmKey = `confirm-${first.id}`;
      const confirmed = await stripe.setupIntents.confirm(
        first.id,
        { mandate_data: onlineAcceptance },
        { idempotencyKey: confirmKey },
      );
      const replayed = await stripe.setupIntents.confirm(
        first.id,
        { mandate_data: onlineAcceptance },
        { idempotencyKey: confirmKey },
      );
      assert.deepEqual(body(replayed), body(confirmed));
      assert.equal((await stripe.setupAttempts.list({ setup_intent: first.id })).data.length, 1);
      assert.equal((await stripe.setupIntents.list({ customer: customer.id })).data.length, 1);
    });

    test('on the GA version the SDK pins, the objects are the same and match the schemas', async () => {
      const { customer, account } = await linkForPayments(h);
      const ga = h.stripe({ apiVersion: gaVersion });
      const intent = checked(
        'setup_intent',
        await ga.setupIntents.create({
          customer: customer.id,
          payment_method_data: {
            type: 'us_bank_account',
            us_bank_account: { financial_connections_account: account.id },
          },
          confirm: true,
          mandate_data: onlineAcceptance,
        }),
      );
      assert.equal(intent.status, 'succeeded');
      const preview = h.stripe();
      assert.deepEqual(intent, body(await preview.setupIntents.retrieve(intent.id)));
      const pm = checked('payment_method', await ga.paymentMethods.retrieve(intent.payment_method as string));
      assert.deepEqual(pm, body(await preview.paymentMethods.retrieve(pm.id)));
      checked('mandate', await ga.mandates.retrieve(intent.mandate as string));
      assertListOf(
        'setup_attempt',
        body(await ga.setupAttempts.list({ setup_intent: intent.id })),
        '/v1/setup_attempts',
      );
    });
  });
}
