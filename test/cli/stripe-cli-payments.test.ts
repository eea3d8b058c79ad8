import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { backends } from '../support/backends.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { savedPaymentMethod, tokenizing } from '../support/payments.ts';
import { cleanUp } from '../support/processes.ts';
import { killStripeClis, runStripe, stripeCliSkip } from '../support/stripe-cli.ts';
import { assertEventMatchesSchema } from '../support/stripe-schemas.ts';

/**
 * The official Stripe CLI's payment triggers against openfc, which only has `us_bank_account`:
 * its built-in fixtures (card test PaymentMethods) get Stripe's errors; switched to a linked
 * account's PaymentMethod with --override/--add/--remove, and with the fixture files openfc ships
 * in examples/stripe-fixtures, they make the events happen.
 */

const fixtures = path.join(import.meta.dirname, '..', '..', 'examples', 'stripe-fixtures');
const week = 7 * 86_400;

for (const backend of backends) {
  describe(`the Stripe CLI's payment events against openfc on ${backend.name}`, {
    skip: stripeCliSkip || backend.skip,
    timeout: 180_000,
  }, () => {
    let h: Harness;
    let target: string[];
    before(async () => {
      h = await startHarness(backend);
      target = ['--api-key', h.secretKey, '--api-base', `http://127.0.0.1:${h.port}`];
    });
    after(async () => {
      await killStripeClis();
      await h?.close();
      await cleanUp();
    });

    async function eventIds(): Promise<Set<string>> {
      const ids = new Set<string>();
      for await (const e of h.stripe().events.list({ limit: 100 })) ids.add(e.id);
      return ids;
    }

    /** Runs `stripe <args>`; the events it caused, oldest first, each in Stripe's shape. */
    async function stripeCli(args: string[]): Promise<{ output: string; events: Stripe.Event[] }> {
      const seen = await eventIds();
      const result = await runStripe([...args, ...target]);
      assert.equal(result.code, 0, result.output);
      const events: Stripe.Event[] = [];
      for await (const e of h.stripe().events.list({ limit: 100 })) {
        if (seen.has(e.id)) continue;
        assertEventMatchesSchema(e);
        events.push(e);
      }
      return { output: result.output, events: events.reverse() };
    }

    const about = (e: Stripe.Event) =>
      e.data.object as unknown as { id: string; status?: string; customer?: string };
    const one = (events: Stripe.Event[], type: string) => {
      const found = events.filter((e) => e.type === type);
      assert.equal(found.length, 1, `${type} in ${events.map((e) => e.type).join(', ')}`);
      return about(found[0] as Stripe.Event);
    };

    test('the built-in fixtures name card PaymentMethods: each stops at a Stripe-shaped error, never a 500', async () => {
      const attached = await runStripe(['trigger', 'payment_method.attached', ...target]);
      assert.notEqual(attached.code, 0);
      assert.match(attached.output, /status=404/);
      assert.match(attached.output, /"code":"resource_missing"/);
      assert.match(attached.output, /No such PaymentMethod: 'pm_card_visa'/);

      const declined = await runStripe([
        'trigger',
        'payment_intent.payment_failed',
        '--override',
        'payment_intent:payment_method_types.0=us_bank_account',
        ...target,
      ]);
      assert.notEqual(declined.code, 0);
      assert.match(declined.output, /"code":"resource_missing"/);
      assert.match(declined.output, /No such PaymentMethod: 'pm_card_chargeDeclined'/);
      assert.match(declined.output, /"param":"payment_method"/);

      for (const type of ['setup_intent.succeeded', 'payment_intent.succeeded']) {
        const card = await runStripe(['trigger', type, ...target]);
        assert.notEqual(card.code, 0);
        assert.match(card.output, /status=400/);
        assert.match(card.output, /"param":"payment_method_types\[0\]"/);
        assert.match(card.output, /must be one of us_bank_account/);
      }
      const events = await h.stripe().events.list({ limit: 100 });
      assert.deepEqual(
        events.data.filter((e) => /^(setup_intent|payment_intent|payment_method)\./.test(e.type)),
        [],
        'nothing was made',
      );
    });

    test('stripe fixtures with the shipped files: setup_intent.succeeded, payment_intent.succeeded, payment_intent.payment_failed', async () => {
      const setup = await stripeCli(['fixtures', path.join(fixtures, 'setup_intent.succeeded.json')]);
      const customer = one(setup.events, 'customer.created').id;
      const account = one(setup.events, 'financial_connections.account.created').id;
      const intent = one(setup.events, 'setup_intent.succeeded') as unknown as Stripe.SetupIntent;
      assert.equal(intent.customer, customer);
      assert.equal(intent.status, 'succeeded');
      assert.equal(one(setup.events, 'payment_method.attached').id, intent.payment_method);
      const pm = await h.stripe().paymentMethods.retrieve(intent.payment_method as string);
      assert.equal(pm.us_bank_account?.financial_connections_account, account);

      const paid = await stripeCli(['fixtures', path.join(fixtures, 'payment_intent.succeeded.json')]);
      const processing = one(paid.events, 'payment_intent.processing');
      const succeeded = one(paid.events, 'payment_intent.succeeded');
      assert.equal(succeeded.id, processing.id);
      assert.equal(succeeded.status, 'succeeded');
      assert.equal(succeeded.customer, one(paid.events, 'customer.created').id);
      assert.equal(one(paid.events, 'charge.succeeded').status, 'succeeded');

      const failed = await stripeCli(['fixtures', path.join(fixtures, 'payment_intent.payment_failed.json')]);
      const returned = one(failed.events, 'payment_intent.payment_failed') as unknown as Stripe.PaymentIntent;
      assert.equal(returned.id, one(failed.events, 'payment_intent.processing').id);
      assert.equal(returned.status, 'requires_payment_method');
      assert.equal(returned.last_payment_error?.code, 'bank_account_unusable');
      assert.equal(one(failed.events, 'charge.failed').status, 'failed');
      assert.equal(
        one(failed.events, 'financial_connections.account.account_numbers_updated').id,
        returned.last_payment_error?.payment_method?.us_bank_account?.financial_connections_account as string,
      );
    });

    test('stripe trigger switched to a linked account with --override, --add and --remove', async () => {
      const saved = await savedPaymentMethod(h);
      const setup = await stripeCli([
        'trigger',
        'setup_intent.succeeded',
        '--override',
        `setup_intent:payment_method=${saved.paymentMethod}`,
        '--override',
        'setup_intent:payment_method_types.0=us_bank_account',
        '--add',
        `setup_intent:customer=${saved.customer.id}`,
        '--add',
        'setup_intent:mandate_data.customer_acceptance.type=offline',
      ]);
      assert.match(setup.output, /Trigger succeeded!/);
      const intent = one(setup.events, 'setup_intent.succeeded') as unknown as Stripe.SetupIntent;
      assert.equal(intent.payment_method, saved.paymentMethod);
      assert.equal(intent.customer, saved.customer.id);

      const payWith = (
        type: string,
        linked: { paymentMethod: string; customer: { id: string }; mandate: string },
      ) => [
        'trigger',
        type,
        '--override',
        `payment_intent:payment_method=${linked.paymentMethod}`,
        '--override',
        'payment_intent:payment_method_types.0=us_bank_account',
        '--add',
        `payment_intent:customer=${linked.customer.id}`,
        '--add',
        `payment_intent:mandate=${linked.mandate}`,
      ];
      // The fixture's shipping address is a card-payment parameter openfc does not take.
      const paid = await stripeCli([
        ...payWith('payment_intent.succeeded', saved),
        '--remove',
        'payment_intent:shipping',
      ]);
      const processing = one(paid.events, 'payment_intent.processing');
      const settled = await stripeCli([
        'post',
        '/v1/test_helpers/sandbox_clock/advance',
        '-d',
        `seconds=${week}`,
      ]);
      assert.equal(one(settled.events, 'payment_intent.succeeded').id, processing.id);

      const tokenized = await savedPaymentMethod(h, { institution: tokenizing });
      const debit = await stripeCli(payWith('payment_intent.payment_failed', tokenized));
      const pending = one(debit.events, 'payment_intent.processing');
      await stripeCli([
        'post',
        `/v1/test_helpers/financial_connections/accounts/${tokenized.account.id}/simulate`,
        '-d',
        'event=account_numbers_deactivated',
      ]);
      const returned = await stripeCli([
        'post',
        '/v1/test_helpers/sandbox_clock/advance',
        '-d',
        `seconds=${week}`,
      ]);
      const failed = one(returned.events, 'payment_intent.payment_failed');
      assert.equal(failed.id, pending.id);
      assert.equal(failed.status, 'requires_payment_method');
    });
  });
}
