import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { approveInBrowser, institutions } from '../bank/helpers.ts';
import { backends } from '../support/backends.ts';
import {
  bankUserOf,
  body,
  type CreateParams,
  completeSession,
  createSession,
  type PreviewSession,
} from '../support/fc.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { assertMatchesSchema } from '../support/stripe-schemas.ts';
import { FlowClient, type Step } from './flow-client.ts';

const testInstitution = {
  id: institutions.test,
  name: 'Test Institution',
  url: 'https://test-institution.example',
  login: 'none',
  status: 'up',
  expected_available_at: null,
};

type Choice = { id: string; display_name: string; last4: string; subcategory: string; selectable: boolean };

const choices = (step: Step) => step.accounts as Choice[];
const idOf = (step: Step, name: string) => {
  const found = choices(step).find((a) => a.display_name === name);
  if (!found) throw new Error(`no account named ${name} in ${JSON.stringify(step)}`);
  return found.id;
};

for (const backend of backends) {
  describe(`the account holder's flow on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(() => h?.close());

    async function newSession(params: Partial<CreateParams> = {}) {
      const stripe = h.stripe();
      const customer = await stripe.customers.create({ email: 'holder@example.com' });
      const session = await createSession(stripe, {
        account_holder: { type: 'customer', customer: customer.id },
        permissions: ['balances', 'payment_method'],
        ...params,
      });
      return { stripe, customer, session, flow: FlowClient.of(h, session.client_secret as string) };
    }

    /** Consent and the institution: the step the login starts at. */
    async function startAt(flow: FlowClient, institution: string): Promise<Step> {
      assert.equal((await flow.step('consent')).kind, 'institution');
      return flow.step('institution', { institution });
    }

    async function retrieve(id: string) {
      return (await h.stripe().financialConnections.sessions.retrieve(id)) as unknown as PreviewSession;
    }

    test('one click at Test Institution: every step, then the session the merchant retrieves', async () => {
      const { stripe, session, flow } = await newSession();
      const first = await flow.post('session');
      assert.equal(first.status, 200);
      assert.deepEqual(first.body, {
        object: 'flow_state',
        merchant: { name: h.running.merchant.name },
        session: {
          id: session.id,
          status: 'pending',
          permissions: ['balances', 'payment_method'],
          relink: null,
          limits_accounts: null,
          account_subcategories: null,
          ui_mode: 'modal',
          return_url: null,
        },
        step: { kind: 'consent' },
        result: null,
        bank_account_token_error: null,
      });
      await flow.step('consent');
      const search = await flow.post('institutions', { query: 'test inst' });
      assert.equal(search.status, 200);
      assert.deepEqual(search.body.results, [testInstitution]);
      const featured = search.body.featured as Array<{ name: string; status: string }>;
      assert.equal(featured.find((i) => i.name === 'Down Bank (Unscheduled)')?.status, 'down');

      const login = await flow.step('institution', { institution: institutions.test });
      assert.deepEqual(login, { kind: 'login', institution: testInstitution, method: 'none' });
      const accounts = await flow.step('login');
      assert.equal(accounts.kind, 'accounts');
      assert.equal(accounts.multiple, true);
      assert.deepEqual(
        choices(accounts).map(({ display_name, last4, subcategory, selectable }) => ({
          display_name,
          last4,
          subcategory,
          selectable,
        })),
        [
          { display_name: 'Success', last4: '6789', subcategory: 'checking', selectable: true },
          { display_name: 'High Yield Savings', last4: '4321', subcategory: 'savings', selectable: true },
          {
            display_name: 'Rewards Credit Card',
            last4: '5517',
            subcategory: 'credit_card',
            selectable: false,
          },
          {
            display_name: 'Personal Line of Credit',
            last4: '7702',
            subcategory: 'line_of_credit',
            selectable: false,
          },
          { display_name: 'Home Mortgage', last4: '9034', subcategory: 'mortgage', selectable: false },
        ],
      );
      const card = choices(accounts)[2] as Choice & { reason: string };
      assert.equal(card.reason, 'This account cannot be used for bank payments.');
      const refused = await flow.post('link', { accounts: [card.id] });
      assert.equal(refused.status, 400);
      assert.equal((refused.body.error as { param: string }).param, 'accounts[0]');

      const linked = await flow.post('link', {
        accounts: [idOf(accounts, 'Success'), idOf(accounts, 'High Yield Savings')],
      });
      assert.equal(linked.status, 200);
      assert.deepEqual(linked.body.step, {
        kind: 'done',
        status: 'succeeded',
        institution: testInstitution,
        accounts: [
          { display_name: 'Success', last4: '6789' },
          { display_name: 'High Yield Savings', last4: '4321' },
        ],
        message: null,
      });
      const retrieved = await retrieve(session.id);
      assert.equal(retrieved.status, 'succeeded');
      assertMatchesSchema('financial_connections.session', body(retrieved));
      assert.deepEqual(
        retrieved.accounts.data.map((a) => [a.display_name, a.last4, a.institution_name]),
        [
          ['Success', '6789', 'Test Institution'],
          ['High Yield Savings', '4321', 'Test Institution'],
        ],
      );
      // The flow's result is the session as the merchant's API version renders it.
      const result = linked.body.result as { id: string; accounts: { data: Array<{ id: string }> } };
      assert.deepEqual(
        result.accounts.data.map((a) => a.id),
        retrieved.accounts.data.map((a) => a.id),
      );
      const events = await stripe.events.list({ limit: 10 });
      const types = events.data.map((e) => e.type).filter((t) => t.startsWith('financial_connections'));
      assert.deepEqual(types.slice(0, 3).sort(), [
        'financial_connections.account.created',
        'financial_connections.account.created',
        'financial_connections.session.updated',
      ]);
      // An ended session takes no step.
      const again = await flow.post('login');
      assert.equal(again.status, 400);
      assert.equal((again.body.error as { code: string }).code, 'status_transition_invalid');
    });

    test('Sandbox Bank (OAuth): the consent page, the callback, then the accounts', async () => {
      const { session, flow } = await newSession({ permissions: ['balances'] });
      const oauth = await startAt(flow, institutions.sandboxOAuth);
      assert.equal(oauth.kind, 'oauth');
      const authorizeUrl = new URL(oauth.authorize_url as string);
      assert.equal(authorizeUrl.searchParams.get('redirect_uri'), `${h.url}/flow/oauth/callback`);
      assert.equal(authorizeUrl.searchParams.get('code_challenge_method'), 'S256');
      // Reading the step again (as the flow app does while the popup is open) shows the same URL.
      assert.equal((await flow.step('session')).authorize_url, oauth.authorize_url);

      const callback = await approveInBrowser(oauth.authorize_url as string, ['checking', 'savings']);
      assert.equal(`${callback.origin}${callback.pathname}`, `${h.url}/flow/oauth/callback`);
      const page = await fetch(callback);
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /openfc:oauth-complete/);
      const csp = page.headers.get('content-security-policy') ?? '';
      assert.match(csp, /script-src 'sha256-[A-Za-z0-9+/=]+'/);
      assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
      // The state was used: the same redirect again finds no flow.
      assert.equal((await fetch(callback)).status, 400);

      const accounts = await flow.step('session');
      assert.equal(accounts.kind, 'accounts');
      assert.deepEqual(
        choices(accounts).map((a) => a.display_name),
        ['Primary Checking', 'Savings'],
      );
      const done = await flow.step('link', { accounts: [idOf(accounts, 'Savings')] });
      assert.equal(done.status, 'succeeded');
      const retrieved = await retrieve(session.id);
      assertMatchesSchema('financial_connections.session', body(retrieved));
      assert.deepEqual(
        retrieved.accounts.data.map((a) => [a.display_name, a.institution_name]),
        [['Savings', 'Sandbox Bank (OAuth)']],
      );
    });

    test('OAuth refused at the bank: an error the holder may retry', async () => {
      const { flow } = await newSession();
      const oauth = await startAt(flow, institutions.sandboxOAuth);
      const callback = await approveInBrowser(oauth.authorize_url as string, [], 'deny');
      assert.equal(callback.searchParams.get('error'), 'access_denied');
      assert.equal((await fetch(callback)).status, 200);
      const error = await flow.step('session');
      assert.deepEqual(
        { kind: error.kind, code: error.code, retry: error.retry },
        { kind: 'error', code: 'access_denied', retry: true },
      );
      const retried = await flow.step('login');
      assert.equal(retried.kind, 'oauth');
      assert.notEqual(retried.authorize_url, oauth.authorize_url);
    });

    test('Sandbox Bank (Non-OAuth): one prompt at a time (mfa, then security question)', async () => {
      const { session, flow } = await newSession();
      const login = await startAt(flow, institutions.sandboxNonOAuth);
      assert.equal(login.method, 'credentials');
      const missing = await flow.post('login', { username: 'holder' });
      assert.equal(missing.status, 400);
      assert.equal((missing.body.error as { param: string }).param, 'password');

      const mfa = await flow.step('login', { username: 'holder', password: 'mfa' });
      assert.deepEqual(mfa.prompt, { kind: 'mfa', message: 'Enter the one-time code we sent you.' });
      const question = await flow.step('answer', { answer: 'security_question' });
      assert.deepEqual(question.prompt, {
        kind: 'security_question',
        message: 'What was the name of your first pet?',
      });
      const accounts = await flow.step('answer', { answer: 'Rex' });
      assert.equal(accounts.kind, 'accounts');
      const done = await flow.step('link', { accounts: [idOf(accounts, 'Checking')] });
      assert.equal(done.status, 'succeeded');
      assert.equal((await retrieve(session.id)).accounts.data.length, 1);
    });

    test('a wrong password: an error with retry; cancel ends the session cancelled', async () => {
      const { session, flow } = await newSession();
      await startAt(flow, institutions.sandboxNonOAuth);
      const error = await flow.step('login', { username: 'holder', password: 'incorrect' });
      assert.deepEqual(error, {
        kind: 'error',
        institution: {
          id: institutions.sandboxNonOAuth,
          name: 'Sandbox Bank (Non-OAuth)',
          url: 'https://sandbox-bank-non-oauth.example',
          login: 'credentials',
          status: 'up',
          expected_available_at: null,
        },
        code: 'invalid_credentials',
        message: 'Incorrect username or password.',
        retry: true,
      });
      const cancelled = await flow.post('cancel');
      assert.equal(cancelled.status, 200);
      assert.deepEqual(cancelled.body.step, {
        kind: 'done',
        status: 'cancelled',
        institution: (error as { institution: unknown }).institution,
        accounts: [],
        message: null,
      });
      const retrieved = await retrieve(session.id);
      assert.deepEqual(
        [retrieved.status, retrieved.status_details],
        ['cancelled', { cancelled: { reason: 'other' } }],
      );
      assert.equal((cancelled.body.result as { status: string }).status, 'cancelled');
    });

    test('the bank ending the login: cancel ends the session failed', async () => {
      const { session, flow } = await newSession();
      await startAt(flow, institutions.sandboxNonOAuth);
      const error = await flow.step('login', { username: 'holder', password: 'error' });
      assert.equal(error.code, 'login_failed');
      await flow.step('cancel');
      assert.equal((await retrieve(session.id)).status, 'failed');
    });

    test('a down bank: the error step, and back to the search', async () => {
      const { session, flow } = await newSession();
      await startAt(flow, institutions.downUnscheduled);
      const error = await flow.step('login');
      assert.deepEqual(
        { kind: error.kind, code: error.code, retry: error.retry, message: error.message },
        {
          kind: 'error',
          code: 'institution_unavailable',
          retry: true,
          message: 'This bank is not available right now. Try again later or pick another bank.',
        },
      );
      assert.deepEqual(await flow.step('back'), { kind: 'institution' });
      assert.equal((await retrieve(session.id)).status, 'pending');
    });

    test('limits[accounts]=1: one account only', async () => {
      const { flow } = await newSession({ limits: { accounts: 1 }, permissions: ['balances'] });
      await startAt(flow, institutions.test);
      const accounts = await flow.step('login');
      assert.equal(accounts.multiple, false);
      const two = await flow.post('link', {
        accounts: [idOf(accounts, 'Success'), idOf(accounts, 'Home Mortgage')],
      });
      assert.equal(two.status, 400);
      assert.deepEqual(two.body.error, {
        type: 'invalid_request_error',
        message: 'This session allows at most 1 accounts.',
        param: 'accounts',
      });
      assert.equal(
        (await flow.step('link', { accounts: [idOf(accounts, 'Home Mortgage')] })).status,
        'succeeded',
      );
    });

    test('filters[account_subcategories] leaves the others out of the accounts step', async () => {
      const { flow } = await newSession({ filters: { account_subcategories: ['savings'] } });
      await startAt(flow, institutions.test);
      const accounts = await flow.step('login');
      assert.deepEqual(
        choices(accounts).map((a) => a.display_name),
        ['High Yield Savings'],
      );
    });

    describe('relink', () => {
      async function linked(institution: string, credentials?: { username: string; password: string }) {
        const { stripe, customer, session } = await newSession();
        const completed = await completeSession(stripe, session.id, {
          institution,
          ...(credentials && { credentials }),
        });
        const accounts = completed.accounts.data as unknown as Array<{
          id: string;
          authorization: string;
          display_name: string;
        }>;
        return { stripe, customer, accounts, authorization: accounts[0]?.authorization as string };
      }

      async function relinkSession(customer: string, authorization: string, account?: string) {
        const session = await createSession(h.stripe(), {
          account_holder: { type: 'customer', customer },
          permissions: ['balances', 'payment_method'],
          relink_options: { authorization, ...(account && { account }) },
        });
        return { session, flow: FlowClient.of(h, session.client_secret as string) };
      }

      /** The relink succeeded and linked just the account it was for, under its authorization. */
      async function assertRepaired(sessionId: string, accountId: string, authorization: string) {
        const retrieved = await retrieve(sessionId);
        assert.deepEqual(
          { relink_result: retrieved.relink_result, accounts: retrieved.accounts.data.map((a) => a.id) },
          {
            relink_result: { account: accountId, authorization, failure_reason: null },
            accounts: [accountId],
          },
        );
      }

      test('consent goes to the institution; the same account keeps its id', async () => {
        const { customer, accounts, authorization } = await linked(institutions.test);
        const target = accounts[0] as { id: string; display_name: string };
        const { session, flow } = await relinkSession(customer.id, authorization, target.id);
        const state = await flow.post('session');
        assert.deepEqual((state.body.session as { relink: unknown }).relink, {
          authorization,
          account: target.id,
          institution: testInstitution,
        });
        assert.deepEqual(await flow.step('consent'), {
          kind: 'login',
          institution: testInstitution,
          method: 'none',
        });
        const picked = await flow.step('login');
        const done = await flow.step('link', { accounts: [idOf(picked, target.display_name)] });
        assert.equal(done.status, 'succeeded');
        await assertRepaired(session.id, target.id, authorization);
      });

      test('an OAuth relink names the holder to the bank and keeps the account id', async () => {
        const { customer, accounts, authorization } = await linked(institutions.sandboxOAuth);
        const target = accounts[0] as { id: string; display_name: string };
        const { session, flow } = await relinkSession(customer.id, authorization, target.id);
        const oauth = await flow.step('consent');
        assert.equal(oauth.kind, 'oauth');
        const url = new URL(oauth.authorize_url as string);
        assert.equal(url.searchParams.get('login_hint'), await bankUserOf(h, authorization));
        const callback = await approveInBrowser(oauth.authorize_url as string, ['checking', 'savings']);
        assert.equal((await fetch(callback)).status, 200);
        const picked = await flow.step('session');
        const done = await flow.step('link', { accounts: [idOf(picked, target.display_name)] });
        assert.equal(done.status, 'succeeded');
        await assertRepaired(session.id, target.id, authorization);
      });

      test('another account picked than the one to repair: failed, no_account', async () => {
        const { customer, accounts, authorization } = await linked(institutions.test);
        const target = accounts[0] as { id: string };
        const { session, flow } = await relinkSession(customer.id, authorization, target.id);
        await flow.step('consent');
        const picked = await flow.step('login');
        const error = await flow.step('link', { accounts: [idOf(picked, 'High Yield Savings')] });
        assert.deepEqual(
          { kind: error.kind, code: error.code, retry: error.retry },
          { kind: 'error', code: 'no_account', retry: false },
        );
        const retrieved = await retrieve(session.id);
        assert.equal(retrieved.status, 'failed');
        assert.deepEqual(retrieved.relink_result, {
          account: null,
          authorization,
          failure_reason: 'no_account',
        });
        assert.equal((await flow.step('cancel')).kind, 'done');
        assert.equal((await retrieve(session.id)).status, 'failed');
      });

      test('a credential relink: another holder refused; a failed login then cancel is no_authorization', async () => {
        const { customer, authorization } = await linked(institutions.sandboxNonOAuth, {
          username: 'relinker',
          password: 'pw',
        });
        const { session, flow } = await relinkSession(customer.id, authorization);
        assert.equal((await flow.step('consent')).kind, 'login');
        const other = await flow.post('login', { username: 'someone-else', password: 'pw' });
        assert.equal(other.status, 400);
        assert.equal((other.body.error as { param: string }).param, 'username');
        const back = await flow.post('back');
        assert.equal((back.body.step as Step).kind, 'login');
        const error = await flow.step('login', { username: 'relinker', password: 'incorrect' });
        assert.equal(error.code, 'invalid_credentials');
        await flow.step('cancel');
        const retrieved = await retrieve(session.id);
        assert.equal(retrieved.status, 'cancelled');
        assert.deepEqual(retrieved.relink_result, {
          account: null,
          authorization: null,
          failure_reason: 'no_authorization',
        });
      });
    });

    test('the test helper takes the same steps: from where the holder left the flow, to its end', async () => {
      const { stripe, session, flow } = await newSession({ permissions: ['balances'] });
      await startAt(flow, institutions.sandboxNonOAuth);
      await flow.step('login', { username: 'helper', password: 'pw' });
      const completed = await completeSession(stripe, session.id, { institution: institutions.test });
      assert.equal(completed.status, 'succeeded');
      const ended = await flow.post('session');
      assert.deepEqual(ended.body.step, {
        kind: 'done',
        status: 'succeeded',
        institution: testInstitution,
        accounts: completed.accounts.data.map((a) => ({ display_name: a.display_name, last4: a.last4 })),
        message: null,
      });
      assert.equal((ended.body.result as { id: string }).id, session.id);
    });

    for (const [name, institution] of [
      ['a one-click', institutions.test],
      ['an OAuth', institutions.sandboxOAuth],
    ] as const) {
      test(`a holder new to openfc at ${name} bank starts at the sandbox time: the consent runs from the link`, async () => {
        const day = 86_400;
        const keys = await h.otherMerchant();
        const stripe = h.stripe({ key: keys.secretKey });
        const advance = (seconds: number) =>
          stripe.rawRequest('POST', '/v1/test_helpers/sandbox_clock/advance', { seconds });
        await advance(80 * day);
        const customer = await stripe.customers.create({});
        const session = await createSession(stripe, {
          account_holder: { type: 'customer', customer: customer.id },
          permissions: ['balances'],
        });
        const flow = FlowClient.of(h, session.client_secret as string, keys.publishableKey);
        const started = await startAt(flow, institution);
        let accounts: Record<string, unknown>;
        if (started.kind === 'oauth') {
          const callback = await approveInBrowser(started.authorize_url as string, ['checking']);
          assert.equal((await fetch(callback)).status, 200);
          accounts = await flow.step('session');
        } else {
          accounts = await flow.step('login');
        }
        const first = (accounts.accounts as Array<{ id: string }>)[0]?.id as string;
        assert.equal((await flow.step('link', { accounts: [first] })).status, 'succeeded');
        const [linked] = (await stripe.financialConnections.sessions.retrieve(session.id)).accounts.data;
        const account = async () =>
          (await stripe.financialConnections.accounts.retrieve(linked?.id as string)) as unknown as {
            status: string;
            status_details: Record<string, { cause?: string }>;
          };
        await advance(5 * day);
        assert.deepEqual((await account()).status_details, {}, '85 days are left: no notice yet');
        await advance(79 * day);
        const near = await account();
        assert.equal(near.status, 'active');
        assert.equal(
          near.status_details.active?.cause,
          'access_expired',
          JSON.stringify(near.status_details),
        );
      });
    }

    test("who may take a step: the publishable key of the merchant, with that session's secret", async () => {
      const { session } = await newSession();
      const { session: another } = await newSession();
      const secret = session.client_secret as string;
      const withSecretKey = FlowClient.of(h, secret, h.secretKey);
      const refused = await withSecretKey.post('session');
      assert.equal(refused.status, 401);
      assert.equal((refused.body.error as { type: string }).type, 'invalid_request_error');

      const wrongSecret = `${session.id}_secret_${'x'.repeat(24)}`;
      const other = await h.otherMerchant();
      for (const client of [
        FlowClient.of(h, wrongSecret),
        FlowClient.of(h, secret, other.publishableKey),
        FlowClient.of(h, `${another.id}_secret_nope`),
      ]) {
        const answer = await client.post('consent');
        assert.equal(answer.status, 404);
        const error = answer.body.error as Record<string, unknown>;
        assert.deepEqual(
          { type: error.type, code: error.code, param: error.param, message: error.message },
          {
            type: 'invalid_request_error',
            code: 'resource_missing',
            param: 'client_secret',
            message: 'No such financial_connections.session for the client_secret provided.',
          },
        );
      }
      const none = await FlowClient.of(h, undefined).post('session');
      assert.equal(none.status, 400);
      assert.equal((none.body.error as { param: string }).param, 'client_secret');
      // The secret is never asked for in a URL: the flow's reads are POSTs too.
      for (const path of ['session', 'institutions']) {
        const read = await fetch(`${h.url}/flow/v1/${path}?client_secret=${secret}`, {
          headers: { authorization: `Bearer ${h.publishableKey}` },
        });
        assert.equal(read.status, 404, path);
      }
      // Nothing moved.
      assert.deepEqual(await FlowClient.of(h, secret).step('session'), { kind: 'consent' });
    });

    test('bad input: unknown parameters and steps out of order change nothing', async () => {
      const { flow } = await newSession();
      const unknown = await flow.post('consent', { colour: 'blue' });
      assert.equal(unknown.status, 400);
      assert.deepEqual(
        [(unknown.body.error as { code: string }).code, (unknown.body.error as { param: string }).param],
        ['parameter_unknown', 'colour'],
      );
      const early = await flow.post('link', { accounts: ['acc_nope'] });
      assert.equal(early.status, 400);
      const error = early.body.error as Record<string, unknown>;
      assert.deepEqual(
        { type: error.type, code: error.code, param: error.param },
        { type: 'invalid_request_error', code: 'status_transition_invalid', param: 'client_secret' },
      );
      assert.deepEqual(await flow.step('session'), { kind: 'consent' });
      await flow.step('consent');
      const unknownInstitution = await flow.post('institution', { institution: 'fcinst_nope' });
      assert.equal(unknownInstitution.status, 404);
      assert.deepEqual(await flow.step('session'), { kind: 'institution' });
    });
  });
}
