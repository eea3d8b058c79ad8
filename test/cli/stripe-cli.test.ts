import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Stripe from 'stripe';
import { backends } from '../support/backends.ts';
import { waitForOutput } from '../support/eventually.ts';
import { linkAccounts } from '../support/fc.ts';
import { type Harness, previewVersion, startHarness } from '../support/harness.ts';
import { cleanUp } from '../support/processes.ts';
import { eventOf, startReceiver } from '../support/receiver.ts';
import { killStripeClis, runStripe, spawnStripe, stripeCliSkip } from '../support/stripe-cli.ts';

/** The official Stripe CLI (from npm) against openfc: trigger, fixtures, listen, events resend. */

const verifier = new Stripe('sk_test_unused_for_verification');
const sqlite = backends.find((b) => b.name === 'sqlite');

describe('the Stripe CLI against openfc', { skip: stripeCliSkip, timeout: 120_000 }, () => {
  let h: Harness;
  let target: string[];
  before(async () => {
    h = await startHarness(sqlite as NonNullable<typeof sqlite>);
    target = ['--api-key', h.secretKey, '--api-base', `http://127.0.0.1:${h.port}`];
  });
  after(async () => {
    await killStripeClis();
    await h?.close();
    await cleanUp();
  });

  async function customerEvents() {
    const events = await h.stripe().events.list({ type: 'customer.created', limit: 100 });
    return events.data;
  }

  test('stripe trigger customer.created creates a customer and its event', async () => {
    const before = (await customerEvents()).length;
    const result = await runStripe(['trigger', 'customer.created', ...target]);
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /Trigger succeeded!/);
    const events = await customerEvents();
    assert.equal(events.length, before + 1, result.output);
  });

  test('stripe fixtures runs a file whose requests refer to earlier responses', async () => {
    const file = path.join(import.meta.dirname, 'fixtures', 'customer.json');
    const result = await runStripe(['fixtures', file, ...target]);
    assert.equal(result.code, 0, result.output);
    const customers = await h.stripe().customers.list({ email: 'fixture@example.com' });
    assert.deepEqual(
      customers.data.map((c) => [c.email, c.name]),
      [['fixture@example.com', 'Ada Fixture']],
    );
  });

  test('stripe listen forwards a deactivation, signed with the --print-secret secret; events resend sends it again', async () => {
    const printed = await runStripe(['listen', '--print-secret', '--skip-update', ...target]);
    assert.equal(printed.code, 0, printed.output);
    const secret = printed.output.match(/whsec_[0-9a-f]+/)?.[0];
    assert.ok(secret, printed.output);

    const receiver = await startReceiver();
    try {
      const listen = spawnStripe([
        'listen',
        '--skip-update',
        '--events',
        'financial_connections.account.deactivated',
        '--forward-to',
        receiver.url,
        ...target,
      ]);
      const ready = await waitForOutput(
        listen.output,
        /Ready! .*signing secret is (whsec_[0-9a-f]+)/,
        20_000,
        'stripe listen',
      );
      assert.equal(ready[1], secret);
      assert.match(listen.output(), new RegExp(`API Version \\[${previewVersion.replace(/\./g, '\\.')}\\]`));

      const { stripe, accounts, authorization } = await linkAccounts(h, { limit: 1 });
      await stripe.rawRequest(
        'POST',
        `/v1/test_helpers/financial_connections/authorizations/${authorization}/simulate`,
        { event: 'consent_expired' },
      );
      const [request] = await receiver.waitFor(1);
      assert.ok(request);
      const event = verifier.webhooks.constructEvent(
        request.body,
        request.headers['stripe-signature'] as string,
        secret,
      );
      assert.equal(event.type, 'financial_connections.account.deactivated');
      assert.equal((event.data.object as { id: string }).id, accounts[0]?.id);
      assert.equal(event.api_version, previewVersion);
      await waitForOutput(
        listen.output,
        new RegExp(`<--\\s+\\[200\\] POST \\S+ \\[${event.id}\\]`),
        10_000,
        'stripe listen',
      );

      const resent = await runStripe(['events', 'resend', event.id, ...target]);
      assert.equal(resent.code, 0, resent.output);
      const twice = await receiver.waitFor(2);
      assert.deepEqual(
        twice.map((r) => eventOf(r).id),
        [event.id, event.id],
      );
      verifier.webhooks.constructEvent(
        twice[1]?.body as string,
        twice[1]?.headers['stripe-signature'] as string,
        secret,
      );
      // Only the event asked for was forwarded (the customer and account.created were not).
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(receiver.received.length, 2);
    } finally {
      await killStripeClis();
      await receiver.close();
    }
  });

  test('stripe listen --latest gets events rendered with the latest API version', async () => {
    const receiver = await startReceiver();
    try {
      const listen = spawnStripe([
        'listen',
        '--skip-update',
        '--latest',
        '--events',
        'customer.created',
        '--forward-to',
        receiver.url,
        ...target,
      ]);
      await waitForOutput(listen.output, /Ready!/, 20_000, 'stripe listen');
      const customer = await h.stripe().customers.create({ email: 'latest@example.com' });
      const [request] = await receiver.waitFor(1);
      const event = eventOf(request as NonNullable<typeof request>);
      assert.equal((event.data as { object: { id: string } }).object.id, customer.id);
      assert.equal(event.api_version, '2026-10-28.endive');
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(receiver.received.length, 1, 'the default-version rendering is not forwarded');
    } finally {
      await killStripeClis();
      await receiver.close();
    }
  });
});
