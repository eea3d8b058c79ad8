import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { backends } from '../../support/backends.ts';
import { body, createSession, linkAccounts, type PreviewAccount } from '../../support/fc.ts';
import { gaVersion, type Harness, startHarness } from '../../support/harness.ts';
import { assertListOf, assertMatchesSchema, assertStripeError } from '../../support/stripe-schemas.ts';

for (const backend of backends) {
  describe(`accounts, authorizations and institutions on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(() => h?.close());

    test('retrieve and list accounts by holder and session, newest first with cursors', async () => {
      const linked = await linkAccounts(h);
      const { stripe, customer, accounts } = linked;
      const one = accounts[0] as PreviewAccount;
      const fetched = await stripe.financialConnections.accounts.retrieve(one.id);
      assertMatchesSchema('financial_connections.account', body(fetched));
      assert.deepEqual(body(fetched), one);

      const raw = await h.fetch(
        `/v1/financial_connections/accounts?account_holder[customer]=${customer.id}&limit=2`,
      );
      assertListOf('financial_connections.account', raw.body, '/v1/financial_connections/accounts');
      const newestFirst = [...accounts.map((a) => a.id)].sort().reverse();
      const pageOne = await stripe.financialConnections.accounts.list({
        account_holder: { customer: customer.id },
        limit: 2,
      });
      assert.deepEqual(
        pageOne.data.map((a) => a.id),
        newestFirst.slice(0, 2),
      );
      assert.equal(pageOne.has_more, true);
      const all: string[] = [];
      for await (const a of stripe.financialConnections.accounts.list({
        account_holder: { customer: customer.id },
        limit: 2,
      }))
        all.push(a.id);
      assert.deepEqual(all, newestFirst);

      const otherCustomer = await linkAccounts(h, { limit: 1 });
      const mine = await stripe.financialConnections.accounts.list({
        account_holder: { customer: customer.id },
        limit: 100,
      });
      assert.ok(mine.data.every((a) => a.account_holder?.customer === customer.id));
      const bySession = await stripe.financialConnections.accounts.list({
        session: otherCustomer.session.id,
      });
      assert.deepEqual(
        bySession.data.map((a) => a.id),
        otherCustomer.accounts.map((a) => a.id),
      );

      await assert.rejects(
        stripe.financialConnections.accounts.list({
          account_holder: { customer: customer.id, account: h.running.merchant.id },
        }),
        (e: Stripe.errors.StripeError) => e.code === 'parameters_exclusive',
      );
      await assert.rejects(
        stripe.financialConnections.accounts.retrieve('fca_missing'),
        (e: Stripe.errors.StripeError) => {
          assert.equal(e.statusCode, 404);
          assert.equal(e.message, "No such financial_connections.account: 'fca_missing'");
          return true;
        },
      );
    });

    test('the GA version shows no preview fields on accounts', async () => {
      const { accounts } = await linkAccounts(h, { limit: 1 });
      const ga = h.stripe({ apiVersion: gaVersion });
      const account = await ga.financialConnections.accounts.retrieve(accounts[0]?.id as string);
      assertMatchesSchema('financial_connections.account', body(account));
      for (const field of ['authorization', 'institution', 'inferred_balances_refresh']) {
        assert.equal(field in account, false, field);
      }
    });

    test('disconnect ends access and the account stays readable', async () => {
      const { stripe, accounts } = await linkAccounts(h, { limit: 2 });
      const [gone, kept] = accounts as [PreviewAccount, PreviewAccount];
      const disconnected = await stripe.financialConnections.accounts.disconnect(gone.id);
      assertMatchesSchema('financial_connections.account', body(disconnected));
      assert.deepEqual(body(disconnected), { ...gone, status: 'disconnected', status_details: {} });
      assert.equal((await stripe.financialConnections.accounts.retrieve(gone.id)).status, 'disconnected');
      assert.equal((await stripe.financialConnections.accounts.retrieve(kept.id)).status, 'active');
      const again = await stripe.financialConnections.accounts.disconnect(gone.id);
      assert.equal(again.status, 'disconnected');
    });

    test('disconnecting the last account disconnects the authorization and revokes it at the bank', async () => {
      const { stripe, customer, accounts, authorization } = await linkAccounts(h, { limit: 2 });
      const [first, last] = accounts as [PreviewAccount, PreviewAccount];
      const authorizationOf = async () => {
        const found = (await stripe.rawRequest(
          'GET',
          `/v1/financial_connections/authorizations/${authorization}`,
          {},
        )) as Record<string, unknown>;
        assertMatchesSchema('financial_connections.authorization', body(found));
        return found;
      };
      assert.equal((await h.running.services.bank.listAtBank(authorization))?.ok, true);

      await stripe.financialConnections.accounts.disconnect(first.id);
      assert.equal((await authorizationOf()).status, 'active', 'one account is still connected');
      assert.equal((await h.running.services.bank.listAtBank(authorization))?.ok, true);

      const disconnected = await stripe.financialConnections.accounts.disconnect(last.id);
      assertMatchesSchema('financial_connections.account', body(disconnected));
      assert.equal(disconnected.status, 'disconnected');
      const authz = await authorizationOf();
      assert.equal(authz.status, 'disconnected');
      assert.deepEqual(authz.status_details, {});
      const atBank = await h.running.services.bank.listAtBank(authorization);
      assert.equal(atBank?.ok, false, 'the bank no longer accepts the grant');

      await assert.rejects(
        createSession(stripe, {
          account_holder: { type: 'customer', customer: customer.id },
          permissions: ['balances'],
          relink_options: { authorization },
        }),
        (e: Stripe.errors.StripeError) => {
          assert.equal(e.statusCode, 400);
          assert.equal(e.param, 'relink_options[authorization]');
          return true;
        },
      );
      const again = await stripe.financialConnections.accounts.disconnect(last.id);
      assert.equal(again.status, 'disconnected');
      assert.equal((await authorizationOf()).status, 'disconnected');
    });

    test('expand replaces ids with objects, in lists too', async () => {
      const { stripe, customer, accounts } = await linkAccounts(h, { limit: 1 });
      const id = accounts[0]?.id as string;
      const expanded = (await stripe.financialConnections.accounts.retrieve(id, {
        expand: ['institution', 'account_holder.customer'],
      })) as unknown as Record<string, Record<string, unknown>>;
      assertMatchesSchema('financial_connections.account', body(expanded));
      assert.equal(expanded.institution?.object, 'financial_connections.institution');
      assert.equal(expanded.institution?.name, 'Test Institution');
      assert.equal((expanded.account_holder?.customer as Stripe.Customer | undefined)?.id, customer.id);
      const list = await stripe.financialConnections.accounts.list({
        account_holder: { customer: customer.id },
        expand: ['data.institution'],
      });
      assert.equal(
        (list.data[0] as unknown as { institution: { id: string } }).institution.id,
        'fcinst_Qn1a7A4KhL42se',
      );
    });

    test('an authorization shows its institution, holder and status', async () => {
      const { stripe, customer, authorization } = await linkAccounts(h, { limit: 1 });
      const authz = (await stripe.rawRequest(
        'GET',
        `/v1/financial_connections/authorizations/${authorization}`,
      )) as Record<string, unknown>;
      assertMatchesSchema('financial_connections.authorization', body(authz));
      assert.deepEqual(body(authz), {
        id: authorization,
        object: 'financial_connections.authorization',
        account_holder: { customer: customer.id, type: 'customer' },
        institution: 'fcinst_Qn1a7A4KhL42se',
        institution_name: 'Test Institution',
        livemode: false,
        status: 'active',
        status_details: {},
      });
      const onGa = await h.fetch(`/v1/financial_connections/authorizations/${authorization}`, {
        version: gaVersion,
      });
      assert.equal(onGa.status, 404);
      assertStripeError(onGa.body);
    });

    test('institutions list the sandbox catalogue', async () => {
      const list = await h.fetch('/v1/financial_connections/institutions?limit=100');
      assertListOf('financial_connections.institution', list.body, '/v1/financial_connections/institutions');
      const names = (list.body.data as Array<{ name: string }>).map((i) => i.name);
      for (const name of [
        'Test Institution',
        'Test OAuth Institution',
        'Ownership Accounts',
        'Sandbox Bank (OAuth)',
        'Sandbox Bank (Non-OAuth)',
        'Invalid Payment Accounts',
        'Down Bank (Scheduled)',
        'Down Bank (Unscheduled)',
        'Down Bank (Error)',
        'Inactive Accounts',
        'Tokenized Account Numbers',
      ]) {
        assert.ok(names.includes(name), name);
      }
      const first = await h.fetch('/v1/financial_connections/institutions?limit=3');
      assert.equal(first.body.has_more, true);
      const last = (first.body.data as Array<{ id: string }>)[2]?.id;
      const next = await h.fetch(`/v1/financial_connections/institutions?limit=3&starting_after=${last}`);
      assert.deepEqual(
        (next.body.data as Array<{ name: string }>).map((i) => i.name),
        names.slice(3, 6),
      );
      const down = await h.fetch('/v1/financial_connections/institutions/fcinst_Qn1a8Ynz2Il9zF');
      assertMatchesSchema('financial_connections.institution', down.body);
      assert.equal(down.body.status, 'degraded');
      const missing = await h.fetch('/v1/financial_connections/institutions/fcinst_nope');
      assert.equal(missing.status, 404);
    });

    test('every route refuses a missing key, a publishable key and another merchant', async () => {
      const { session, accounts, authorization } = await linkAccounts(h, { limit: 1 });
      const account = accounts[0]?.id as string;
      const other = await h.otherMerchant();
      const routes: Array<[string, string, 'object' | 'list']> = [
        ['POST', '/v1/financial_connections/sessions', 'object'],
        ['GET', `/v1/financial_connections/sessions/${session.id}`, 'object'],
        ['GET', '/v1/financial_connections/accounts', 'list'],
        ['GET', `/v1/financial_connections/accounts/${account}`, 'object'],
        ['POST', `/v1/financial_connections/accounts/${account}/disconnect`, 'object'],
        ['GET', `/v1/financial_connections/authorizations/${authorization}`, 'object'],
        ['GET', '/v1/financial_connections/institutions', 'list'],
        ['POST', `/v1/test_helpers/financial_connections/sessions/${session.id}/complete`, 'object'],
      ];
      for (const [method, path, kind] of routes) {
        const noKey = await h.fetch(path, { method, key: null });
        assert.equal(noKey.status, 401, `${method} ${path} without a key`);
        assertStripeError(noKey.body);
        const publishable = await h.fetch(path, { method, key: h.publishableKey });
        assert.equal(publishable.status, 401, `${method} ${path} with a publishable key`);
        assert.equal((publishable.body.error as { code: string }).code, 'secret_key_required');
        const wrong = await h.fetch(path, { method, key: 'sk_test_0000000000000000000000000' });
        assert.equal(wrong.status, 401, `${method} ${path} with an unknown key`);
        if (path.endsWith('/sessions') || path.endsWith('/institutions')) continue;
        const foreign = await h.fetch(path, { method, key: other.secretKey });
        if (kind === 'list') {
          assert.equal(foreign.status, 200);
          assert.deepEqual(foreign.body.data, [], `${method} ${path} lists nothing of another merchant`);
        } else {
          assert.equal(foreign.status, 404, `${method} ${path} with another merchant's key: ${foreign.text}`);
          assert.equal((foreign.body.error as { code: string }).code, 'resource_missing');
        }
      }
      const still = await h.stripe().financialConnections.accounts.retrieve(account);
      assert.equal(still.status, 'active', 'refused requests changed nothing');
    });
  });
}
