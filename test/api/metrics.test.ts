import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../src/config.ts';
import { createMetrics, meteredPass } from '../../src/metrics/metrics.ts';
import { startScheduler } from '../../src/scheduler.ts';
import { backends } from '../support/backends.ts';
import { eventually } from '../support/eventually.ts';
import { atBank, bankUserOf, linkAccounts } from '../support/fc.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { parseExposition, Scrape } from '../support/prometheus.ts';
import { type Receiver, startReceiver } from '../support/receiver.ts';

const adminToken = 'metrics-admin-token-0123456789abcdefXYZ';
const duration = 'openfc_http_request_duration_seconds';

test('an admin token shorter than 32 characters is refused, without echoing it', () => {
  assert.throws(
    () => loadConfig({ adminToken: 'too-short-to-guard-metrics' }, {}),
    (error: Error) => {
      assert.match(error.message, /--admin-token \/ OPENFC_ADMIN_TOKEN: must be at least 32 characters/);
      assert.ok(!error.message.includes('too-short-to-guard-metrics'), error.message);
      return true;
    },
  );
  assert.equal(loadConfig({}, { OPENFC_ADMIN_TOKEN: adminToken }).adminToken, adminToken);
});

test('a scheduler pass that fails is counted as failed, and the schedule goes on', async () => {
  const metrics = createMetrics(async () => ({ pending: 0, due: 0 }));
  let runs = 0;
  const errors: unknown[] = [];
  const scheduler = startScheduler(
    0.02,
    meteredPass(metrics, async () => {
      runs += 1;
      if (runs % 2 === 1) throw new Error('the database went away');
    }),
    (error) => errors.push(error),
  );
  await eventually(
    'four passes',
    () => runs,
    (n) => n >= 4,
  );
  await scheduler.stop();
  const scrape = new Scrape(parseExposition(await metrics.registry.metrics()));
  const failed = scrape.value('openfc_scheduler_passes_total', { outcome: 'failed' });
  const completed = scrape.value('openfc_scheduler_passes_total', { outcome: 'completed' });
  assert.equal(failed, errors.length);
  assert.equal(failed + completed, runs);
  assert.equal(failed, Math.ceil(runs / 2));
});

for (const backend of backends) {
  describe(`GET /metrics on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    const receivers: Receiver[] = [];
    before(async () => {
      // A scheduler pass every 0.2 s checking each connection at the bank every second; failed
      // webhook attempts wait a minute, so that they stay in the outbox while the suite looks.
      h = await startHarness(backend, {
        schedulerInterval: '0.2',
        bankCheckInterval: '1',
        webhookRetries: '60',
      });
    });
    after(async () => {
      await h?.close();
      for (const r of receivers) await r.close();
    });

    async function scrape(): Promise<{ scrape: Scrape; text: string }> {
      const response = await h.fetch('/metrics', {
        key: null,
        headers: { authorization: `Bearer ${h.adminToken}` },
      });
      assert.equal(response.status, 200, response.text);
      assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
      return { scrape: new Scrape(parseExposition(response.text)), text: response.text };
    }

    test('requests are counted by route pattern and status, with a latency histogram', async () => {
      const { scrape: before } = await scrape();
      const stripe = h.stripe();
      const customer = await stripe.customers.create({ email: 'metered@example.com' });
      await stripe.customers.retrieve(customer.id);
      for (const id of ['cus_missing1', 'cus_missing2', 'cus_missing3']) {
        assert.equal((await h.fetch(`/v1/customers/${id}`)).status, 404);
      }
      assert.equal((await h.fetch('/v1/nowhere/fca_123')).status, 404);
      const { scrape: now, text } = await scrape();

      const route = (r: string, status: string, method = 'GET') => ({
        method,
        route: r,
        status_code: status,
      });
      const moved = (name: string, labels: Record<string, string>) =>
        now.value(name, labels) - before.value(name, labels);
      assert.equal(moved('openfc_http_requests_total', route('/v1/customers', '200', 'POST')), 1);
      assert.equal(moved('openfc_http_requests_total', route('/v1/customers/:customer', '200')), 1);
      assert.equal(moved('openfc_http_requests_total', route('/v1/customers/:customer', '404')), 3);
      assert.equal(moved('openfc_http_requests_total', route('unmatched', '404')), 1);
      // The scrape before this one was answered (and counted) before this one was rendered.
      assert.equal(moved('openfc_http_requests_total', route('/metrics', '200')), 1);

      const missing = route('/v1/customers/:customer', '404');
      assert.equal(moved(`${duration}_count`, missing), 3);
      assert.ok(moved(`${duration}_sum`, missing) > 0);
      const buckets = now.all(`${duration}_bucket`, missing);
      assert.equal(buckets.at(-1)?.labels.le, '+Inf');
      assert.equal(buckets.at(-1)?.value, now.value(`${duration}_count`, missing));
      for (const [i, b] of buckets.entries()) {
        if (i > 0) assert.ok(b.value >= (buckets[i - 1]?.value ?? 0), 'buckets are cumulative');
      }
      // Ids in URLs never become label values.
      assert.ok(!text.includes('cus_missing'), text);
      assert.ok(!text.includes(customer.id), text);
      assert.ok(!text.includes('/v1/nowhere'), text);
    });

    test('webhook attempts by outcome, and the outbox depth', async () => {
      const { scrape: before } = await scrape();
      const stripe = h.stripe();
      const good = await startReceiver();
      const bad = await startReceiver();
      receivers.push(good, bad);
      bad.answer({ status: 500, body: 'down' });
      const events = { enabled_events: ['customer.created' as const] };
      await stripe.webhookEndpoints.create({ url: good.url, ...events });
      const failing = await stripe.webhookEndpoints.create({ url: bad.url, ...events });
      await stripe.customers.create({ email: 'hooked@example.com' });
      await good.waitFor(1);
      await bad.waitFor(1);
      const attempts = await eventually(
        'both attempts to be recorded',
        () =>
          h.running.store.db.selectFrom('webhook_attempts').select(['endpoint_id', 'status_code']).execute(),
        (rows) => rows.length === 2,
      );
      assert.deepEqual(attempts.map((a) => Number(a.status_code)).sort(), [200, 500]);

      const { scrape: now } = await scrape();
      const moved = (outcome: string) =>
        now.value('openfc_webhook_attempts_total', { outcome }) -
        before.value('openfc_webhook_attempts_total', { outcome });
      assert.equal(moved('succeeded'), 1);
      assert.equal(moved('failed'), 1);
      // The failed delivery waits a minute for its retry: pending, not due.
      assert.equal(now.value('openfc_webhook_deliveries', { state: 'pending' }), 1);
      assert.equal(now.value('openfc_webhook_deliveries', { state: 'due' }), 0);

      // A minute passes on the merchant's clock: the retry, the last one, falls due and fails.
      bad.answer({ status: 500 });
      await stripe.rawRequest('POST', '/v1/test_helpers/sandbox_clock/advance', { seconds: 60 });
      const { scrape: later } = await eventually(
        'the outbox to empty',
        scrape,
        (s) => s.scrape.value('openfc_webhook_deliveries', { state: 'pending' }) === 0,
      );
      assert.equal(bad.received.length, 2);
      assert.equal(
        later.value('openfc_webhook_attempts_total', { outcome: 'failed' }) -
          before.value('openfc_webhook_attempts_total', { outcome: 'failed' }),
        2,
      );
      assert.equal(later.value('openfc_webhook_deliveries', { state: 'due' }), 0);
      await stripe.webhookEndpoints.del(failing.id);
    });

    test('webhook claims: each change claimed once, after its commit; none in vain after it', async () => {
      const stripe = h.stripe();
      const receiver = await startReceiver();
      receivers.push(receiver);
      const endpoint = await stripe.webhookEndpoints.create({
        url: receiver.url,
        enabled_events: ['customer.created'],
      });
      const started = performance.now();
      const { scrape: before } = await scrape();
      const changes = 3;
      for (let i = 0; i < changes; i++) {
        await stripe.customers.create({ email: `claimed-${i}@example.com` });
        await receiver.waitFor(i + 1);
      }
      // Every delivery of those changes (earlier tests' endpoints get them too) has been made.
      await eventually(
        'the outbox to empty',
        scrape,
        (s) => s.scrape.value('openfc_webhook_deliveries', { state: 'pending' }) === 0,
      );
      // Let anything the last attempt set off (its record, claims after it) run before the count.
      await sleep(200);
      const { scrape: settled } = await scrape();
      const seconds = (performance.now() - started) / 1000;
      const moved = (result: string) =>
        settled.value('openfc_webhook_claims_total', { result }) -
        before.value('openfc_webhook_claims_total', { result });
      assert.equal(moved('found'), changes);
      // A claim made before its change had committed, or after each attempt with nothing more
      // due, would come up empty: only the worker's look at the outbox once a second may.
      const polls = Math.floor(seconds) + 1;
      assert.ok(moved('empty') <= polls, `${moved('empty')} empty claims in ${seconds.toFixed(1)} s`);
      await stripe.webhookEndpoints.del(endpoint.id);
    });

    test('scheduler passes, and bank calls by outcome', async () => {
      const { scrape: before } = await scrape();
      const linked = await linkAccounts(h, { limit: 1 });
      const { scrape: linkedNow } = await scrape();
      const calls = (s: Scrape, labels: Record<string, string>) => s.value('openfc_bank_calls_total', labels);
      assert.equal(
        calls(linkedNow, { operation: 'createSandboxAuthorization', outcome: 'ok' }) -
          calls(before, { operation: 'createSandboxAuthorization', outcome: 'ok' }),
        1,
      );
      assert.equal(
        calls(linkedNow, { operation: 'exchangeCode', outcome: 'ok' }) -
          calls(before, { operation: 'exchangeCode', outcome: 'ok' }),
        1,
      );

      // The consent ends at the bank alone; the scheduler's next check hears of it from the bank.
      await atBank(h, `/users/${await bankUserOf(h, linked.authorization)}/expire-consent`);
      const { scrape: now } = await eventually(
        'a scheduler check to meet the expired consent',
        scrape,
        (s) =>
          calls(s.scrape, { outcome: 'consent_expired' }) > calls(before, { outcome: 'consent_expired' }),
      );
      const passes = (s: Scrape, outcome: string) => s.value('openfc_scheduler_passes_total', { outcome });
      assert.ok(passes(now, 'completed') > passes(before, 'completed'), 'passes are counted');
      assert.equal(passes(now, 'failed'), 0);
      assert.equal(now.value('openfc_scheduler_failures_total'), 0);
      for (const sample of now.all('openfc_bank_calls_total')) {
        assert.match(sample.labels.outcome ?? '', /^(ok|[a-z_]+)$/);
        assert.ok(Number.isInteger(sample.value) && sample.value > 0, JSON.stringify(sample));
      }
    });

    test('without the admin token, or with another one, /metrics answers 401', async () => {
      const cases: [string, Record<string, string>][] = [
        ['no header', {}],
        ['a wrong token', { authorization: `Bearer ${h.adminToken.slice(0, -1)}x` }],
        ['a shorter token', { authorization: 'Bearer metrics' }],
        ['the secret key', { authorization: `Bearer ${h.secretKey}` }],
        [
          'the token as Basic auth',
          { authorization: `Basic ${Buffer.from(`${h.adminToken}:`).toString('base64')}` },
        ],
      ];
      for (const [label, headers] of cases) {
        const response = await h.fetch('/metrics', { key: null, headers });
        assert.equal(response.status, 401, `${label}: ${response.text}`);
        assert.match(String(response.headers.get('content-type')), /^application\/json/);
        const error = response.body.error as Record<string, unknown>;
        assert.equal(error.type, 'invalid_request_error', label);
        assert.match(String(error.message), /admin token/, label);
        assert.ok(!response.text.includes(h.adminToken), label);
        assert.doesNotMatch(response.text, /openfc_/, label);
      }
    });

    test('no secret key, token or signing secret appears in the metrics', async () => {
      const { text } = await scrape();
      for (const secret of [h.adminToken, h.secretKey, h.publishableKey, 'sk_test_', 'whsec_', 'Bearer']) {
        assert.ok(!text.includes(secret), `${secret} is in the metrics`);
      }
    });
  });
}

describe('GET /metrics without an admin token', () => {
  const [sqlite] = backends;
  let h: Harness;
  before(async () => {
    h = await startHarness(sqlite as (typeof backends)[number], { adminToken: undefined });
  });
  after(() => h?.close());

  test('answers 404 saying how to turn metrics on', async () => {
    for (const headers of [{}, { authorization: `Bearer ${adminToken}` }] as Record<string, string>[]) {
      const response = await h.fetch('/metrics', { key: null, headers });
      assert.equal(response.status, 404, response.text);
      const error = response.body.error as Record<string, unknown>;
      assert.equal(error.type, 'invalid_request_error');
      assert.match(String(error.message), /--admin-token or OPENFC_ADMIN_TOKEN/);
    }
  });
});
