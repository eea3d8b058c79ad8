import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { backends } from '../support/backends.ts';
import { body } from '../support/fc.ts';
import { gaVersion, type Harness, startHarness } from '../support/harness.ts';
import { assertListOf, assertMatchesSchema, assertStripeError } from '../support/stripe-schemas.ts';

for (const backend of backends) {
  describe(`webhook endpoints on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(() => h?.close());

    test('create shows the secret once; retrieve, update, list and delete', async () => {
      const stripe = h.stripe();
      const created = await stripe.webhookEndpoints.create({
        url: 'http://localhost:3000/webhook',
        enabled_events: ['financial_connections.account.deactivated', 'customer.created'],
        description: 'local handler',
        api_version: gaVersion,
        metadata: { team: 'payments' },
      });
      assertMatchesSchema('webhook_endpoint', created);
      assert.match(created.id, /^we_/);
      assert.match(created.secret ?? '', /^whsec_[0-9A-Za-z]{32}$/);
      assert.deepEqual(body({ ...created, secret: undefined }), {
        id: created.id,
        object: 'webhook_endpoint',
        api_version: gaVersion,
        application: null,
        created: created.created,
        description: 'local handler',
        enabled_events: ['financial_connections.account.deactivated', 'customer.created'],
        livemode: false,
        metadata: { team: 'payments' },
        secret: undefined,
        status: 'enabled',
        url: 'http://localhost:3000/webhook',
      });

      const retrieved = await stripe.webhookEndpoints.retrieve(created.id);
      assertMatchesSchema('webhook_endpoint', retrieved);
      assert.equal(retrieved.secret, undefined);
      assert.equal(retrieved.url, created.url);

      const updated = await stripe.webhookEndpoints.update(created.id, {
        disabled: true,
        enabled_events: ['*'],
        description: '',
        metadata: { team: '', owner: 'ops' },
      });
      assertMatchesSchema('webhook_endpoint', updated);
      assert.equal(updated.status, 'disabled');
      assert.deepEqual(updated.enabled_events, ['*']);
      assert.equal(updated.description, null);
      assert.deepEqual(updated.metadata, { owner: 'ops' });
      assert.equal(updated.secret, undefined);
      const enabled = await stripe.webhookEndpoints.update(created.id, { disabled: false });
      assert.equal(enabled.status, 'enabled');

      const second = await stripe.webhookEndpoints.create({
        url: 'https://example.com/hooks',
        enabled_events: ['*'],
      });
      const list = await stripe.webhookEndpoints.list({ limit: 1 });
      assertListOf('webhook_endpoint', list, '/v1/webhook_endpoints');
      assert.deepEqual(
        list.data.map((e) => e.id),
        [second.id],
      );
      assert.equal(list.has_more, true);
      assert.equal(list.data[0]?.secret, undefined);

      const deleted = await stripe.webhookEndpoints.del(created.id);
      assert.deepEqual(body(deleted), { id: created.id, object: 'webhook_endpoint', deleted: true });
      await assert.rejects(stripe.webhookEndpoints.retrieve(created.id), (err: Stripe.errors.StripeError) => {
        assert.equal(err.statusCode, 404);
        assert.equal(err.code, 'resource_missing');
        assert.equal(err.param, 'webhook_endpoint');
        return true;
      });
    });

    test('bad input is refused with a Stripe error and makes nothing', async () => {
      const cases: Array<[Record<string, string>, string, string | undefined]> = [
        [{ url: 'ftp://example.com/x', 'enabled_events[]': '*' }, 'url', 'url_invalid'],
        [{ url: 'not a url', 'enabled_events[]': '*' }, 'url', 'url_invalid'],
        [{ url: 'https://user:hunter2@example.com/x', 'enabled_events[]': '*' }, 'url', 'url_invalid'],
        [{ 'enabled_events[]': '*' }, 'url', 'parameter_missing'],
        [{ url: 'https://example.com/x' }, 'enabled_events', 'parameter_missing'],
        [
          { url: 'https://example.com/x', 'enabled_events[]': 'Not An Event' },
          'enabled_events[0]',
          undefined,
        ],
        [
          { url: 'https://example.com/x', 'enabled_events[]': '*', api_version: '2020-01-01' },
          'api_version',
          undefined,
        ],
        [{ url: 'https://example.com/x', 'enabled_events[]': '*', connect: 'maybe' }, 'connect', undefined],
        [
          { url: 'https://example.com/x', 'enabled_events[]': '*', secret: 'whsec_mine' },
          'secret',
          'parameter_unknown',
        ],
      ];
      const before = (await h.fetch('/v1/webhook_endpoints?limit=100')).body.data as unknown[];
      for (const [fields, param, code] of cases) {
        const res = await h.fetch('/v1/webhook_endpoints', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(fields).toString(),
        });
        assert.equal(res.status, 400, res.text);
        assertStripeError(res.body);
        const error = res.body.error as { param?: string; code?: string; message: string };
        assert.equal(error.param, param, res.text);
        assert.equal(error.code, code, res.text);
        assert.doesNotMatch(error.message, /hunter2/);
      }
      const afterList = (await h.fetch('/v1/webhook_endpoints?limit=100')).body.data as unknown[];
      assert.equal(afterList.length, before.length);
    });

    test("another merchant's key sees no endpoint", async () => {
      const stripe = h.stripe();
      const mine = await stripe.webhookEndpoints.create({
        url: 'https://example.com/a',
        enabled_events: ['*'],
      });
      const other = h.stripe({ key: (await h.otherMerchant()).secretKey });
      await assert.rejects(other.webhookEndpoints.retrieve(mine.id), { statusCode: 404 });
      await assert.rejects(other.webhookEndpoints.del(mine.id), { statusCode: 404 });
      assert.deepEqual((await other.webhookEndpoints.list()).data, []);
      assert.equal((await stripe.webhookEndpoints.retrieve(mine.id)).status, 'enabled');
    });
  });
}
