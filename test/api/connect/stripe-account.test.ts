import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { backends } from '../../support/backends.ts';
import { completeSession, createSession } from '../../support/fc.ts';
import { form, gaVersion, type Harness, previewVersion, startHarness } from '../../support/harness.ts';
import { checked, refused } from '../../support/payments.ts';
import {
  assertEventMatchesSchema,
  assertMatchesSchema,
  assertStripeError,
} from '../../support/stripe-schemas.ts';

for (const backend of backends) {
  describe(`acting as a connected account on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    let stripe: Stripe;
    let shop: Stripe.Account;
    let market: Stripe.Account;
    before(async () => {
      h = await startHarness(backend);
      stripe = h.stripe();
      shop = await stripe.accounts.create({ type: 'custom', email: 'shop@example.com' });
      market = await stripe.accounts.create({ type: 'express' });
    });
    after(() => h?.close());

    test('objects made as a connected account are its own, invisible elsewhere', async () => {
      const asShop = { stripeAccount: shop.id };
      const customer = await stripe.customers.create({ email: 'buyer@example.com' }, asShop);
      assert.equal((await stripe.customers.retrieve(customer.id, {}, asShop)).id, customer.id);
      await refused(stripe.customers.retrieve(customer.id), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'id',
      });
      await refused(stripe.customers.retrieve(customer.id, {}, { stripeAccount: market.id }), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'id',
      });
      const listed = await stripe.customers.list({ limit: 100 }, asShop);
      assert.deepEqual(
        listed.data.map((c) => c.id),
        [customer.id],
      );
      const platformList = await stripe.customers.list({ limit: 100 });
      assert.ok(!platformList.data.some((c) => c.id === customer.id));

      // The platform's own id in Stripe-Account is the platform itself.
      const own = await stripe.customers.create({}, { stripeAccount: h.running.merchant.id });
      assert.equal((await stripe.customers.retrieve(own.id)).id, own.id);
    });

    test('/v1/account is the connected account acted as; accounts are managed by the platform only', async () => {
      const current = checked(
        'account',
        await stripe.accounts.retrieveCurrent({}, { stripeAccount: shop.id }),
      );
      assert.deepEqual(current, checked('account', await stripe.accounts.retrieve(shop.id)));
      await refused(stripe.accounts.retrieve(market.id, {}, { stripeAccount: shop.id }), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'account',
      });
      await refused(stripe.accounts.create({ type: 'custom' }, { stripeAccount: shop.id }), {
        statusCode: 400,
        code: undefined,
        param: undefined,
      });
      await refused(stripe.accounts.list({}, { stripeAccount: shop.id }), {
        statusCode: 400,
        code: undefined,
        param: undefined,
      });
      // A connected account hears its own events: it has no connected accounts of its own.
      await refused(
        stripe.webhookEndpoints.create(
          { url: 'http://127.0.0.1:9/hook', enabled_events: ['*'], connect: true },
          { stripeAccount: shop.id },
        ),
        { statusCode: 400, code: undefined, param: 'connect' },
      );
    });

    test('a Stripe-Account that is not the key holder’s own connected account is refused', async () => {
      const other = await h.otherMerchant();
      const otherStripe = h.stripe({ key: other.secretKey });
      const theirs = await otherStripe.accounts.create({ type: 'custom' });
      const gone = await stripe.accounts.create({ type: 'custom' });
      await stripe.accounts.del(gone.id);
      const before = (await stripe.customers.list({ limit: 100 })).data.length;
      for (const id of [theirs.id, gone.id, 'acct_1NoSuchAccount000000000']) {
        await assert.rejects(
          stripe.customers.create({}, { stripeAccount: id }),
          (e: Stripe.errors.StripeError) => {
            assert.equal(e.statusCode, 403);
            assert.equal(e.type, 'StripePermissionError');
            assert.equal(e.rawType, 'invalid_request_error');
            assert.equal(e.code, undefined);
            assertStripeError({ error: e.raw });
            assert.match(e.message, new RegExp(`does not have access to account '${id}'`));
            assert.ok(!e.message.includes(h.secretKey), 'the key is never echoed in full');
            return true;
          },
        );
      }
      // Another platform cannot act as this platform's account either.
      await assert.rejects(otherStripe.customers.list({}, { stripeAccount: shop.id }), { statusCode: 403 });
      assert.equal((await stripe.customers.list({ limit: 100 })).data.length, before);

      const malformed = await h.fetch('/v1/customers', { headers: { 'stripe-account': 'not-an-account' } });
      assert.equal(malformed.status, 400, malformed.text);
      assertStripeError(malformed.body);
    });

    test('a publishable key acts as its platform’s connected accounts only', async () => {
      const asShop = await stripe.financialConnections.sessions.create(
        { account_holder: { type: 'account', account: shop.id }, permissions: ['balances'] },
        { stripeAccount: shop.id },
      );
      const secret = asShop.client_secret as string;
      const flow = (key: string, account?: string) =>
        h.fetch('/flow/v1/session', {
          ...form({ client_secret: secret }),
          key,
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            ...(account && { 'stripe-account': account }),
          },
        });
      const opened = await flow(h.publishableKey, shop.id);
      assert.equal(opened.status, 200, opened.text);
      // Without the header, the session is not the platform's.
      const notPlatforms = await flow(h.publishableKey);
      assert.equal(notPlatforms.status, 404, notPlatforms.text);
      const other = await h.otherMerchant();
      const refusedOther = await flow(other.publishableKey, shop.id);
      assert.equal(refusedOther.status, 403, refusedOther.text);
      assertStripeError(refusedOther.body);
      assert.ok(!refusedOther.text.includes(other.publishableKey));
    });

    test('an Idempotency-Key is scoped to the account the request acts as', async () => {
      const key = `connect-${Date.now()}`;
      const platform = await stripe.customers.create({ email: 'p@example.com' }, { idempotencyKey: key });
      const asShop = await stripe.customers.create(
        { email: 'p@example.com' },
        { idempotencyKey: key, stripeAccount: shop.id },
      );
      const asMarket = await stripe.customers.create(
        { email: 'other-params@example.com' },
        { idempotencyKey: key, stripeAccount: market.id },
      );
      assert.equal(new Set([platform.id, asShop.id, asMarket.id]).size, 3, 'three accounts, three customers');
      assert.equal(asMarket.email, 'other-params@example.com');
      const replayed = await stripe.customers.create(
        { email: 'p@example.com' },
        { idempotencyKey: key, stripeAccount: shop.id },
      );
      assert.equal(replayed.id, asShop.id);
      assert.equal(replayed.lastResponse.headers['idempotent-replayed'], 'true');
      await assert.rejects(
        stripe.customers.create(
          { email: 'changed@example.com' },
          { idempotencyKey: key, stripeAccount: shop.id },
        ),
        { type: 'StripeIdempotencyError' },
      );
    });

    for (const version of [gaVersion, previewVersion]) {
      test(`a session held by a connected account expands it on ${version}`, async () => {
        const api = h.stripe({ apiVersion: version });
        const session = await api.financialConnections.sessions.create({
          account_holder: { type: 'account', account: shop.id },
          permissions: ['balances'],
          expand: ['account_holder.account'],
        });
        assertMatchesSchema('financial_connections.session', session);
        const holder = session.account_holder as unknown as { type: string; account: Stripe.Account };
        assert.equal(holder.type, 'account');
        assert.deepEqual(
          checked('account', holder.account),
          checked('account', await api.accounts.retrieve(shop.id)),
        );

        const fetched = await api.financialConnections.sessions.retrieve(session.id, {
          expand: ['account_holder.account'],
        });
        assert.deepEqual(
          (fetched.account_holder as unknown as { account: Stripe.Account }).account.id,
          shop.id,
        );

        // The platform's own account expands to the platform.
        const own = await api.financialConnections.sessions.create({
          account_holder: { type: 'account', account: h.running.merchant.id },
          permissions: ['balances'],
          expand: ['account_holder.account'],
        });
        const platform = checked(
          'account',
          (own.account_holder as unknown as { account: Stripe.Account }).account,
        );
        assert.equal(platform.type, 'standard');
      });
    }

    test('a session may not name another platform’s or a deleted account', async () => {
      const other = await h.otherMerchant();
      const theirs = await h.stripe({ key: other.secretKey }).accounts.create({ type: 'custom' });
      const gone = await stripe.accounts.create({ type: 'custom' });
      await stripe.accounts.del(gone.id);
      for (const account of [theirs.id, gone.id]) {
        await refused(
          createSession(stripe, { account_holder: { type: 'account', account }, permissions: ['balances'] }),
          { statusCode: 404, code: 'resource_missing', param: 'account_holder[account]' },
        );
      }
      // Acting as one connected account, another is out of reach.
      await refused(
        stripe.financialConnections.sessions.create(
          { account_holder: { type: 'account', account: market.id }, permissions: ['balances'] },
          { stripeAccount: shop.id },
        ),
        { statusCode: 404, code: 'resource_missing', param: 'account_holder[account]' },
      );
    });

    test('a connected account’s sessions link accounts that are its own', async () => {
      const asShop = { stripeAccount: shop.id };
      const session = await stripe.financialConnections.sessions.create(
        { account_holder: { type: 'account', account: shop.id }, permissions: ['balances'] },
        asShop,
      );
      const completed = await stripe.rawRequest(
        'POST',
        `/v1/test_helpers/financial_connections/sessions/${session.id}/complete`,
        {},
        asShop,
      );
      const linked = (completed as unknown as { accounts: { data: Array<{ id: string }> } }).accounts.data;
      assert.ok(linked.length > 0);
      const account = linked[0]?.id as string;
      assert.equal((await stripe.financialConnections.accounts.retrieve(account, {}, asShop)).id, account);
      await refused(stripe.financialConnections.accounts.retrieve(account), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'account',
      });
      await assert.rejects(completeSession(stripe, session.id), { statusCode: 404 });
    });

    test('a connected account’s events name it, and only it sees them', async () => {
      const asShop = { stripeAccount: shop.id };
      const customer = await stripe.customers.create({ email: 'evt@example.com' }, asShop);
      const events = await stripe.events.list({ type: 'customer.created', limit: 100 }, asShop);
      const event = events.data.find((e) => (e.data.object as { id: string }).id === customer.id);
      assert.ok(event, 'the connected account lists its event');
      assertEventMatchesSchema(event);
      assert.equal(event.account, shop.id);
      assert.equal((await stripe.events.retrieve(event.id, {}, asShop)).account, shop.id);
      await refused(stripe.events.retrieve(event.id), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'id',
      });

      const platformCustomer = await stripe.customers.create({ email: 'mine@example.com' });
      const mine = await stripe.events.list({ type: 'customer.created', limit: 100 });
      const platformEvent = mine.data.find(
        (e) => (e.data.object as { id: string }).id === platformCustomer.id,
      );
      assert.ok(platformEvent);
      assert.equal('account' in platformEvent, false, "the platform's own events name no account");
      assert.ok(!mine.data.some((e) => e.id === event.id));
    });
  });
}
