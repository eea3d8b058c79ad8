import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { backends } from '../../support/backends.ts';
import { body, completeSession, createSession, type PreviewAccount } from '../../support/fc.ts';
import { gaVersion, type Harness, startHarness } from '../../support/harness.ts';
import { assertMatchesSchema } from '../../support/stripe-schemas.ts';

const testInstitution = 'fcinst_Qn1a7A4KhL42se';

function rejectsWith(
  expected: Partial<Record<'statusCode' | 'code' | 'param' | 'type' | 'message', unknown>>,
) {
  return (error: Stripe.errors.StripeError) => {
    const actual = Object.fromEntries(Object.keys(expected).map((k) => [k, error[k as keyof typeof error]]));
    assert.deepEqual(actual, expected, `error was ${JSON.stringify(error.raw)}`);
    return true;
  };
}

for (const backend of backends) {
  describe(`financial connections sessions on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    let stripe: Stripe;
    let customer: Stripe.Customer;
    before(async () => {
      h = await startHarness(backend);
      stripe = h.stripe();
      customer = await stripe.customers.create({ email: 'sessions@example.com' });
    });
    after(() => h?.close());

    test('create with every modal parameter, then retrieve the same session', async () => {
      const session = await createSession(stripe, {
        account_holder: { type: 'customer', customer: customer.id },
        permissions: ['balances', 'ownership', 'payment_method', 'transactions'],
        filters: { account_subcategories: ['checking', 'savings'], institution: testInstitution },
        limits: { accounts: 3 },
        prefetch: ['balances', 'ownership'],
        return_url: 'https://merchant.example/return',
      });
      assertMatchesSchema('financial_connections.session', body(session));
      assert.match(session.id, /^fcsess_[A-Za-z0-9]{24}$/);
      assert.ok(session.client_secret?.startsWith(`${session.id}_secret_`));
      assert.deepEqual(body(session), {
        id: session.id,
        object: 'financial_connections.session',
        account_holder: { customer: customer.id, type: 'customer' },
        accounts: { object: 'list', data: [], has_more: false, url: '/v1/financial_connections/accounts' },
        client_secret: session.client_secret,
        filters: {
          account_subcategories: ['checking', 'savings'],
          countries: ['US'],
          institution: testInstitution,
        },
        limits: { accounts: 3 },
        livemode: false,
        permissions: ['balances', 'ownership', 'payment_method', 'transactions'],
        prefetch: ['balances', 'ownership'],
        return_url: 'https://merchant.example/return',
        status: 'pending',
        ui_mode: 'modal',
        url: null,
      });
      const fetched = await stripe.financialConnections.sessions.retrieve(session.id);
      assert.deepEqual(body(fetched), body(session));
    });

    test('on the GA version the preview-only fields are absent and account_holder is required', async () => {
      const ga = h.stripe({ apiVersion: gaVersion });
      const session = await ga.financialConnections.sessions.create({
        account_holder: { type: 'customer', customer: customer.id },
        permissions: ['payment_method'],
      });
      assertMatchesSchema('financial_connections.session', body(session));
      for (const field of ['status', 'relink_options', 'relink_result', 'ui_mode', 'url', 'status_details']) {
        assert.equal(field in session, false, `${field} must be absent on ${gaVersion}`);
      }
      await assert.rejects(
        ga.financialConnections.sessions.create({
          permissions: ['balances'],
        } as Stripe.FinancialConnections.SessionCreateParams),
        rejectsWith({ statusCode: 400, code: 'parameter_missing', param: 'account_holder' }),
      );
      await assert.rejects(
        ga.financialConnections.sessions.create({
          account_holder: { type: 'customer', customer: customer.id },
          permissions: ['balances'],
          relink_options: { authorization: 'fcauthz_x' },
        } as Stripe.FinancialConnections.SessionCreateParams),
        rejectsWith({ statusCode: 400, code: 'parameter_unknown', param: 'relink_options' }),
      );
    });

    test('invalid parameters name the parameter, as Stripe does', async () => {
      const holder = { type: 'customer' as const, customer: customer.id };
      const cases: Array<[Parameters<typeof createSession>[1], Record<string, unknown>]> = [
        [
          { account_holder: { type: 'customer', customer: 'cus_missing' }, permissions: ['balances'] },
          {
            statusCode: 404,
            code: 'resource_missing',
            param: 'account_holder[customer]',
            message: "No such customer: 'cus_missing'",
          },
        ],
        [
          { account_holder: { type: 'customer' }, permissions: ['balances'] },
          { statusCode: 400, code: 'parameter_missing', param: 'account_holder[customer]' },
        ],
        [
          { account_holder: { type: 'account', account: 'acct_someone_else' }, permissions: ['balances'] },
          { statusCode: 404, code: 'resource_missing', param: 'account_holder[account]' },
        ],
        [
          { account_holder: holder, permissions: ['balances', 'bogus' as 'balances'] },
          {
            statusCode: 400,
            param: 'permissions[1]',
            message:
              'Invalid permissions[1]: must be one of balances, ownership, payment_method, or transactions',
          },
        ],
        [
          { account_holder: holder, permissions: ['balances'], filters: { institution: 'fcinst_nope' } },
          { statusCode: 404, code: 'resource_missing', param: 'filters[institution]' },
        ],
        [
          {
            account_holder: holder,
            permissions: ['balances'],
            filters: { account_subcategories: ['brokerage' as 'checking'] },
          },
          { statusCode: 400, param: 'filters[account_subcategories][0]' },
        ],
        [
          { account_holder: holder, permissions: ['balances'], limits: { accounts: 0 } },
          { statusCode: 400, code: 'parameter_invalid_integer', param: 'limits[accounts]' },
        ],
        [
          { account_holder: holder, permissions: ['balances'], return_url: 'not a url' },
          { statusCode: 400, code: 'url_invalid', param: 'return_url' },
        ],
        [
          {
            account_holder: holder,
            permissions: ['balances'],
            relink_options: { authorization: 'fcauthz_missing' },
          },
          { statusCode: 404, code: 'resource_missing', param: 'relink_options[authorization]' },
        ],
      ];
      for (const [params, expected] of cases) {
        await assert.rejects(createSession(stripe, params), rejectsWith(expected), JSON.stringify(params));
      }
      const deleted = await stripe.customers.create({});
      await stripe.customers.del(deleted.id);
      await assert.rejects(
        createSession(stripe, {
          account_holder: { type: 'customer', customer: deleted.id },
          permissions: ['balances'],
        }),
        rejectsWith({ statusCode: 404, code: 'resource_missing', param: 'account_holder[customer]' }),
      );
    });

    test('the merchant itself can be the account holder', async () => {
      const session = await createSession(stripe, {
        account_holder: { type: 'account', account: h.running.merchant.id },
        permissions: ['balances'],
      });
      assert.deepEqual(session.account_holder, { account: h.running.merchant.id, type: 'account' });
    });

    test('completing links every allowed account at Test Institution, with one authorization', async () => {
      const session = await createSession(stripe, {
        account_holder: { type: 'customer', customer: customer.id },
        permissions: ['balances', 'payment_method'],
      });
      const completed = await completeSession(stripe, session.id);
      assertMatchesSchema('financial_connections.session', body(completed));
      assert.equal(completed.status, 'succeeded');
      const accounts = completed.accounts.data as PreviewAccount[];
      assert.equal(accounts.length, 5);
      const authorizations = new Set(accounts.map((a) => a.authorization));
      assert.equal(authorizations.size, 1);
      for (const account of accounts) {
        assertMatchesSchema('financial_connections.account', account);
        assert.equal(account.institution, testInstitution);
        assert.equal(account.institution_name, 'Test Institution');
        assert.deepEqual(account.account_holder, { customer: customer.id, type: 'customer' });
        assert.deepEqual(account.permissions, ['balances', 'payment_method']);
        assert.equal(account.status, 'active');
        assert.match(account.last4 ?? '', /^\d{4}$/);
      }
      const checking = accounts.find((a) => a.subcategory === 'checking');
      assert.deepEqual(checking?.account_numbers, [
        {
          expected_expiry_date: null,
          identifier_type: 'account_number',
          status: 'transactable',
          supported_networks: ['ach'],
        },
      ]);
      const card = accounts.find((a) => a.subcategory === 'credit_card');
      assert.equal(card?.category, 'credit');
      assert.deepEqual(card?.supported_payment_method_types, []);

      const fetched = await stripe.financialConnections.sessions.retrieve(session.id);
      assert.deepEqual(body(fetched), body(completed));
      const listed = await stripe.financialConnections.accounts.list({ session: session.id, limit: 100 });
      assert.deepEqual(listed.data.map((a) => a.id).sort(), accounts.map((a) => a.id).sort());

      await assert.rejects(
        completeSession(stripe, session.id),
        rejectsWith({ statusCode: 400, code: 'status_transition_invalid' }),
      );
    });

    test('filters, limits and an explicit pick decide which accounts are linked', async () => {
      const holder = { type: 'customer' as const, customer: customer.id };
      const filtered = await createSession(stripe, {
        account_holder: holder,
        permissions: ['balances'],
        filters: { account_subcategories: ['savings'] },
      });
      const onlySavings = await completeSession(stripe, filtered.id, { institution: 'Sandbox Bank (OAuth)' });
      assert.ok(onlySavings.accounts.data.length >= 1);
      assert.deepEqual(new Set(onlySavings.accounts.data.map((a) => a.subcategory)), new Set(['savings']));
      assert.deepEqual(
        new Set(onlySavings.accounts.data.map((a) => a.institution_name)),
        new Set(['Sandbox Bank (OAuth)']),
      );

      const limited = await createSession(stripe, {
        account_holder: holder,
        permissions: ['balances'],
        limits: { accounts: 2 },
      });
      const two = await completeSession(stripe, limited.id);
      assert.equal(two.accounts.data.length, 2);

      const picked = two.accounts.data[1] as PreviewAccount;
      const again = await createSession(stripe, {
        account_holder: holder,
        permissions: ['balances'],
        limits: { accounts: 1 },
      });
      const repicked = await completeSession(stripe, again.id, { accounts: [picked.id] });
      const [account] = repicked.accounts.data as PreviewAccount[];
      assert.equal(repicked.accounts.data.length, 1);
      assert.equal(account?.display_name, picked.display_name);
      assert.notEqual(account?.authorization, picked.authorization, 'a new login makes a new authorization');

      const tooMany = await createSession(stripe, {
        account_holder: holder,
        permissions: ['balances'],
        limits: { accounts: 1 },
      });
      await assert.rejects(
        completeSession(stripe, tooMany.id, { accounts: two.accounts.data.map((a) => a.id) }),
        rejectsWith({ statusCode: 400, param: 'accounts' }),
      );
      const mismatched = await createSession(stripe, {
        account_holder: holder,
        permissions: ['balances'],
        filters: { account_subcategories: ['mortgage'] },
      });
      await assert.rejects(
        completeSession(stripe, mismatched.id, { accounts: [picked.id] }),
        rejectsWith({ statusCode: 400, param: 'accounts[0]' }),
      );
    });

    test('unsuccessful outcomes end the session without accounts', async () => {
      const holder = { type: 'customer' as const, customer: customer.id };
      const expectations = [
        ['cancelled', 'cancelled', { cancelled: { reason: 'other' } }],
        ['failed_authentication', 'cancelled', { cancelled: { reason: 'other' } }],
        ['error', 'failed', undefined],
      ] as const;
      for (const [outcome, status, details] of expectations) {
        const session = await createSession(stripe, { account_holder: holder, permissions: ['balances'] });
        const ended = await completeSession(stripe, session.id, { outcome });
        assertMatchesSchema('financial_connections.session', body(ended));
        assert.equal(ended.status, status, outcome);
        assert.deepEqual(ended.status_details, details, outcome);
        assert.deepEqual(ended.accounts.data, [], outcome);
      }
    });

    test('a down bank refuses the login and leaves the session pending', async () => {
      const session = await createSession(stripe, {
        account_holder: { type: 'customer', customer: customer.id },
        permissions: ['balances'],
      });
      for (const name of ['Down Bank (Scheduled)', 'Down Bank (Unscheduled)', 'Down Bank (Error)']) {
        await assert.rejects(
          completeSession(stripe, session.id, { institution: name }),
          rejectsWith({
            statusCode: 400,
            code: 'financial_connections_institution_unavailable',
            param: 'institution',
          }),
        );
      }
      const still = await stripe.financialConnections.sessions.retrieve(session.id);
      assert.equal((still as unknown as { status: string }).status, 'pending');
      await assert.rejects(
        completeSession(stripe, session.id, { institution: 'No Such Bank' }),
        rejectsWith({ statusCode: 404, code: 'resource_missing', param: 'institution' }),
      );
    });
  });
}
