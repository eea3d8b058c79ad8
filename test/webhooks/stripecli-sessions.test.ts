import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Stripe from 'stripe';
import WebSocket from 'ws';
import { eventIds } from '../../src/domain/events/log.ts';
import { idFloor } from '../../src/domain/ids.ts';
import { backends } from '../support/backends.ts';
import { form, gaVersion, type Harness, startHarness } from '../support/harness.ts';

/** `POST /v1/stripecli/sessions` and the websocket behind it, as `stripe listen` uses them. */

const verifier = new Stripe('sk_test_unused_for_verification');

interface Session {
  secret: string;
  websocket_id: string;
  websocket_url: string;
  websocket_authorized_feature: string;
}

interface Message {
  type: string;
  event_payload: string;
  http_headers: Record<string, string>;
  endpoint: { api_version: string | null };
}

/** A websocket client as the CLI connects, collecting the messages it gets. */
function connect(session: Session, websocketId = session.websocket_id) {
  const messages: Message[] = [];
  const socket = new WebSocket(
    `${session.websocket_url}?websocket_feature=webhooks`,
    ['stripecli-devproxy-v1'],
    {
      headers: { 'Websocket-Id': websocketId },
    },
  );
  socket.on('message', (data) => messages.push(JSON.parse(data.toString()) as Message));
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  async function waitFor(
    predicate: (event: { id: string; type: string; api_version: string }) => boolean,
    timeoutMs = 5000,
  ) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = messages.find((m) => predicate(JSON.parse(m.event_payload)));
      if (found) return found;
      if (Date.now() > deadline)
        assert.fail(
          `no matching message; got ${messages.map((m) => m.event_payload.slice(0, 80)).join(', ')}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  return { socket, messages, opened, waitFor };
}

/** How openfc answers an upgrade it refuses. */
function refusal(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, ['stripecli-devproxy-v1'], { headers });
    socket.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    socket.on('open', () => reject(new Error('the upgrade was accepted')));
    socket.on('error', () => {});
  });
}

for (const backend of backends) {
  describe(`Stripe CLI sessions on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    const sockets: WebSocket[] = [];
    before(async () => {
      h = await startHarness(backend);
    });
    after(async () => {
      for (const socket of sockets) socket.terminate();
      await h?.close();
    });

    async function session(key?: string, version?: string): Promise<Session> {
      const response = await h.fetch('/v1/stripecli/sessions', {
        ...form({ device_name: 'test device', 'websocket_features[]': 'webhooks' }),
        ...(key !== undefined && { key }),
        ...(version !== undefined && { version }),
      });
      assert.equal(response.status, 200, response.text);
      return response.body as unknown as Session;
    }

    test('a session: its secret, and a websocket id that carries no key', async () => {
      const response = await h.fetch('/v1/stripecli/sessions', form({ 'websocket_features[]': 'webhooks' }));
      assert.equal(response.status, 200, response.text);
      const body = response.body;
      assert.deepEqual(
        { ...body, secret: typeof body.secret, websocket_id: typeof body.websocket_id },
        {
          object: 'stripecli_session',
          default_version: '2026-03-04.preview',
          display_connect_filter_warning: false,
          latest_version: '2026-10-28.endive',
          reconnect_delay: 1800,
          secret: 'string',
          websocket_authorized_feature: 'webhooks',
          websocket_id: 'string',
          websocket_url: `ws://127.0.0.1:${h.port}/v1/stripecli/websocket`,
        },
      );
      assert.match(String(body.secret), /^whsec_[0-9a-f]{64}$/);
      assert.ok(!String(body.websocket_id).includes(h.secretKey));
      const again = await session();
      assert.equal(again.secret, body.secret, 'one secret per merchant');
      assert.notEqual(again.websocket_id, body.websocket_id, 'a websocket id per session');
      const other = await h.otherMerchant();
      assert.notEqual(
        (await session(other.secretKey)).secret,
        body.secret,
        "another merchant's secret differs",
      );
    });

    test('bad input and keys get Stripe-shaped errors', async () => {
      const bad = await h.fetch('/v1/stripecli/sessions', form({ 'websocket_features[]': 'request_logs' }));
      assert.equal(bad.status, 400);
      assert.equal((bad.body.error as { param: string }).param, 'websocket_features[0]');
      const unknown = await h.fetch('/v1/stripecli/sessions', form({ nope: '1' }));
      assert.equal(unknown.status, 400);
      assert.deepEqual(
        [(unknown.body.error as { code: string }).code, (unknown.body.error as { param: string }).param],
        ['parameter_unknown', 'nope'],
      );
      const noKey = await h.fetch('/v1/stripecli/sessions', { ...form({}), key: null });
      assert.equal(noKey.status, 401);
      const publishable = await h.fetch('/v1/stripecli/sessions', { ...form({}), key: h.publishableKey });
      assert.equal(publishable.status, 401);
      assert.equal((publishable.body.error as { code: string }).code, 'secret_key_required');
    });

    test('the websocket refuses a missing, altered or unknown id, and other paths and features', async () => {
      const s = await session();
      const url = `${s.websocket_url}?websocket_feature=webhooks`;
      const unknownId = JSON.stringify({
        error: { type: 'invalid_request_error', message: 'Unknown WebSocket ID.' },
      });
      assert.deepEqual(await refusal(url, {}), { status: 400, body: unknownId });
      const altered = `${s.websocket_id.slice(0, -2)}${s.websocket_id.endsWith('AA') ? 'BB' : 'AA'}`;
      assert.deepEqual(await refusal(url, { 'Websocket-Id': altered }), { status: 400, body: unknownId });
      assert.deepEqual(await refusal(url, { 'Websocket-Id': h.secretKey }), { status: 400, body: unknownId });
      const feature = await refusal(`${s.websocket_url}?websocket_feature=request_logs`, {
        'Websocket-Id': s.websocket_id,
      });
      assert.equal(feature.status, 400);
      assert.match(feature.body, /websocket_feature/);
      const elsewhere = await refusal(`ws://127.0.0.1:${h.port}/v1/other`, {
        'Websocket-Id': s.websocket_id,
      });
      assert.equal(elsewhere.status, 404);
    });

    test("events stream signed, in the session's version, only the merchant's own, and late commits too", async () => {
      const s = await session();
      const client = connect(s);
      sockets.push(client.socket);
      await client.opened;
      const other = await h.otherMerchant();
      await h.stripe({ key: other.secretKey }).customers.create({ email: 'other@example.com' });
      const customer = await h.stripe().customers.create({ email: 'stream@example.com' });
      const message = await client.waitFor((e) => e.type === 'customer.created');
      assert.equal(message.type, 'webhook_event');
      assert.equal(message.endpoint.api_version, null);
      const event = verifier.webhooks.constructEvent(
        message.event_payload,
        message.http_headers['Stripe-Signature'] as string,
        s.secret,
      );
      assert.equal((event.data.object as { id: string }).id, customer.id);
      assert.equal(event.api_version, '2026-03-04.preview');
      await client.waitFor((e) => e.id === event.id && e.api_version === '2026-10-28.endive');
      const renderings = client.messages.filter((m) => JSON.parse(m.event_payload).id === event.id);
      assert.deepEqual(
        renderings.map((m) => [m.endpoint.api_version, JSON.parse(m.event_payload).api_version]),
        [
          [null, '2026-03-04.preview'],
          ['2026-10-28.endive', '2026-10-28.endive'],
        ],
      );

      // An event whose id was made 5 s ago but that commits only now (a slow transaction, another
      // process) is still sent.
      const row = await h.running.store.db
        .selectFrom('events')
        .selectAll()
        .where('id', '=', event.id)
        .executeTakeFirstOrThrow();
      const lateId = `${idFloor(eventIds, Date.now() - 5000)}LateCommitLate1`;
      await h.running.store.db
        .insertInto('events')
        .values({ ...row, id: lateId })
        .execute();
      h.running.services.signal.wake();
      await client.waitFor((e) => e.id === lateId);

      await new Promise((resolve) => setTimeout(resolve, 200));
      const ids = client.messages.map((m) => JSON.parse(m.event_payload).id as string);
      assert.equal(new Set(ids).size * 2, ids.length, 'each event once per rendering');
      const emails = client.messages.map((m) => JSON.parse(m.event_payload).data.object.email);
      assert.ok(!emails.includes('other@example.com'), "another merchant's events are not sent");
      client.socket.close();
    });

    test('a session made with a Stripe-Version gets events in that version only', async () => {
      const s = await session(undefined, gaVersion);
      const client = connect(s);
      sockets.push(client.socket);
      await client.opened;
      const customer = await h.stripe().customers.create({ email: 'versioned@example.com' });
      await client.waitFor((e) => e.type === 'customer.created');
      await new Promise((resolve) => setTimeout(resolve, 200));
      const mine = client.messages.filter((m) => JSON.parse(m.event_payload).data.object.id === customer.id);
      assert.deepEqual(
        mine.map((m) => [m.endpoint.api_version, JSON.parse(m.event_payload).api_version]),
        [[null, gaVersion]],
      );
      client.socket.close();
    });
  });
}
