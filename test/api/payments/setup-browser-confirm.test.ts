import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { backends } from '../../support/backends.ts';
import { form, type Harness, startHarness } from '../../support/harness.ts';
import { checked, linkForPayments, numbersOf } from '../../support/payments.ts';
import { assertStripeError } from '../../support/stripe-schemas.ts';

const online = 'mandate_data[customer_acceptance][online]';
const inferred = {
  'mandate_data[customer_acceptance][type]': 'online',
  [`${online}[infer_from_client]`]: 'true',
};
const userAgent = 'Mozilla/5.0 (openfc browser)';

for (const backend of backends) {
  describe(`A SetupIntent confirmed from the customer's browser on ${backend.name}`, {
    skip: backend.skip,
  }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(async () => {
      await h?.close();
    });

    async function setupIntent() {
      const { stripe, customer, account } = await linkForPayments(h);
      const intent = await stripe.setupIntents.create({
        customer: customer.id,
        payment_method_data: {
          type: 'us_bank_account',
          us_bank_account: { financial_connections_account: account.id },
        },
      });
      return { stripe, customer, account, intent, clientSecret: intent.client_secret as string };
    }

    /** A request from the customer's browser: publishable key, the browser's user agent. */
    function fromBrowser(path: string, fields: Record<string, string>) {
      const init = form(fields);
      return h.fetch(path, {
        ...init,
        key: h.publishableKey,
        headers: { ...(init.headers as Record<string, string>), 'user-agent': userAgent },
      });
    }

    function assertRefused(
      response: { status: number; body: Record<string, unknown> },
      status: number,
      error: Record<string, unknown>,
    ) {
      assert.equal(response.status, status, JSON.stringify(response.body));
      assertStripeError(response.body);
      const { type, code, param } = response.body.error as Record<string, unknown>;
      assert.deepEqual({ type, code, param }, error, JSON.stringify(response.body));
    }

    test('infer_from_client with a publishable key takes the IP address and user agent from the request', async () => {
      const { stripe, intent, clientSecret } = await setupIntent();
      const response = await fromBrowser(`/v1/setup_intents/${intent.id}/confirm`, {
        client_secret: clientSecret,
        ...inferred,
      });
      assert.equal(response.status, 200, response.text);
      assert.equal(checked('setup_intent', response.body).status, 'succeeded');
      const confirmed = await stripe.setupIntents.retrieve(intent.id);
      const mandate = checked('mandate', await stripe.mandates.retrieve(confirmed.mandate as string));
      const acceptance = mandate.customer_acceptance as { accepted_at: number };
      assert.deepEqual(mandate.customer_acceptance, {
        type: 'online',
        accepted_at: acceptance.accepted_at,
        online: { ip_address: '127.0.0.1', user_agent: userAgent },
      });
    });

    test('infer_from_client is refused with a secret key and next to an IP address; the SetupIntent is unchanged', async () => {
      const { stripe, intent, clientSecret } = await setupIntent();
      const confirm = `/v1/setup_intents/${intent.id}/confirm`;
      assertRefused(await h.fetch(confirm, form(inferred)), 400, {
        type: 'invalid_request_error',
        code: undefined,
        param: `${online}[infer_from_client]`,
      });
      assertRefused(
        await fromBrowser(confirm, {
          client_secret: clientSecret,
          ...inferred,
          [`${online}[ip_address]`]: '203.0.113.7',
        }),
        400,
        { type: 'invalid_request_error', code: 'parameters_exclusive', param: `${online}[ip_address]` },
      );
      assertRefused(
        await h.fetch(
          confirm,
          form({
            'mandate_data[customer_acceptance][type]': 'online',
            [`${online}[ip_address]`]: '203.0.113.7',
          }),
        ),
        400,
        { type: 'invalid_request_error', code: 'parameter_missing', param: `${online}[user_agent]` },
      );
      const unchanged = await stripe.setupIntents.retrieve(intent.id);
      assert.deepEqual([unchanged.status, unchanged.mandate], ['requires_confirmation', null]);
    });

    test('the mandate screen reads the merchant, the bank account and the SetupIntent; refused as a confirmation would be', async () => {
      const { stripe, customer, account, intent, clientSecret } = await setupIntent();
      const { last4 } = await numbersOf(h, account.id);
      const read = await fromBrowser('/flow/v1/setup_intents/mandate', { client_secret: clientSecret });
      assert.equal(read.status, 200, read.text);
      const seen = await h.stripe({ key: h.publishableKey }).setupIntents.retrieve(intent.id, {
        client_secret: clientSecret,
      });
      const { lastResponse: _, ...seenBody } = seen;
      assert.deepEqual(read.body, {
        object: 'flow_mandate',
        merchant: { name: h.running.merchant.name },
        payment_method: { id: intent.payment_method, bank_name: 'Test Institution', last4 },
        setup_intent: seenBody,
      });

      const bare = await stripe.setupIntents.create({ customer: customer.id });
      assertRefused(
        await fromBrowser('/flow/v1/setup_intents/mandate', { client_secret: bare.client_secret as string }),
        400,
        { type: 'invalid_request_error', code: 'setup_intent_unexpected_state', param: undefined },
      );
      assertRefused(
        await fromBrowser('/flow/v1/setup_intents/mandate', {
          client_secret: `${intent.id}_secret_${'x'.repeat(24)}`,
        }),
        400,
        { type: 'invalid_request_error', code: undefined, param: 'client_secret' },
      );
      const other = await h.otherMerchant();
      const foreign = await h.fetch('/flow/v1/setup_intents/mandate', {
        ...form({ client_secret: clientSecret }),
        key: other.publishableKey,
      });
      assertRefused(foreign, 404, {
        type: 'invalid_request_error',
        code: 'resource_missing',
        param: 'intent',
      });
      assertRefused(
        await h.fetch('/flow/v1/setup_intents/mandate', form({ client_secret: clientSecret })),
        401,
        {
          type: 'invalid_request_error',
          code: undefined,
          param: undefined,
        },
      );

      await fromBrowser(`/v1/setup_intents/${intent.id}/confirm`, {
        client_secret: clientSecret,
        ...inferred,
      });
      assertRefused(
        await fromBrowser('/flow/v1/setup_intents/mandate', { client_secret: clientSecret }),
        400,
        { type: 'invalid_request_error', code: 'setup_intent_unexpected_state', param: undefined },
      );
    });
  });
}
