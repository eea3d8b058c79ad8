import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ApiError } from '../../src/domain/errors.ts';
import { requestHash } from '../../src/domain/idempotency/service.ts';
import { currentCommitMark } from '../../src/store/commit-marks.ts';
import { backends } from '../support/backends.ts';
import { type Harness, startHarness } from '../support/harness.ts';

/**
 * An idempotency key commits with its request's writes, and its stored response is sealed at rest.
 * The crash itself is in test/cli/idempotency-durability.test.ts; here the database is set as a
 * dead process leaves it.
 */

const hour = 3600;

for (const backend of backends) {
  describe(`idempotency keys and commits on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(() => h?.close());

    const db = () => h.running.store.db;
    const row = (key: string) =>
      db()
        .selectFrom('idempotency_keys')
        .selectAll()
        .where('merchant_id', '=', h.running.merchant.id)
        .where('key', '=', key)
        .executeTakeFirstOrThrow();
    const post = (path: string, body: string, key: string) =>
      h.fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': key },
        body,
      });

    /** The key's row as a process leaves it when it dies after its commit, before its answer. */
    async function diedAfterCommit(key: string, ageSeconds: number) {
      await db()
        .updateTable('idempotency_keys')
        .set((eb) => ({
          state: 'committed',
          status_code: null,
          body: null,
          created: eb('created', '-', ageSeconds),
        }))
        .where('key', '=', key)
        .execute();
    }

    test('responses are sealed at rest: no signing secret in the table, the replay shows it', async () => {
      const key = randomUUID();
      const first = await post('/v1/webhook_endpoints', 'url=http://localhost/hook&enabled_events[]=*', key);
      assert.equal(first.status, 200, first.text);
      const secret = first.body.secret as string;
      assert.match(secret, /^whsec_/);
      const stored = await row(key);
      assert.equal(stored.state, 'done');
      assert.ok(!stored.body?.includes('whsec_'), 'the signing secret is stored in the clear');
      assert.ok(!stored.body?.includes(first.body.id as string), 'the response is stored in the clear');
      const again = await post('/v1/webhook_endpoints', 'url=http://localhost/hook&enabled_events[]=*', key);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.equal(again.text, first.text);

      const cliKey = randomUUID();
      const cli = await post('/v1/stripecli/sessions', 'websocket_features[]=webhooks', cliKey);
      assert.equal(cli.status, 200, cli.text);
      assert.match(cli.body.secret as string, /^whsec_/);
      assert.ok(
        !(await row(cliKey)).body?.includes('whsec_'),
        'the CLI signing secret is stored in the clear',
      );
      const cliAgain = await post('/v1/stripecli/sessions', 'websocket_features[]=webhooks', cliKey);
      assert.equal(cliAgain.text, cli.text);
    });

    test('requests at once, their keys claimed and answers stored together, each replay their own answer', async () => {
      const email = `many-${randomUUID()}@example.com`;
      const keys = Array.from({ length: 30 }, () => randomUUID());
      const firsts = await Promise.all(
        keys.map((key, i) => post('/v1/customers', `name=Many+${i}&email=${encodeURIComponent(email)}`, key)),
      );
      for (const [i, res] of firsts.entries()) {
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.name, `Many ${i}`);
        assert.equal((await row(keys[i] as string)).state, 'done');
      }
      const replays = await Promise.all(
        keys.map((key, i) => post('/v1/customers', `name=Many+${i}&email=${encodeURIComponent(email)}`, key)),
      );
      for (const [i, res] of replays.entries()) {
        assert.equal(res.headers.get('idempotent-replayed'), 'true');
        assert.equal(res.text, firsts[i]?.text);
      }
      const made = await h.stripe().customers.list({ email, limit: 100 });
      assert.equal(made.data.length, keys.length);
    });

    test('one key claimed twice at once is held by one request only', async () => {
      const { idempotency } = h.running.services;
      const merchantId = h.running.merchant.id;
      const key = randomUUID();
      const hash = requestHash('POST', '/v1/customers', 'name=twice');
      const claims = await Promise.allSettled([
        idempotency.claim(merchantId, key, hash, 'req_first'),
        idempotency.claim(merchantId, key, hash, 'req_second'),
      ]);
      assert.deepEqual(claims[0], { status: 'fulfilled', value: { kind: 'claimed', holder: 'req_first' } });
      assert.equal(claims[1]?.status, 'rejected');
      const refused = (claims[1] as PromiseRejectedResult).reason;
      assert.ok(refused instanceof ApiError && refused.code === 'idempotency_key_in_use', String(refused));
      assert.equal((await row(key)).request_id, 'req_first');
    });

    test('every write a request makes, in a transaction or alone, marks its key committed', async () => {
      const merchantId = h.running.merchant.id;
      const { idempotency, customers, sessions } = h.running.services;
      const writes: Array<[string, () => Promise<{ id: string }>]> = [
        ['customer', () => customers.create(merchantId, { email: 'mark@example.com' })],
        ['session', () => sessions.create(h.running.merchant, { holder: null, permissions: ['balances'] })],
      ];
      for (const [kind, write] of writes) {
        const key = randomUUID();
        const claim = await idempotency.claim(merchantId, key, 'hash', `req_${kind}`);
        assert.equal(claim.kind, 'claimed');
        const made = await idempotency.holding({ merchantId, key, holder: `req_${kind}` }, write);
        const marked = await row(key);
        assert.deepEqual([marked.state, marked.object_id], ['committed', made.id], kind);
      }
    });

    test('what a request wakes (the delivery worker) writes outside the request', async () => {
      const merchantId = h.running.merchant.id;
      const { idempotency, signal } = h.running.services;
      const key = randomUUID();
      await idempotency.claim(merchantId, key, 'hash', 'req_waking');
      const seen: boolean[] = [];
      const unsubscribe = signal.subscribe(() => seen.push(currentCommitMark() !== undefined));
      try {
        await idempotency.holding({ merchantId, key, holder: 'req_waking' }, async () => {
          signal.wake();
          await new Promise((resolve) => setTimeout(resolve, 20));
          assert.notEqual(currentCommitMark(), undefined);
        });
      } finally {
        unsubscribe();
      }
      assert.deepEqual(seen, [false]);
    });

    test('a key whose request committed and died answers with the object it made, once it is taken for dead', async () => {
      const email = `died-${randomUUID()}@example.com`;
      const key = randomUUID();
      const first = await post('/v1/customers', `email=${encodeURIComponent(email)}`, key);
      assert.equal(first.status, 200, first.text);

      await diedAfterCommit(key, 0);
      const tooSoon = await post('/v1/customers', `email=${encodeURIComponent(email)}`, key);
      assert.equal(tooSoon.status, 409, tooSoon.text);
      assert.equal((tooSoon.body.error as { code: string }).code, 'idempotency_key_in_use');

      await diedAfterCommit(key, hour);
      const other = await post('/v1/customers', 'email=other%40example.com', key);
      assert.equal((other.body.error as { type: string }).type, 'idempotency_error', other.text);
      const replayed = await post('/v1/customers', `email=${encodeURIComponent(email)}`, key);
      assert.equal(replayed.status, 200, replayed.text);
      assert.equal(replayed.headers.get('idempotent-replayed'), 'true');
      assert.deepEqual(replayed.body, first.body);
      assert.equal((await h.stripe().customers.list({ email })).data.length, 1);
      // The answer is stored now, as any other.
      assert.equal((await row(key)).state, 'done');
      const stored = await post('/v1/customers', `email=${encodeURIComponent(email)}`, key);
      assert.equal(stored.text, replayed.text);
    });

    test('a webhook endpoint made by a request that died unanswered is answered with its secret', async () => {
      const key = randomUUID();
      const params = 'url=http://localhost/died&enabled_events[]=customer.created';
      const first = await post('/v1/webhook_endpoints', params, key);
      assert.equal(first.status, 200, first.text);
      await diedAfterCommit(key, hour);
      const replayed = await post('/v1/webhook_endpoints', params, key);
      assert.equal(replayed.status, 200, replayed.text);
      assert.deepEqual(replayed.body, first.body);
      const endpoints = await h.stripe().webhookEndpoints.list({ limit: 100 });
      assert.equal(endpoints.data.filter((e) => e.url === 'http://localhost/died').length, 1);
    });

    test('a sandbox clock advance that died unanswered is not made twice', async () => {
      const key = randomUUID();
      const first = await post('/v1/test_helpers/sandbox_clock/advance', 'seconds=60', key);
      assert.equal(first.status, 200, first.text);
      await diedAfterCommit(key, hour);
      const replayed = await post('/v1/test_helpers/sandbox_clock/advance', 'seconds=60', key);
      assert.equal(replayed.status, 200, replayed.text);
      assert.equal(replayed.body.offset_seconds, first.body.offset_seconds);
    });

    test('a request taken for dead cannot commit once another request holds its key', async () => {
      const merchantId = h.running.merchant.id;
      const email = `slow-${randomUUID()}@example.com`;
      const raw = `email=${encodeURIComponent(email)}`;
      const key = randomUUID();
      const { idempotency, customers } = h.running.services;
      // A slow request claimed the key an hour ago and has written nothing yet.
      await idempotency.claim(merchantId, key, requestHash('POST', '/v1/customers', raw), 'req_slow');
      await db()
        .updateTable('idempotency_keys')
        .set((eb) => ({ created: eb('created', '-', hour) }))
        .where('key', '=', key)
        .execute();
      const retry = await post('/v1/customers', raw, key);
      assert.equal(retry.status, 200, retry.text);
      // The slow request's write now fails, and leaves nothing behind.
      await assert.rejects(
        idempotency.holding({ merchantId, key, holder: 'req_slow' }, () =>
          customers.create(merchantId, { email }),
        ),
        (error: unknown) => error instanceof ApiError && error.code === 'idempotency_key_in_use',
      );
      const made = await h.stripe().customers.list({ email });
      assert.deepEqual(
        made.data.map((c) => c.id),
        [retry.body.id],
      );
    });
  });
}
