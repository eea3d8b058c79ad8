import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Stripe from 'stripe';
import { idAt } from '../../src/domain/ids.ts';
import { requestIds, toRow } from '../../src/domain/request-logs/log.ts';
import { backends } from '../support/backends.ts';
import { type DashboardClient, signIn } from '../support/dashboard.ts';
import { eventually } from '../support/eventually.ts';
import { type Harness, previewVersion, startHarness } from '../support/harness.ts';
import { assertStripeError } from '../support/stripe-schemas.ts';

interface LoggedBody {
  json: unknown;
  text: string | null;
  size: number;
  truncated: boolean;
}

interface Log {
  id: string;
  created: number;
  method: string;
  path: string;
  status: number;
  duration_ms: number;
  account: string | null;
  api_version: string | null;
  idempotency_key: string | null;
  params: LoggedBody;
  response: LoggedBody;
}

/** The request's log as the dashboard's API shows it, once it has been written. */
async function logOf(client: DashboardClient, requestId: string): Promise<Log> {
  const res = await eventually(
    `the log of ${requestId}`,
    () => client.get(`/logs/${requestId}`),
    (r) => r.status !== 404,
  );
  assert.equal(res.status, 200, res.text);
  return res.body.log as Log;
}

async function listIds(client: DashboardClient, query: string): Promise<string[]> {
  const res = await client.get(`/logs?${query}`);
  assert.equal(res.status, 200, res.text);
  return (res.body.data as { id: string }[]).map((log) => log.id);
}

/** Every stored log row as text: what a look at the database would show. */
async function storedText(h: Harness): Promise<string> {
  return JSON.stringify(await h.running.store.db.selectFrom('request_logs').selectAll().execute());
}

function whole(json: unknown, size: number): LoggedBody {
  return { json, text: null, size, truncated: false };
}

for (const backend of backends) {
  describe(`request logs on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    let client: DashboardClient;
    before(async () => {
      h = await startHarness(backend);
      client = await signIn(h);
    });
    after(() => h?.close());

    test("a failed SDK call's request_log_url is the dashboard's page for its log, which shows the request", async () => {
      const stripe = h.stripe();
      const error = await stripe.customers.retrieve('cus_doesNotExist').then(
        () => assert.fail('retrieving a missing customer succeeded'),
        (e: unknown) => e as Stripe.errors.StripeError,
      );
      assert.ok(error instanceof Stripe.errors.StripeInvalidRequestError, String(error));
      const requestId = error.requestId as string;
      assert.match(requestId, /^req_[A-Za-z0-9]+$/);
      const url = `${h.url}/dashboard/logs/${requestId}`;
      assert.equal((error.raw as { request_log_url?: string }).request_log_url, url);

      // The address is a page of the dashboard.
      const page = await fetch(url);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);

      const log = await logOf(client, requestId);
      const sent = {
        error: {
          type: 'invalid_request_error',
          code: 'resource_missing',
          doc_url: 'https://stripe.com/docs/error-codes/resource-missing',
          message: "No such customer: 'cus_doesNotExist'",
          param: 'id',
          request_log_url: url,
        },
      };
      assert.deepEqual(log, {
        id: requestId,
        created: log.created,
        method: 'GET',
        path: '/v1/customers/cus_doesNotExist',
        status: 404,
        duration_ms: log.duration_ms,
        account: null,
        api_version: previewVersion,
        idempotency_key: null,
        params: whole({}, 2),
        response: whole(sent, log.response.size),
      });
      assert.ok(Math.abs(log.created - Date.now() / 1000) < 60, `created ${log.created}`);
      assert.ok(log.duration_ms >= 0);

      // The list finds it among failed requests, by its id, by a part of its path in any case.
      assert.ok((await listIds(client, 'status=failed')).includes(requestId));
      assert.ok(!(await listIds(client, 'status=succeeded')).includes(requestId));
      assert.deepEqual(await listIds(client, `request_id=${requestId}`), [requestId]);
      assert.ok((await listIds(client, 'path=CUS_DOESNOT&method=GET')).includes(requestId));
      assert.ok(!(await listIds(client, 'path=cus_doesNotExist&method=POST')).includes(requestId));
    });

    test('a POST is kept with its idempotency key and parameters; the list is newest first and pages', async () => {
      const stripe = h.stripe();
      const created = await stripe.customers.create(
        { name: 'Logged', metadata: { note: 'plain' } },
        { idempotencyKey: 'logged-create-1' },
      );
      const requestId = created.lastResponse.requestId;
      const log = await logOf(client, requestId);
      assert.equal(log.method, 'POST');
      assert.equal(log.path, '/v1/customers');
      assert.equal(log.status, 200);
      assert.equal(log.idempotency_key, 'logged-create-1');
      assert.deepEqual(log.params.json, { name: 'Logged', metadata: { note: 'plain' } });
      const { lastResponse: _response, ...answered } = created;
      assert.deepEqual(log.response.json, answered);

      // Several requests at once are all written.
      const many = await Promise.all(
        Array.from({ length: 12 }, () =>
          stripe.customers.list({ limit: 1 }).then((r) => r.lastResponse.requestId),
        ),
      );
      for (const id of many) await logOf(client, id);
      const first = await client.get('/logs?limit=5&method=GET&path=/v1/customers&status=succeeded');
      assert.equal(first.status, 200, first.text);
      const firstIds = (first.body.data as { id: string }[]).map((l) => l.id);
      assert.equal(firstIds.length, 5);
      assert.equal(first.body.has_more, true);
      assert.deepEqual(firstIds, [...firstIds].sort().reverse(), 'newest first');
      const second = await client.get(
        `/logs?limit=5&method=GET&path=/v1/customers&status=succeeded&starting_after=${firstIds.at(-1)}`,
      );
      const secondIds = (second.body.data as { id: string }[]).map((l) => l.id);
      assert.equal(secondIds.length, 5);
      assert.ok((secondIds[0] as string) < (firstIds.at(-1) as string));
      // A list shows no bodies.
      assert.equal('params' in ((first.body.data as object[])[0] as object), false);
    });

    test("secrets are redacted: a webhook endpoint's secret, client secrets, bank numbers, API keys", async () => {
      const stripe = h.stripe();
      const endpoint = await stripe.webhookEndpoints.create({
        url: 'https://merchant.example/hooks',
        enabled_events: ['customer.created'],
      });
      assert.match(endpoint.secret ?? '', /^whsec_/);
      const endpointLog = await logOf(client, endpoint.lastResponse.requestId);
      assert.equal((endpointLog.response.json as { secret: string }).secret, '[redacted]');
      assert.equal((endpointLog.response.json as { id: string }).id, endpoint.id);

      const customer = await stripe.customers.create({ name: 'Holder' });
      const session = await stripe.financialConnections.sessions.create({
        account_holder: { type: 'customer', customer: customer.id },
        permissions: ['balances'],
      });
      const sessionLog = await logOf(client, session.lastResponse.requestId);
      assert.equal((sessionLog.response.json as { client_secret: string }).client_secret, '[redacted]');

      const method = await stripe.paymentMethods.create({
        type: 'us_bank_account',
        us_bank_account: {
          routing_number: '110000000',
          account_number: '000123456789',
          account_holder_type: 'individual',
          account_type: 'checking',
        },
        billing_details: { name: 'Jenny Rosen' },
      });
      const methodLog = await logOf(client, method.lastResponse.requestId);
      assert.deepEqual((methodLog.params.json as { us_bank_account: unknown }).us_bank_account, {
        routing_number: '[redacted]',
        account_number: '[redacted]',
        account_holder_type: 'individual',
        account_type: 'checking',
      });
      assert.equal(
        (methodLog.response.json as { us_bank_account: { routing_number: string } }).us_bank_account
          .routing_number,
        '[redacted]',
      );

      // A secret key pasted where it does not belong, and a client secret sent back, are redacted too.
      const pasted = await stripe.customers.create({
        name: 'Pasted',
        metadata: { oops: h.secretKey, client: session.client_secret as string },
      });
      const pastedLog = await logOf(client, pasted.lastResponse.requestId);
      assert.deepEqual((pastedLog.params.json as { metadata: unknown }).metadata, {
        oops: '[redacted]',
        client: `${session.id}_secret_[redacted]`,
      });

      const stored = await storedText(h);
      for (const secret of [
        endpoint.secret as string,
        session.client_secret as string,
        '000123456789',
        h.secretKey,
      ]) {
        assert.ok(!stored.includes(secret), `the logs hold ${secret.slice(0, 8)}…`);
      }
      assert.ok(!/sk_test_[A-Za-z0-9]/.test(stored), 'the logs hold a secret key');
    });

    test('a request with an unknown key is kept under no merchant; a connected account is noted', async () => {
      const unknown = await h.fetch('/v1/customers', { key: 'sk_test_notAKeyOfThisServer0000000' });
      assert.equal(unknown.status, 401, unknown.text);
      assertStripeError(unknown.body);
      const unknownId = unknown.headers.get('request-id') as string;
      // Written or not, a later request's log is written after it: wait for that one.
      const later = await h.stripe().customers.list({ limit: 1 });
      await logOf(client, later.lastResponse.requestId);
      const rows = await h.running.store.db
        .selectFrom('request_logs')
        .select('id')
        .where('id', '=', unknownId)
        .execute();
      assert.deepEqual(rows, []);
      assert.ok(!(await storedText(h)).includes('sk_test_notAKeyOfThisServer'));

      const stripe = h.stripe();
      const shop = await stripe.accounts.create({ type: 'custom', email: 'shop@example.com' });
      const asShop = await stripe.customers.create({ name: 'Shop customer' }, { stripeAccount: shop.id });
      const log = await logOf(client, asShop.lastResponse.requestId);
      assert.equal(log.account, shop.id);
      assert.equal(log.status, 200);
    });

    test("another merchant sees none of this merchant's logs", async () => {
      const made = await h.stripe().customers.create({ name: 'Mine' });
      const requestId = made.lastResponse.requestId;
      await logOf(client, requestId);

      const other = await h.otherMerchant();
      const otherClient = await signIn(h, other.secretKey);
      const refused = await otherClient.get(`/logs/${requestId}`);
      assert.equal(refused.status, 404, refused.text);
      assertStripeError(refused.body);
      assert.equal((refused.body.error as { code?: string }).code, 'resource_missing');
      assert.deepEqual(await listIds(otherClient, `request_id=${requestId}`), []);

      // Its own requests are its own.
      const own = await h.stripe({ key: other.secretKey }).customers.create({ name: 'Theirs' });
      await logOf(otherClient, own.lastResponse.requestId);
      assert.ok(!(await listIds(otherClient, '')).includes(requestId));
      assert.equal((await client.get(`/logs/${own.lastResponse.requestId}`)).status, 404);
    });

    test('filters are checked; the logs need a signed-in dashboard', async () => {
      for (const [query, param] of [
        ['status=pending', 'status'],
        ['method=PATCH', 'method'],
        [`path=${'x'.repeat(201)}`, 'path'],
      ] as const) {
        const res = await client.get(`/logs?${query}`);
        assert.equal(res.status, 400, res.text);
        assertStripeError(res.body);
        assert.equal((res.body.error as { param?: string }).param, param);
      }
      const anonymous = await h.fetch('/dashboard/api/logs', { key: null });
      assert.equal(anonymous.status, 401, anonymous.text);
      // An API key does not stand in for the dashboard's session.
      assert.equal((await h.fetch('/dashboard/api/logs')).status, 401);
    });

    test('a batch of any size is written whole; logs older than 7 days are not shown, and pruning deletes them', async () => {
      const merchantId = h.running.merchant.id;
      const row = (id: string) =>
        toRow({
          id,
          merchantId,
          account: null,
          created: Math.floor(Date.now() / 1000),
          method: 'GET',
          path: '/v1/customers',
          status: 200,
          durationMs: 1,
          apiVersion: null,
          idempotencyKey: null,
          params: () => ({}),
          response: '{}',
        });
      // A batch is written whole, whatever its size.
      const batch = Array.from({ length: 203 }, (_, i) => idAt(requestIds, Date.now() - 86_400_000 + i));
      await h.running.services.requestLogs.insert(batch.map(row));
      const written = await h.running.store.db
        .selectFrom('request_logs')
        .select('id')
        .where('id', 'in', batch)
        .execute();
      assert.equal(written.length, batch.length);

      const old = idAt(requestIds, Date.now() - 8 * 86_400_000);
      const recent = idAt(requestIds, Date.now() - 6 * 86_400_000);
      await h.running.services.requestLogs.insert([row(old), row(recent)]);
      assert.equal((await client.get(`/logs/${old}`)).status, 404);
      assert.equal((await client.get(`/logs/${recent}`)).status, 200);

      assert.ok((await h.running.services.requestLogs.pruneExpired()) >= 1);
      const left = await h.running.store.db
        .selectFrom('request_logs')
        .select('id')
        .where('id', 'in', [old, recent])
        .execute();
      assert.deepEqual(
        left.map((r) => r.id),
        [recent],
      );
    });
  });
}
