import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { backends } from '../../support/backends.ts';
import {
  bankUserOf,
  body,
  type CompleteParams,
  type CreateParams,
  completeSession,
  createSession,
  type PreviewAccount,
  type PreviewSession,
  refreshBalance,
} from '../../support/fc.ts';
import { type Harness, startHarness } from '../../support/harness.ts';
import { assertEventMatchesSchema, assertMatchesSchema } from '../../support/stripe-schemas.ts';

const nonOAuth = 'Sandbox Bank (Non-OAuth)';
/** A password no answer of openfc may contain. */
const password = 'pw-Z7q-never-shown';
const day = 86_400;

type Credentials = NonNullable<CompleteParams['credentials']>;
type Expected = Partial<Record<'statusCode' | 'code' | 'param', unknown>> & { message?: RegExp };

/** Checks a refusal, and that it never shows the password. */
function rejectsWith(expected: Expected) {
  return (error: Stripe.errors.StripeError) => {
    const { message, ...fields } = expected;
    const actual = Object.fromEntries(Object.keys(fields).map((k) => [k, error[k as keyof typeof error]]));
    assert.deepEqual(actual, fields, `error was ${JSON.stringify(error.raw)}`);
    if (message) assert.match(error.message, message);
    assert.ok(!JSON.stringify(error.raw).includes(password), 'the password is never echoed');
    return true;
  };
}

for (const backend of backends) {
  describe(`credential logins through the test helper on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    let stripe: Stripe;
    let customer: Stripe.Customer;
    before(async () => {
      h = await startHarness(backend);
      stripe = h.stripe();
      customer = await stripe.customers.create({ email: 'credentials@example.com' });
    });
    after(() => h?.close());

    const newSession = (extra: Partial<CreateParams> = {}) =>
      createSession(stripe, {
        account_holder: { type: 'customer', customer: customer.id },
        permissions: ['balances'],
        ...extra,
      });
    const complete = (id: string, params: CompleteParams) =>
      completeSession(stripe, id, { institution: nonOAuth, ...params });
    const status = async (id: string) =>
      ((await stripe.financialConnections.sessions.retrieve(id)) as unknown as PreviewSession).status;

    /** The events one request wrote: the ids of their objects, by type, each checked against the schemas. */
    async function eventsOf(session: PreviewSession): Promise<Record<string, string[]>> {
      const requestId = (session as unknown as { lastResponse: { requestId: string } }).lastResponse
        .requestId;
      const out: Record<string, string[]> = {};
      for await (const event of stripe.events.list({ limit: 100 })) {
        if (event.request?.id !== requestId) continue;
        assertEventMatchesSchema(event);
        const id = (event.data.object as { id: string }).id;
        out[event.type] = [...(out[event.type] ?? []), id];
      }
      for (const ids of Object.values(out)) ids.sort();
      return out;
    }

    /** The session's whole outcome, with the accounts it linked checked against the schemas. */
    function outcomeOf(session: PreviewSession) {
      assertMatchesSchema('financial_connections.session', body(session));
      const accounts = session.accounts.data as PreviewAccount[];
      for (const account of accounts) assertMatchesSchema('financial_connections.account', account);
      return {
        status: session.status,
        status_details: session.status_details,
        relink_result: session.relink_result,
        accounts: accounts.map((a) => [a.institution_name, a.subcategory, a.status]),
      };
    }

    const everyAccount = [
      [nonOAuth, 'checking', 'active'],
      [nonOAuth, 'checking', 'active'],
      [nonOAuth, 'savings', 'active'],
      [nonOAuth, 'credit_card', 'active'],
    ];

    test('each magic input reaches the bank, and the session ends as the bank answered', async () => {
      const succeeded = { status: 'succeeded', status_details: undefined, accounts: everyAccount };
      const failed = { status: 'failed', status_details: undefined, accounts: [] };
      const cancelled = {
        status: 'cancelled',
        status_details: { cancelled: { reason: 'other' } },
        accounts: [],
      };
      const cases: Array<[string, Credentials, Record<string, unknown>]> = [
        ['any credentials', { username: 'ada', password }, succeeded],
        [
          'options',
          { username: 'ada', password: 'options', answers: ['Email to a•••@example.com'] },
          succeeded,
        ],
        ['mfa', { username: 'ada', password: 'mfa', answers: ['123456'] }, succeeded],
        ['confirm_mfa', { username: 'ada', password: 'confirm_mfa', answers: ['123456'] }, succeeded],
        [
          'security_question',
          { username: 'ada', password: 'security_question', answers: ['Rex'] },
          succeeded,
        ],
        [
          'every prompt in turn',
          {
            username: 'ada',
            password: 'options',
            answers: ['mfa', 'confirm_mfa', 'security_question', 'Rex'],
          },
          succeeded,
        ],
        ['error as the password', { username: 'ada', password: 'error' }, failed],
        ['error as the username', { username: 'error', password }, failed],
        ['error as an answer', { username: 'ada', password: 'mfa', answers: ['error'] }, failed],
        ['incorrect as the password', { username: 'ada', password: 'incorrect' }, cancelled],
        [
          'incorrect as an answer',
          { username: 'ada', password: 'security_question', answers: ['incorrect'] },
          cancelled,
        ],
        // Names every object inherits are no magic inputs: each is an ordinary password or answer.
        ...['constructor', '__proto__', 'toString', 'hasOwnProperty'].flatMap(
          (name): Array<[string, Credentials, Record<string, unknown>]> => [
            [`${name} as the password`, { username: 'ada', password: name }, succeeded],
            [`${name} as an answer`, { username: 'ada', password: 'mfa', answers: [name] }, succeeded],
          ],
        ),
      ];
      const holders = new Set<string>();
      for (const [name, credentials, expected] of cases) {
        const session = await newSession();
        const done = await complete(session.id, { credentials });
        assert.deepEqual(outcomeOf(done), { ...expected, relink_result: undefined }, name);
        const linked = (done.accounts.data as PreviewAccount[]).map((a) => a.id).sort();
        const events = await eventsOf(done);
        assert.deepEqual(
          events,
          {
            'financial_connections.session.updated': [session.id],
            ...(linked.length > 0 && { 'financial_connections.account.created': linked }),
          },
          name,
        );
        const authorizations = new Set((done.accounts.data as PreviewAccount[]).map((a) => a.authorization));
        for (const authorization of authorizations) holders.add(await bankUserOf(h, authorization));
      }
      assert.equal(holders.size, 1, 'the username names the holder at the bank');
    });

    test('a prompt without an answer, or an answer never asked for, is refused and leaves the session pending', async () => {
      const session = await newSession({ limits: { accounts: 1 } });
      const refusals: Array<[Credentials, RegExp]> = [
        [
          { username: 'ada', password: 'options' },
          /^After 0 answers, Sandbox Bank \(Non-OAuth\) asked "Where should we send your one-time code\?" \(options: Text message to \(•••\) •••-0123; Email to a•••@example.com\)\. Add the answer to credentials\[answers\]\.$/,
        ],
        [
          { username: 'ada', password: 'options', answers: ['mfa'] },
          /^After 1 answer, .* asked "Enter the one-time code we sent you\." \(mfa\)\./,
        ],
        [
          { username: 'ada', password: 'security_question', answers: ['confirm_mfa'] },
          /asked "Confirm the one-time code to finish logging in\." \(confirm_mfa\)/,
        ],
        [
          { username: 'ada', password, answers: ['123456'] },
          /^The login at Sandbox Bank \(Non-OAuth\) finished after 0 answers, but credentials\[answers\] has 1\./,
        ],
      ];
      for (const [credentials, message] of refusals) {
        await assert.rejects(
          complete(session.id, { credentials }),
          rejectsWith({ statusCode: 400, param: 'credentials[answers]', message }),
        );
        assert.equal(await status(session.id), 'pending', JSON.stringify(credentials));
      }
      const done = await complete(session.id, {
        credentials: { username: 'ada', password: 'options', answers: ['mfa', '123456'] },
      });
      assert.deepEqual(outcomeOf(done), {
        status: 'succeeded',
        status_details: undefined,
        relink_result: undefined,
        accounts: [[nonOAuth, 'checking', 'active']],
      });
    });

    test('credentials are refused where the institution has no credential login', async () => {
      const session = await newSession();
      const credentials = { username: 'ada', password };
      const cases: Array<[CompleteParams, Expected]> = [
        [
          { institution: 'Test Institution', credentials },
          { statusCode: 400, param: 'credentials', message: /^Test Institution needs no login: credentials/ },
        ],
        [
          { institution: 'Sandbox Bank (OAuth)', credentials },
          { statusCode: 400, param: 'credentials', message: /^Sandbox Bank \(OAuth\) logs in with OAuth/ },
        ],
        [
          { institution: 'Down Bank (Unscheduled)', credentials },
          { statusCode: 400, param: 'credentials' },
        ],
        [
          { credentials, outcome: 'cancelled' },
          { statusCode: 400, param: 'outcome' },
        ],
        [
          { credentials: { username: 'ada' } as Credentials },
          { statusCode: 400, code: 'parameter_missing', param: 'credentials[password]' },
        ],
        [
          { credentials: { ...credentials, pin: '1234' } as Credentials },
          { statusCode: 400, code: 'parameter_unknown', param: 'credentials[pin]' },
        ],
        [
          { credentials: { ...credentials, answers: [''] } },
          { statusCode: 400, code: 'parameter_invalid_empty', param: 'credentials[answers][0]' },
        ],
      ];
      for (const [params, expected] of cases) {
        await assert.rejects(
          completeSession(stripe, session.id, { institution: nonOAuth, ...params }),
          rejectsWith(expected),
        );
      }
      assert.equal(await status(session.id), 'pending');
      const shortcut = await complete(session.id, {});
      assert.deepEqual(
        outcomeOf(shortcut).accounts,
        everyAccount,
        'without credentials, the login is the sandbox shortcut, as before',
      );
    });

    test('a relink logs in as the same holder; another holder is refused, a failed login ends it', async () => {
      const username = `relinker-${backend.name}`;
      const linked = await complete((await newSession()).id, {
        credentials: { username, password: 'mfa', answers: ['123456'] },
      });
      const accounts = linked.accounts.data as PreviewAccount[];
      const [target] = accounts as [PreviewAccount];
      const { authorization } = target;
      const holder = await bankUserOf(h, authorization);
      await stripe.rawRequest(
        'POST',
        `/v1/test_helpers/financial_connections/authorizations/${authorization}/simulate`,
        {
          event: 'consent_expired',
        },
      );
      const relinkSession = () =>
        newSession({
          permissions: ['balances', 'transactions'],
          relink_options: { authorization, account: target.id },
        });

      const session = await relinkSession();
      await assert.rejects(
        complete(session.id, { credentials: { username: 'someone-else', password } }),
        rejectsWith({
          statusCode: 400,
          param: 'credentials[username]',
          message:
            /^This relink session is for an authorization of another holder at Sandbox Bank \(Non-OAuth\)/,
        }),
      );
      assert.equal(await status(session.id), 'pending');

      const failures: Array<
        [Credentials, { status: string; status_details?: unknown; failure_reason: string }]
      > = [
        [
          { username, password: 'incorrect' },
          {
            status: 'cancelled',
            status_details: { cancelled: { reason: 'other' } },
            failure_reason: 'no_authorization',
          },
        ],
        [
          { username, password: 'mfa', answers: ['error'] },
          { status: 'failed', status_details: undefined, failure_reason: 'other' },
        ],
      ];
      for (const [credentials, expected] of failures) {
        const ended = await complete((await relinkSession()).id, { credentials });
        const { failure_reason, ...rest } = expected;
        assert.deepEqual(outcomeOf(ended), {
          ...rest,
          relink_result: { account: null, authorization: null, failure_reason },
          accounts: [],
        });
        assert.deepEqual(Object.keys(await eventsOf(ended)), ['financial_connections.session.updated']);
      }
      assert.equal((await stripe.financialConnections.accounts.retrieve(target.id)).status, 'inactive');

      const done = await complete(session.id, {
        credentials: { username, password: 'security_question', answers: ['Rex'] },
      });
      assert.deepEqual(outcomeOf(done), {
        status: 'succeeded',
        status_details: undefined,
        relink_result: { account: target.id, authorization, failure_reason: null },
        accounts: [[nonOAuth, 'checking', 'active']],
      });
      assert.equal(done.accounts.data[0]?.id, target.id);
      assert.deepEqual(await eventsOf(done), {
        'financial_connections.account.reactivated': accounts.map((a) => a.id).sort(),
        'financial_connections.session.updated': [session.id],
      });
      assert.equal(await bankUserOf(h, authorization), holder, 'the same holder at the bank');
      const after = await stripe.financialConnections.accounts.list({ session: linked.id, limit: 100 });
      assert.deepEqual(
        after.data.map((a) => [a.id, a.status, a.permissions]).sort(),
        accounts
          .map((a) => [a.id, 'active', a.id === target.id ? ['balances', 'transactions'] : ['balances']])
          .sort(),
      );
    });

    test('the same username at two merchants is two holders: the clock and facts of one merchant never reach the other', async () => {
      const username = `shared-${backend.name}`;
      const linkAs = async (stripe: Stripe) => {
        const customer = await stripe.customers.create({});
        const session = await createSession(stripe, {
          account_holder: { type: 'customer', customer: customer.id },
          permissions: ['balances'],
          limits: { accounts: 1 },
        });
        const done = await completeSession(stripe, session.id, {
          institution: nonOAuth,
          credentials: { username, password },
        });
        return done.accounts.data[0] as PreviewAccount;
      };
      const mine = h.stripe();
      const theirs = h.stripe({ key: (await h.otherMerchant()).secretKey });
      const kept = await linkAs(mine);
      const other = await linkAs(theirs);
      const holderOf = async (authorization: unknown) =>
        (
          await h.running.store.db
            .selectFrom('fc_authorizations')
            .select('bank_user_id')
            .where('id', '=', String(authorization))
            .executeTakeFirstOrThrow()
        ).bank_user_id;
      assert.notEqual(await holderOf(kept.authorization), await holderOf(other.authorization));
      await theirs.rawRequest('POST', '/v1/test_helpers/sandbox_clock/advance', { seconds: 89 * day });
      await theirs.rawRequest(
        'POST',
        `/v1/test_helpers/financial_connections/authorizations/${other.authorization}/simulate`,
        {
          event: 'access_revoked',
        },
      );
      const theirsAfter = await theirs.financialConnections.accounts.retrieve(other.id);
      assert.equal(theirsAfter.status, 'inactive');
      const mineAfter = (await refreshBalance(mine, kept.id)) as unknown as PreviewAccount & {
        status_details: unknown;
        balance_refresh: { status: string };
      };
      assert.deepEqual(
        {
          status: mineAfter.status,
          status_details: mineAfter.status_details,
          refresh: mineAfter.balance_refresh.status,
        },
        { status: 'active', status_details: {}, refresh: 'succeeded' },
      );
    });

    test('a new holder logging in after the sandbox clock moved starts at the merchant time', async () => {
      const other = h.stripe({ key: (await h.otherMerchant()).secretKey });
      await other.rawRequest('POST', '/v1/test_helpers/sandbox_clock/advance', { seconds: 80 * day });
      const holderCustomer = await other.customers.create({});
      const session = await createSession(other, {
        account_holder: { type: 'customer', customer: holderCustomer.id },
        permissions: ['balances'],
        limits: { accounts: 1 },
      });
      const done = await completeSession(other, session.id, {
        institution: nonOAuth,
        credentials: { username: `late-${backend.name}`, password: 'mfa', answers: ['123456'] },
      });
      const id = done.accounts.data[0]?.id as string;
      await other.rawRequest('POST', '/v1/test_helpers/sandbox_clock/advance', { seconds: 5 * day });
      const later = (await other.financialConnections.accounts.retrieve(id)) as unknown as PreviewAccount & {
        status_details: unknown;
      };
      assert.deepEqual(
        { status: later.status, status_details: later.status_details },
        { status: 'active', status_details: {} },
        '85 days of the consent are left: no notice yet',
      );
    });
  });

  describe(`credential logins at an unreachable bank on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend, {
        bankUrl: 'http://127.0.0.1:1',
        bankClientSecret: 'bcs_unused-because-the-bank-never-answers',
      });
    });
    after(() => h?.close());

    test('the institution is unavailable and the session stays pending', async () => {
      const stripe = h.stripe();
      const customer = await stripe.customers.create({});
      const session = await createSession(stripe, {
        account_holder: { type: 'customer', customer: customer.id },
        permissions: ['balances'],
      });
      await assert.rejects(
        completeSession(stripe, session.id, {
          institution: nonOAuth,
          credentials: { username: 'ada', password },
        }),
        rejectsWith({
          statusCode: 400,
          code: 'financial_connections_institution_unavailable',
          param: 'institution',
        }),
      );
      const still = (await stripe.financialConnections.sessions.retrieve(
        session.id,
      )) as unknown as PreviewSession;
      assert.equal(still.status, 'pending');
    });
  });
}
