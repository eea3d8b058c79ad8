import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Stripe from 'stripe';
import { backends } from '../support/backends.ts';
import { eventually } from '../support/eventually.ts';
import { linkAccounts } from '../support/fc.ts';
import { gaVersion, type Harness, previewVersion, startHarness } from '../support/harness.ts';
import { closeReceivers, eventOf, type Receiver, startReceiver } from '../support/receiver.ts';
import { assertEventMatchesSchema, assertMatchesSchema } from '../support/stripe-schemas.ts';

const verifier = new Stripe('sk_test_unused_for_verification');

for (const backend of backends) {
  describe(`webhook delivery on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    let receiver: Receiver;
    /** Endpoints the current test made; removed after it, so later tests' events skip them. */
    const endpoints: string[] = [];
    before(async () => {
      // Short retries and a short timeout, so that failures come back within the test.
      h = await startHarness(backend, { webhookRetries: '0.2,0.2', webhookTimeout: '0.5' });
    });
    afterEach(async () => {
      await closeReceivers();
      for (const id of endpoints.splice(0)) await h.stripe().webhookEndpoints.del(id);
    });
    after(() => h?.close());

    async function endpoint(params: Partial<Stripe.WebhookEndpointCreateParams> = {}) {
      receiver = await startReceiver();
      const created = await h.stripe().webhookEndpoints.create({
        url: receiver.url,
        enabled_events: ['*'],
        ...params,
      });
      endpoints.push(created.id);
      return { id: created.id, secret: created.secret as string };
    }

    /** Every attempt openfc recorded for an event at an endpoint, oldest first. */
    async function attempts(eventId: string, endpointId: string) {
      return h.running.store.db
        .selectFrom('webhook_attempts')
        .selectAll()
        .where('event_id', '=', eventId)
        .where('endpoint_id', '=', endpointId)
        .orderBy('id')
        .execute();
    }

    /** Waits until the event's delivery to the endpoint has the given status. */
    async function deliveryBecomes(eventId: string, endpointId: string, status: string) {
      await eventually(
        `the delivery of ${eventId} to be ${status}`,
        () =>
          h.running.store.db
            .selectFrom('webhook_deliveries')
            .select('status')
            .where('event_id', '=', eventId)
            .where('endpoint_id', '=', endpointId)
            .execute(),
        (rows) => rows.length === 1 && rows[0]?.status === status,
      );
    }

    test('an event is POSTed signed, verifies with the SDK, and its attempt is recorded', async () => {
      const { id, secret } = await endpoint({ enabled_events: ['customer.created'] });
      const customer = await h.stripe().customers.create({ email: 'hook@example.com' });
      const [request] = await receiver.waitFor(1);
      assert.ok(request);
      // The checks below start by compiling Stripe's schemas, which holds up this process (and the
      // worker in it, still reading the receiver's answer) for longer than the 0.5 s timeout: the
      // delivery is let finish first.
      await deliveryBecomes(eventOf(request).id, id, 'succeeded');
      assert.equal(request.method, 'POST');
      assert.equal(request.path, '/webhook');
      assert.match(String(request.headers['content-type']), /^application\/json/);
      const header = String(request.headers['stripe-signature']);
      assert.match(header, /^t=\d+,v1=[0-9a-f]{64}$/);
      const event = verifier.webhooks.constructEvent(request.body, header, secret);
      assertEventMatchesSchema(event);
      assert.equal(event.type, 'customer.created');
      assert.equal((event.data.object as Stripe.Customer).id, customer.id);
      assert.equal(event.api_version, previewVersion);
      assert.equal(event.pending_webhooks, 1);
      assert.equal(event.request?.id, customer.lastResponse.requestId);
      // A tampered body or another secret does not verify.
      assert.throws(() => verifier.webhooks.constructEvent(`${request.body} `, header, secret));
      assert.throws(() => verifier.webhooks.constructEvent(request.body, header, 'whsec_other'));

      const [attempt] = await attempts(event.id, id);
      assert.equal(attempt?.status_code, 200);
      assert.equal(attempt?.response_excerpt, '{"received":true}');
      assert.ok(Number(attempt?.duration_ms) >= 0);
      const read = await h.stripe().events.retrieve(event.id);
      assert.equal(read.pending_webhooks, 0);
      // The API renders the same event the same way, apart from the count of pending webhooks.
      assert.deepEqual(
        { ...read, lastResponse: undefined, pending_webhooks: 1 },
        { ...event, lastResponse: undefined },
      );
      // Only the enabled type was sent.
      await h.stripe().customers.update(customer.id, { name: 'Changed' });
      await sleep(300);
      assert.equal(receiver.received.length, 1);
    });

    test('each endpoint gets the event rendered with its own API version', async () => {
      const preview = await endpoint({
        enabled_events: ['financial_connections.account.deactivated'],
        api_version: previewVersion as Stripe.WebhookEndpointCreateParams.ApiVersion,
      });
      const previewReceiver = receiver;
      const ga = await endpoint({
        enabled_events: ['financial_connections.account.deactivated'],
        api_version: gaVersion,
      });
      const gaReceiver = receiver;
      const { stripe, accounts, authorization } = await linkAccounts(h, { limit: 1 });
      await stripe.rawRequest(
        'POST',
        `/v1/test_helpers/financial_connections/authorizations/${authorization}/simulate`,
        {
          event: 'consent_expired',
        },
      );
      const [fromPreview] = await previewReceiver.waitFor(1);
      const [fromGa] = await gaReceiver.waitFor(1);
      const p = verifier.webhooks.constructEvent(
        String(fromPreview?.body),
        String(fromPreview?.headers['stripe-signature']),
        preview.secret,
      );
      const g = verifier.webhooks.constructEvent(
        String(fromGa?.body),
        String(fromGa?.headers['stripe-signature']),
        ga.secret,
      );
      assert.equal(p.id, g.id);
      assert.equal(p.api_version, previewVersion);
      assert.equal(g.api_version, gaVersion);
      const pAccount = p.data.object as unknown as {
        id: string;
        status: string;
        status_details: Record<string, unknown>;
      };
      const gAccount = g.data.object as unknown as {
        id: string;
        status: string;
        status_details?: Record<string, unknown>;
      };
      assert.equal(pAccount.id, accounts[0]?.id);
      assert.equal(pAccount.status, 'inactive');
      assert.deepEqual(pAccount.status_details.inactive, {
        action: 'relink_required',
        cause: 'access_expired',
      });
      assert.equal(gAccount.status, 'inactive');
      assert.equal(gAccount.status_details?.inactive, undefined);
      assertMatchesSchema('financial_connections.account', pAccount);
    });

    test('a 500 and a timeout are retried on the schedule until a 2xx', async () => {
      const { id } = await endpoint({ enabled_events: ['customer.created'] });
      receiver.answer({ status: 500, body: 'boom' }, { stall: true });
      await h.stripe().customers.create({ email: 'retry@example.com' });
      const got = await receiver.waitFor(3);
      const ids = got.map((r) => eventOf(r).id);
      assert.equal(new Set(ids).size, 1, 'the same event each time');
      const eventId = ids[0] as string;
      await deliveryBecomes(eventId, id, 'succeeded');
      const tried = await attempts(eventId, id);
      assert.deepEqual(
        tried.map((a) => [a.status_code, a.error, a.response_excerpt]),
        [
          [500, null, 'boom'],
          [null, 'timed out', null],
          [200, null, '{"received":true}'],
        ],
      );
      assert.ok(tried[0]?.next_attempt_at, 'a failed attempt names the next');
      assert.equal(tried[2]?.next_attempt_at, null);
      const ats = got.map((r) => r.at);
      assert.ok(Number(ats[1]) - Number(ats[0]) >= 150, 'the first retry waits for the schedule');
    });

    test("a receiver's Retry-After is waited for", async () => {
      await endpoint({ enabled_events: ['customer.created'] });
      receiver.answer({ status: 503, headers: { 'retry-after': '1' } });
      await h.stripe().customers.create({ email: 'later@example.com' });
      const [first, second] = await receiver.waitFor(2);
      assert.ok(Number(second?.at) - Number(first?.at) >= 950, 'waited about a second, not 0.2 s');
    });

    test('when the schedule runs out the delivery fails, and the event lists as undelivered', async () => {
      const { id } = await endpoint({ enabled_events: ['customer.created'] });
      receiver.answer({ status: 500 }, { status: 500 }, { status: 500 });
      await h.stripe().customers.create({ email: 'never@example.com' });
      const got = await receiver.waitFor(3);
      const eventId = eventOf(got[0] as never).id;
      await deliveryBecomes(eventId, id, 'failed');
      await sleep(500);
      assert.equal(receiver.received.length, 3, 'no attempt after the last retry');
      const stripe = h.stripe();
      const undelivered = await stripe.events.list({ delivery_success: false, limit: 100 });
      assert.ok(undelivered.data.some((e) => e.id === eventId));
      const delivered = await stripe.events.list({ delivery_success: true, limit: 100 });
      assert.ok(!delivered.data.some((e) => e.id === eventId));
      assert.equal((await stripe.events.retrieve(eventId)).pending_webhooks, 0);
    });

    test('a delivery whose signing secret cannot be opened fails its attempts without sending', async () => {
      const { id } = await endpoint({ enabled_events: ['customer.created'] });
      // As if sealed by a process with another encryption key.
      await h.running.store.db
        .updateTable('webhook_endpoints')
        .set({ secret_sealed: 'v1.AAAA.BBBB.CCCC' })
        .where('id', '=', id)
        .execute();
      const customer = await h.stripe().customers.create({ email: 'sealed@example.com' });
      const events = await h.stripe().events.list({ type: 'customer.created', limit: 5 });
      const eventId =
        events.data.find((e) => (e.data.object as Stripe.Customer).id === customer.id)?.id ?? '';
      await deliveryBecomes(eventId, id, 'failed');
      const tried = await attempts(eventId, id);
      assert.deepEqual(
        tried.map((a) => [a.status_code, a.error]),
        [
          [null, 'could not be prepared for sending'],
          [null, 'could not be prepared for sending'],
          [null, 'could not be prepared for sending'],
        ],
      );
      assert.equal(receiver.received.length, 0);
    });

    test('a disabled endpoint is sent nothing; a resend delivers an event again', async () => {
      const disabled = await endpoint({ enabled_events: ['customer.created'] });
      const disabledReceiver = receiver;
      await h.stripe().webhookEndpoints.update(disabled.id, { disabled: true });
      const live = await endpoint({ enabled_events: ['customer.created'] });
      await h.stripe().customers.create({ email: 'one@example.com' });
      const [first] = await receiver.waitFor(1);
      await sleep(300);
      assert.equal(disabledReceiver.received.length, 0);
      const eventId = eventOf(first as never).id;

      const resent = (await h.stripe().rawRequest('POST', `/v1/events/${eventId}/retry`, {
        webhook_endpoint: live.id,
      })) as unknown as Stripe.Event;
      assertEventMatchesSchema(resent);
      assert.equal(resent.id, eventId);
      const again = await receiver.waitFor(2);
      assert.equal(eventOf(again[1] as never).id, eventId);
      const missing = await h.fetch(`/v1/events/evt_missing/retry`, { method: 'POST' });
      assert.equal(missing.status, 404);
      const noEndpoint = await h.fetch(`/v1/events/${eventId}/retry`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'webhook_endpoint=we_missing',
      });
      assert.equal(noEndpoint.status, 404);
      assert.equal((noEndpoint.body.error as { param: string }).param, 'webhook_endpoint');
    });
  });

  describe(`webhook retries follow the sandbox clock on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    afterEach(closeReceivers);
    after(() => h?.close());

    test('a retry due in five minutes runs when the clock moves five minutes', async () => {
      const receiver = await startReceiver();
      const stripe = h.stripe();
      await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['customer.created'] });
      receiver.answer({ status: 500 });
      await stripe.customers.create({ email: 'clock@example.com' });
      await receiver.waitFor(1);
      await sleep(1200);
      assert.equal(receiver.received.length, 1, 'the test schedule waits minutes before a retry');
      await stripe.rawRequest('POST', '/v1/test_helpers/sandbox_clock/advance', { seconds: 400 });
      const got = await receiver.waitFor(2);
      assert.equal(eventOf(got[1] as never).id, eventOf(got[0] as never).id);
    });
  });
}
