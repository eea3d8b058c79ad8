import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, afterEach, before, describe, test } from 'node:test';
import { backends } from '../support/backends.ts';
import { cookieOf, sessionCookie, signIn, signInRequest } from '../support/dashboard.ts';
import { eventually } from '../support/eventually.ts';
import { completeSession, createSession, linkAccounts, simulate } from '../support/fc.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { savedPaymentMethod } from '../support/payments.ts';
import { closeReceivers, eventOf, startReceiver } from '../support/receiver.ts';
import {
  assertEventMatchesSchema,
  assertMatchesSchema,
  assertStripeError,
} from '../support/stripe-schemas.ts';

/** The version the dashboard renders objects with. */
const dashboardVersion = '2026-07-29.preview';

interface Delivery {
  endpoint: { url: string };
  status: string;
  attempts: { status_code: number | null }[];
}

for (const backend of backends) {
  describe(`the dashboard's API on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(() => h?.close());
    afterEach(closeReceivers);

    test('a secret key signs in: an HttpOnly, SameSite=Strict cookie for /dashboard holding a session, not the key', async () => {
      const response = await signInRequest(h, h.secretKey);
      assert.equal(response.status, 200, response.text);
      const header = response.headers.get('set-cookie') ?? '';
      const attributes = header.split(';').map((part) => part.trim());
      assert.ok(attributes.includes('HttpOnly'), header);
      assert.ok(attributes.includes('SameSite=Strict'), header);
      assert.ok(attributes.includes('Path=/dashboard'), header);
      assert.match(header, /Max-Age=\d+/);
      const cookie = cookieOf(response) as string;
      assert.ok(cookie.length >= 40, header);
      assert.ok(!header.includes(h.secretKey), 'the cookie holds the key');
      assert.deepEqual(Object.keys(response.body).sort(), ['csrf_token', 'expires_at', 'merchant']);
      assert.deepEqual(response.body.merchant, { id: h.running.merchant.id, name: 'Default' });
      assert.ok(!response.text.includes(h.secretKey), 'the answer echoes the key');

      // The database keeps a hash of the cookie's token, never the token or the key.
      const rows = await h.running.store.db.selectFrom('dashboard_sessions').selectAll().execute();
      const stored = JSON.stringify(rows);
      assert.ok(rows.length >= 1);
      assert.ok(!stored.includes(cookie) && !stored.includes(h.secretKey), stored);

      const session = await h.fetch('/dashboard/api/session', {
        key: null,
        headers: { cookie: `${sessionCookie}=${cookie}` },
      });
      assert.equal(session.status, 200, session.text);
      assert.deepEqual(session.body, response.body);
    });

    test('a wrong key, a publishable key or no key is refused, with no cookie', async () => {
      const cases: [string, number, string | undefined][] = [
        ['sk_test_thisIsNotAKeyOfThisServer000', 401, undefined],
        [h.publishableKey, 401, 'secret_key_required'],
        ['sk_live_aLiveKeyIsNeverAccepted0000', 401, undefined],
        ['', 400, 'parameter_missing'],
      ];
      for (const [key, status, code] of cases) {
        const response = await signInRequest(h, key);
        assert.equal(response.status, status, `${key}: ${response.text}`);
        assertStripeError(response.body);
        assert.equal((response.body.error as { code?: string }).code, code, response.text);
        assert.equal(response.headers.get('set-cookie'), null, key);
        if (key) assert.ok(!response.text.includes(key), `${key} is echoed`);
      }
    });

    test('without a session cookie, or with an unknown one, nothing is shown', async () => {
      for (const headers of [{}, { cookie: `${sessionCookie}=notASession` }] as Record<string, string>[]) {
        for (const path of ['/session', '/accounts', '/events', '/live']) {
          const response = await h.fetch(`/dashboard/api${path}`, { key: null, headers });
          assert.equal(response.status, 401, `${path}: ${response.text}`);
          assertStripeError(response.body);
        }
      }
      // Nor does an API key stand in for the cookie.
      const withKey = await h.fetch('/dashboard/api/accounts');
      assert.equal(withKey.status, 401, withKey.text);
    });

    test('accounts, a sandbox control, and the deactivation event with its delivery and a resend', async () => {
      const receiver = await startReceiver();
      const stripe = h.stripe({ apiVersion: dashboardVersion });
      await stripe.webhookEndpoints.create({
        url: receiver.url,
        enabled_events: ['financial_connections.account.deactivated'],
      });
      const { accounts } = await linkAccounts(h);
      const account = accounts[0] as { id: string; authorization: string };
      const client = await signIn(h);

      const list = await client.get('/accounts');
      assert.equal(list.status, 200, list.text);
      const listed = list.body.data as { id: string; status: string }[];
      for (const item of listed) assertMatchesSchema('financial_connections.account', item);
      assert.deepEqual(listed.map((a) => a.id).sort(), accounts.map((a) => a.id).sort());

      const controlled = await client.post(`/accounts/${account.id}/simulate-authorization`, {
        event: 'consent_expired',
      });
      assert.equal(controlled.status, 200, controlled.text);
      const shown = controlled.body.account as Record<string, unknown>;
      assertMatchesSchema('financial_connections.account', shown);
      assert.equal(shown.status, 'inactive');
      assert.deepEqual((shown.status_details as Record<string, unknown>).inactive, {
        cause: 'access_expired',
        action: 'relink_required',
      });
      assertMatchesSchema('financial_connections.authorization', controlled.body.authorization);
      // The dashboard reads the same account as the API does.
      const retrieved = await stripe.financialConnections.accounts.retrieve(account.id);
      const { lastResponse: _ignored, ...apiBody } = retrieved as typeof retrieved & {
        lastResponse?: unknown;
      };
      assert.deepEqual(shown, JSON.parse(JSON.stringify(apiBody)));

      const events = await client.get('/events');
      assert.equal(events.status, 200, events.text);
      const deactivated = (
        events.body.data as { id: string; type: string; data: { object: { id: string } } }[]
      ).find(
        (e) => e.type === 'financial_connections.account.deactivated' && e.data.object.id === account.id,
      );
      assert.ok(deactivated, events.text);
      assertEventMatchesSchema(deactivated);

      const [first] = await receiver.waitFor(1, (r) => eventOf(r).id === deactivated.id);
      assert.ok(first);
      const delivered = await eventually(
        'the attempt to be recorded',
        () => client.get(`/events/${deactivated.id}`),
        (r) => {
          const [first] = (r.body.deliveries as Delivery[] | undefined) ?? [];
          return first !== undefined && first.status !== 'pending' && first.attempts.length > 0;
        },
      );
      const [delivery] = delivered.body.deliveries as Delivery[];
      assert.equal(delivery?.endpoint.url, receiver.url);
      assert.equal(delivery?.status, 'succeeded');
      assert.equal(delivery?.attempts[0]?.status_code, 200);

      const resent = await client.post(`/events/${deactivated.id}/resend`);
      assert.equal(resent.status, 200, resent.text);
      await receiver.waitFor(2, (r) => eventOf(r).id === deactivated.id);
      const after = await eventually(
        'the second delivery to be attempted',
        () => client.get(`/events/${deactivated.id}`),
        (r) =>
          (r.body.deliveries as Delivery[]).length === 2 &&
          (r.body.deliveries as Delivery[]).every((d) => d.status !== 'pending' && d.attempts.length > 0),
      );
      assert.deepEqual(
        (after.body.deliveries as Delivery[]).map((d) => [d.status, d.attempts.map((a) => a.status_code)]),
        [
          ['succeeded', [200]],
          ['succeeded', [200]],
        ],
      );
    });

    test('a control with an unknown event, or on an unknown account, is refused and changes nothing', async () => {
      const { accounts } = await linkAccounts(h);
      const account = accounts[0] as { id: string };
      const client = await signIn(h);
      for (const [path, body, status, param] of [
        [`/accounts/${account.id}/simulate`, { event: 'explode' }, 400, 'event'],
        [`/accounts/${account.id}/simulate`, {}, 400, 'event'],
        [`/accounts/${account.id}/simulate-authorization`, { event: 'account_closed' }, 400, 'event'],
        ['/accounts/fca_unknown/simulate', { event: 'account_closed' }, 404, 'account'],
        ['/events/evt_unknown/resend', {}, 404, 'id'],
      ] as const) {
        const response = await client.post(path, body);
        assert.equal(response.status, status, `${path}: ${response.text}`);
        assertStripeError(response.body);
        assert.equal((response.body.error as { param?: string }).param, param, response.text);
      }
      const page = await client.get(`/accounts/${account.id}`);
      assert.equal((page.body.account as { status: string }).status, 'active');
    });

    test('a change without the CSRF token, or from another site, is refused and changes nothing', async () => {
      const { accounts } = await linkAccounts(h);
      const account = accounts[0] as { id: string };
      const client = await signIn(h);
      const path = `/accounts/${account.id}/simulate`;
      const body = { event: 'account_closed' };
      for (const [label, headers] of [
        ['another origin', { origin: 'https://attacker.example' }],
        ['no origin', { origin: '' }],
        ['a cross-site fetch', { 'sec-fetch-site': 'cross-site' }],
        ['no CSRF token', { 'x-openfc-csrf': '' }],
        ['another CSRF token', { 'x-openfc-csrf': 'x'.repeat(32) }],
      ] as const) {
        const response = await client.post(path, body, headers);
        assert.equal(response.status, 403, `${label}: ${response.text}`);
        assertStripeError(response.body);
      }
      // A sign-in from another site is refused too (no login CSRF).
      const foreign = await signInRequest(h, h.secretKey, { origin: 'https://attacker.example' });
      assert.equal(foreign.status, 403, foreign.text);
      assert.equal(foreign.headers.get('set-cookie'), null);
      // Reading is a GET: nothing changes through one.
      const page = await client.get(`/accounts/${account.id}`);
      assert.equal((page.body.account as { status: string }).status, 'active');
    });

    test("another merchant's session sees none of this merchant's data", async () => {
      const { accounts } = await linkAccounts(h);
      const account = accounts[0] as { id: string };
      const mine = await signIn(h);
      const events = await mine.get('/events?limit=1');
      const event = (events.body.data as { id: string }[])[0] as { id: string };

      const other = await h.otherMerchant();
      const theirs = await signIn(h, other.secretKey);
      assert.notEqual(theirs.merchantId, mine.merchantId);
      const list = await theirs.get('/accounts');
      assert.deepEqual(list.body, { data: [], has_more: false });
      const theirEvents = await theirs.get('/events');
      assert.ok(!(theirEvents.body.data as { id: string }[]).some((e) => e.id === event.id));
      for (const response of [
        await theirs.get(`/accounts/${account.id}`),
        await theirs.get(`/events/${event.id}`),
        await theirs.post(`/accounts/${account.id}/simulate`, { event: 'account_closed' }),
        await theirs.post(`/events/${event.id}/resend`),
      ]) {
        assert.equal(response.status, 404, response.text);
        assertStripeError(response.body);
      }
      // Their CSRF token does not stand in for this merchant's, nor the other way round.
      const crossed = await mine.post(
        `/accounts/${account.id}/simulate`,
        { event: 'account_closed' },
        {
          'x-openfc-csrf': theirs.csrf,
        },
      );
      assert.equal(crossed.status, 403, crossed.text);
      const page = await mine.get(`/accounts/${account.id}`);
      assert.equal((page.body.account as { status: string }).status, 'active');
    });

    test('customers with their accounts; an account leads to its authorization and the sessions that linked and relinked it', async () => {
      const { stripe, customer, session, accounts, authorization } = await linkAccounts(h);
      const account = accounts[0] as { id: string };
      await simulate(stripe, 'authorizations', authorization, 'consent_expired');
      const relink = await createSession(stripe, {
        account_holder: { type: 'customer', customer: customer.id },
        permissions: ['balances', 'payment_method'],
        relink_options: { authorization, account: account.id },
      });
      await completeSession(stripe, relink.id);
      const client = await signIn(h);

      const customers = await client.get('/customers?limit=100');
      assert.equal(customers.status, 200, customers.text);
      const listed = customers.body.data as { id: string }[];
      for (const item of listed) assertMatchesSchema('customer', item);
      assert.ok(listed.some((c) => c.id === customer.id));

      const detail = await client.get(`/customers/${customer.id}`);
      assert.equal(detail.status, 200, detail.text);
      assertMatchesSchema('customer', detail.body.customer);
      const theirs = detail.body.accounts as { data: { id: string }[]; has_more: boolean };
      assert.deepEqual(theirs.data.map((a) => a.id).sort(), accounts.map((a) => a.id).sort());
      assert.equal(theirs.has_more, false);

      const view = await client.get(`/accounts/${account.id}`);
      assert.deepEqual(view.body.sessions, [session.id, relink.id]);
      // The other accounts were linked by the first session only.
      const second = accounts[1] as { id: string } | undefined;
      if (second) assert.deepEqual((await client.get(`/accounts/${second.id}`)).body.sessions, [session.id]);

      const authz = await client.get(`/authorizations/${authorization}`);
      assert.equal(authz.status, 200, authz.text);
      assertMatchesSchema('financial_connections.authorization', authz.body.authorization);
      assert.equal((authz.body.authorization as { status: string }).status, 'active');
      assert.deepEqual(
        (authz.body.accounts as { id: string }[]).map((a) => a.id).sort(),
        accounts.map((a) => a.id).sort(),
      );

      const shown = await client.get(`/sessions/${relink.id}`);
      assert.equal(shown.status, 200, shown.text);
      const relinkView = shown.body.session as Record<string, unknown>;
      // The page is given the session as the API renders it, less the holder's client secret.
      assert.ok(!('client_secret' in relinkView), shown.text);
      assert.ok(!shown.text.includes(relink.client_secret as string), 'the client secret is shown');
      assertMatchesSchema('financial_connections.session', {
        ...relinkView,
        client_secret: 'fcsess_client_secret_x',
      });
      assert.equal(relinkView.status, 'succeeded');
      assert.deepEqual(relinkView.relink_options, { authorization, account: account.id });
      assert.deepEqual(relinkView.relink_result, {
        account: account.id,
        authorization,
        failure_reason: null,
      });

      for (const path of [
        '/customers/cus_unknown',
        '/authorizations/fcauthz_unknown',
        '/sessions/fcsess_unknown',
      ]) {
        const missing = await client.get(path);
        assert.equal(missing.status, 404, `${path}: ${missing.text}`);
        assertStripeError(missing.body);
      }
      // Another merchant sees none of them.
      const other = await signIn(h, (await h.otherMerchant()).secretKey);
      for (const path of [
        `/customers/${customer.id}`,
        `/authorizations/${authorization}`,
        `/sessions/${relink.id}`,
      ]) {
        const hidden = await other.get(path);
        assert.equal(hidden.status, 404, `${path}: ${hidden.text}`);
      }
      assert.ok(
        !((await other.get('/customers')).body.data as { id: string }[]).some((c) => c.id === customer.id),
      );
    });

    test('the sandbox clock: the consents an advance ends are listed first, then the advance deactivates them', async () => {
      const day = 86_400;
      const keys = await h.otherMerchant();
      const client = await signIn(h, keys.secretKey);
      const linkedAt = Math.floor(Date.now() / 1000);
      const stripe = h.stripe({ key: keys.secretKey, apiVersion: dashboardVersion });
      const customer = await stripe.customers.create({ email: 'clock@example.com' });
      const session = await createSession(stripe, {
        account_holder: { type: 'customer', customer: customer.id },
        permissions: ['balances', 'payment_method'],
      });
      const completed = await completeSession(stripe, session.id);
      const accounts = completed.accounts.data as unknown as { id: string; authorization: string }[];
      const authorization = (accounts[0] as { authorization: string }).authorization;

      const start = await client.get('/sandbox-clock');
      assert.equal(start.status, 200, start.text);
      assert.equal(start.body.offset_seconds, 0);
      assert.equal(start.body.deactivations, undefined);

      // Consent lasts 90 days: 89 days end nothing, 91 days end this authorization.
      const short = await client.get(`/sandbox-clock?seconds=${89 * day}`);
      assert.equal(short.status, 200, short.text);
      assert.deepEqual(short.body.deactivations, []);
      const long = await client.get(`/sandbox-clock?seconds=${91 * day}`);
      const [ending, ...more] = long.body.deactivations as {
        authorization: string;
        ends_at: number;
        accounts: { id: string; status: string }[];
      }[];
      assert.equal(more.length, 0);
      assert.equal(ending?.authorization, authorization);
      assert.ok(Math.abs((ending?.ends_at ?? 0) - (linkedAt + 90 * day)) <= 5, long.text);
      for (const account of ending?.accounts ?? [])
        assertMatchesSchema('financial_connections.account', account);
      assert.deepEqual(ending?.accounts.map((a) => a.id).sort(), accounts.map((a) => a.id).sort());
      // Looking changes nothing.
      assert.equal((await client.get('/sandbox-clock')).body.offset_seconds, 0);

      for (const [body, code] of [
        [{}, 'parameter_missing'],
        [{ seconds: 0 }, 'parameter_invalid_integer'],
        [{ seconds: 1.5 }, 'parameter_invalid_integer'],
        [{ seconds: 401 * day }, 'parameter_invalid_integer'],
        [{ seconds: 'soon' }, 'parameter_invalid_integer'],
      ] as const) {
        const refused = await client.post('/sandbox-clock/advance', body);
        assert.equal(refused.status, 400, refused.text);
        assertStripeError(refused.body);
        assert.equal((refused.body.error as { code?: string }).code, code, refused.text);
      }
      const crossSite = await client.post(
        '/sandbox-clock/advance',
        { seconds: day },
        { origin: 'https://attacker.example' },
      );
      assert.equal(crossSite.status, 403, crossSite.text);
      assert.equal((await client.get('/sandbox-clock')).body.offset_seconds, 0);

      const advanced = await client.post('/sandbox-clock/advance', { seconds: 91 * day });
      assert.equal(advanced.status, 200, advanced.text);
      assert.equal(advanced.body.offset_seconds, 91 * day);
      // The same advance as the API's: the clock the API reads moved, and the consent ended.
      const apiClock = (await stripe.rawRequest('GET', '/v1/test_helpers/sandbox_clock', {})) as unknown as {
        offset_seconds: number;
      };
      assert.equal(apiClock.offset_seconds, 91 * day);
      for (const { id } of accounts) {
        const view = await client.get(`/accounts/${id}`);
        assert.equal((view.body.account as { status: string }).status, 'inactive', view.text);
      }
      assert.deepEqual((await client.get(`/sandbox-clock?seconds=${day}`)).body.deactivations, []);
    });

    test('"Link a test account" and "Start relink" make hosted sessions whose links the page opens', async () => {
      const { stripe, customer, accounts, authorization } = await linkAccounts(h);
      const account = accounts[0] as { id: string };
      const client = await signIn(h);

      const linked = await client.post(`/customers/${customer.id}/link`);
      assert.equal(linked.status, 200, linked.text);
      const session = linked.body.session as Record<string, unknown>;
      assert.ok(!('client_secret' in session), linked.text);
      assertMatchesSchema('financial_connections.session', {
        ...session,
        client_secret: 'fcsess_x_secret_y',
      });
      assert.deepEqual(
        [session.status, session.ui_mode, session.account_holder],
        ['pending', 'hosted', { type: 'customer', customer: customer.id }],
      );
      assert.match(session.url as string, new RegExp(`^${h.url}/hosted/fc/[\\w-]+$`));
      // The API reads the same session, holding the same link.
      const retrieved = (await h
        .stripe({ apiVersion: dashboardVersion })
        .financialConnections.sessions.retrieve(session.id as string)) as unknown as Record<string, unknown>;
      assert.equal(retrieved.url, session.url);
      assert.equal(retrieved.return_url, `${h.url}/dashboard/customers/${customer.id}`);

      await simulate(stripe, 'authorizations', authorization, 'consent_expired');
      const relink = await client.post(`/accounts/${account.id}/relink`);
      assert.equal(relink.status, 200, relink.text);
      const relinkSession = relink.body.session as Record<string, unknown>;
      assert.deepEqual(relinkSession.relink_options, { authorization, account: account.id });
      assert.match(relinkSession.url as string, new RegExp(`^${h.url}/hosted/fc/[\\w-]+$`));

      for (const [path, status] of [
        ['/customers/cus_unknown/link', 404],
        ['/accounts/fca_unknown/relink', 404],
      ] as const) {
        const refused = await client.post(path);
        assert.equal(refused.status, status, `${path}: ${refused.text}`);
        assertStripeError(refused.body);
      }
      const crossSite = await client.post(`/customers/${customer.id}/link`, {}, { 'x-openfc-csrf': '' });
      assert.equal(crossSite.status, 403, crossSite.text);
    });

    test('PaymentMethods, SetupIntents and PaymentIntents on linked accounts, as the API reads them, without client secrets', async () => {
      const saved = await savedPaymentMethod(h);
      const intent = await saved.stripe.paymentIntents.create({
        amount: 1099,
        currency: 'usd',
        customer: saved.customer.id,
        payment_method: saved.paymentMethod,
        ...({ payment_method_types: ['us_bank_account'] } as object),
        off_session: true,
        confirm: true,
      });
      const setups = await saved.stripe.setupIntents.list({ customer: saved.customer.id });
      const setup = setups.data[0] as { id: string; client_secret: string | null };
      const client = await signIn(h);
      for (const [path, schema, id, secret] of [
        ['payment-methods', 'payment_method', saved.paymentMethod, null],
        ['setup-intents', 'setup_intent', setup.id, setup.client_secret],
        ['payment-intents', 'payment_intent', intent.id, intent.client_secret],
      ] as const) {
        const list = await client.get(`/${path}?limit=100`);
        assert.equal(list.status, 200, list.text);
        assert.ok(
          (list.body.data as { id: string }[]).some((o) => o.id === id),
          `${path}: ${list.text}`,
        );
        const detail = await client.get(`/${path}/${id}`);
        assert.equal(detail.status, 200, detail.text);
        const object = detail.body.object as Record<string, unknown>;
        assert.ok(!('client_secret' in object), detail.text);
        if (secret)
          assert.ok(!list.text.includes(secret) && !detail.text.includes(secret), `${path} shows its secret`);
        assertMatchesSchema(schema, { ...object, ...(secret && { client_secret: secret }) });
        // The same object the API answers with.
        const fromApi = await h.fetch(`/v1/${path.replace('-', '_')}/${id}`);
        assert.deepEqual({ ...object, ...(secret && { client_secret: secret }) }, fromApi.body);
        const missing = await client.get(`/${path}/${schema}_unknown`);
        assert.equal(missing.status, 404, missing.text);
        assertStripeError(missing.body);
      }
      const other = await signIn(h, (await h.otherMerchant()).secretKey);
      assert.equal((await other.get(`/payment-intents/${intent.id}`)).status, 404);
    });

    test('mandates and charges, the filters of every payment list, and another merchant sees none of them', async () => {
      const saved = await savedPaymentMethod(h);
      const elsewhere = await savedPaymentMethod(h);
      const intent = await saved.stripe.paymentIntents.create({
        amount: 2500,
        currency: 'usd',
        customer: saved.customer.id,
        payment_method: saved.paymentMethod,
        ...({ payment_method_types: ['us_bank_account'] } as object),
        off_session: true,
        confirm: true,
      });
      const charge = intent.latest_charge as string;
      assert.ok(charge, 'the confirmed PaymentIntent has a charge');
      const setup = (await saved.stripe.setupIntents.list({ customer: saved.customer.id })).data[0];
      const client = await signIn(h);

      // Mandates and charges as /v1/mandates/:id and /v1/charges/:id answer, with the linked account.
      for (const [path, schema, id, api] of [
        ['mandates', 'mandate', saved.mandate, 'mandates'],
        ['charges', 'charge', charge, 'charges'],
      ] as const) {
        const detail = await client.get(`/${path}/${id}`);
        assert.equal(detail.status, 200, detail.text);
        assertMatchesSchema(schema, detail.body.object);
        assert.deepEqual(detail.body.object, (await h.fetch(`/v1/${api}/${id}`)).body);
        assert.equal(detail.body.financial_connections_account, saved.account.id, detail.text);
        const missing = await client.get(`/${path}/${schema}_unknown`);
        assert.equal(missing.status, 404, missing.text);
        assertStripeError(missing.body);
      }
      const pm = await client.get(`/payment-methods/${saved.paymentMethod}`);
      assert.equal(pm.body.financial_connections_account, saved.account.id, pm.text);

      // Each list, filtered to the first customer's objects: theirs only, newest first.
      const listed = async (path: string) => {
        const list = await client.get(path);
        assert.equal(list.status, 200, `${path}: ${list.text}`);
        return (list.body.data as { id: string }[]).map((o) => o.id);
      };
      const pmFilters = [`customer=${saved.customer.id}`, `account=${saved.account.id}`];
      for (const filter of pmFilters)
        assert.deepEqual(await listed(`/payment-methods?${filter}`), [saved.paymentMethod], filter);
      assert.deepEqual(await listed(`/payment-methods?account=${elsewhere.account.id}`), [
        elsewhere.paymentMethod,
      ]);
      for (const filter of [`customer=${saved.customer.id}`, `payment_method=${saved.paymentMethod}`]) {
        assert.deepEqual(await listed(`/setup-intents?${filter}`), [setup?.id], filter);
        assert.deepEqual(await listed(`/payment-intents?${filter}`), [intent.id], filter);
        assert.deepEqual(await listed(`/charges?${filter}`), [charge], filter);
      }
      assert.deepEqual(await listed(`/charges?payment_intent=${intent.id}`), [charge]);
      assert.deepEqual(await listed(`/mandates?payment_method=${saved.paymentMethod}`), [saved.mandate]);
      // Status: the one status each object has, and another that none of them has.
      assert.deepEqual(
        await listed(`/setup-intents?payment_method=${saved.paymentMethod}&status=succeeded`),
        [setup?.id],
      );
      assert.deepEqual(
        await listed(`/setup-intents?payment_method=${saved.paymentMethod}&status=canceled`),
        [],
      );
      assert.deepEqual(
        await listed(`/payment-intents?payment_method=${saved.paymentMethod}&status=${intent.status}`),
        [intent.id],
      );
      assert.deepEqual(
        await listed(`/payment-intents?payment_method=${saved.paymentMethod}&status=succeeded`),
        [],
      );
      assert.deepEqual(await listed(`/charges?payment_intent=${intent.id}&status=pending`), [charge]);
      assert.deepEqual(await listed(`/charges?payment_intent=${intent.id}&status=failed`), []);
      assert.deepEqual(await listed(`/mandates?payment_method=${saved.paymentMethod}&status=active`), [
        saved.mandate,
      ]);
      assert.deepEqual(await listed(`/mandates?payment_method=${saved.paymentMethod}&status=inactive`), []);
      // Unfiltered: newest first, both customers' mandates among them.
      const mandates = await listed('/mandates?limit=100');
      assert.ok(mandates.indexOf(elsewhere.mandate) < mandates.indexOf(saved.mandate), mandates.join());
      assert.deepEqual(mandates, [...mandates].sort().reverse());

      const bad = await client.get('/charges?status=processing');
      assert.equal(bad.status, 400, bad.text);
      assertStripeError(bad.body);
      assert.equal((bad.body.error as { param: string }).param, 'status');

      // Another merchant: empty lists, even filtered to these objects, and no object by id.
      const other = await signIn(h, (await h.otherMerchant()).secretKey);
      for (const path of ['/setup-intents', '/payment-intents', '/mandates', '/charges']) {
        const list = await other.get(`${path}?payment_method=${saved.paymentMethod}`);
        assert.equal(list.status, 200, list.text);
        assert.deepEqual(list.body.data, [], `${path}: ${list.text}`);
      }
      assert.deepEqual((await other.get(`/payment-methods?account=${saved.account.id}`)).body.data, []);
      for (const path of [
        `/mandates/${saved.mandate}`,
        `/charges/${charge}`,
        `/payment-methods/${saved.paymentMethod}`,
        `/setup-intents/${setup?.id}`,
      ]) {
        const refused = await other.get(path);
        assert.equal(refused.status, 404, `${path}: ${refused.text}`);
        assertStripeError(refused.body);
      }
      const signedOut = await h.fetch('/dashboard/api/mandates', { key: null });
      assert.equal(signedOut.status, 401, signedOut.text);
    });

    test('lists page with Stripe cursors', async () => {
      const other = await h.otherMerchant();
      const client = await signIn(h, other.secretKey);
      // Accounts of this merchant, linked through the API.
      const stripe = h.stripe({ key: other.secretKey });
      const customer = await stripe.customers.create({ email: 'pages@example.com' });
      const session = await createSession(stripe, {
        account_holder: { type: 'customer', customer: customer.id },
        permissions: ['balances'],
      });
      const { accounts } = await completeSession(stripe, session.id);
      const ids = accounts.data
        .map((a) => a.id)
        .sort()
        .reverse();
      assert.ok(ids.length >= 2, 'the institution offers several accounts');
      const first = await client.get('/accounts?limit=1');
      assert.deepEqual(
        [(first.body.data as { id: string }[]).map((a) => a.id), first.body.has_more],
        [[ids[0]], true],
      );
      const second = await client.get(`/accounts?limit=1&starting_after=${ids[0]}`);
      assert.deepEqual(
        (second.body.data as { id: string }[]).map((a) => a.id),
        [ids[1]],
      );
      const back = await client.get(`/accounts?limit=1&ending_before=${ids[1]}`);
      assert.deepEqual(
        (back.body.data as { id: string }[]).map((a) => a.id),
        [ids[0]],
      );
      const bad = await client.get('/accounts?limit=1000');
      assert.equal(bad.status, 400, bad.text);
      assert.equal((bad.body.error as { param: string }).param, 'limit');
    });

    test('the live feed tells a signed-in page of new events', async () => {
      const { accounts } = await linkAccounts(h);
      const account = accounts[0] as { id: string };
      const client = await signIn(h);
      const controller = new AbortController();
      const response = await fetch(`${h.url}/dashboard/api/live`, {
        headers: { cookie: `${sessionCookie}=${client.cookie}` },
        signal: controller.signal,
      });
      try {
        assert.equal(response.status, 200);
        assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
        const reader = (response.body as ReadableStream<Uint8Array>).getReader();
        const decoder = new TextDecoder();
        let text = '';
        // The stream is open once its first comment arrives; then a change happens.
        while (!text.includes(': connected')) text += decoder.decode((await reader.read()).value);
        const closed = await client.post(`/accounts/${account.id}/simulate`, { event: 'account_closed' });
        assert.equal(closed.status, 200, closed.text);
        while (!text.includes('financial_connections.account.deactivated')) {
          const chunk = await reader.read();
          if (chunk.done) break;
          text += decoder.decode(chunk.value);
        }
        assert.match(
          text,
          /event: change\ndata: \{"kind":"event","id":"evt_\w+","type":"financial_connections\.account\.deactivated"\}/,
        );
      } finally {
        controller.abort();
      }
    });

    test('live feeds whose pages went away at once leave no timer running', async () => {
      const client = await signIn(h);
      const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
      const before = timers();
      const { port } = new URL(h.url);
      // Each connection is gone before openfc has read the merchant's last attempt.
      await Promise.all(
        Array.from(
          { length: 20 },
          () =>
            new Promise<void>((resolve, reject) => {
              const socket = connect(Number(port), '127.0.0.1', () => {
                socket.write(
                  `GET /dashboard/api/live HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${sessionCookie}=${client.cookie}\r\n\r\n`,
                );
              });
              // The feed has answered and is reading the last attempt: the page goes away.
              socket.on('data', (data) => {
                if (!data.toString().includes(': connected')) return;
                socket.destroy();
                resolve();
              });
              socket.on('error', reject);
            }),
        ),
      );
      // Each feed that outlived its connection would keep two intervals for good; PostgreSQL's pool
      // keeps a timer per idle connection for its first 10 s.
      await eventually('timers left by closed live feeds', timers, (count) => count <= before, 20_000);
    });

    test('a session ends at its expiry, and expired sessions are forgotten', async () => {
      const client = await signIn(h);
      const { db } = h.running.store;
      const past = Math.floor(Date.now() / 1000) - 1;
      await db
        .updateTable('dashboard_sessions')
        .set({ expires_at: past })
        .where('csrf_token', '=', client.csrf)
        .execute();
      const after = await client.get('/session');
      assert.equal(after.status, 401, after.text);
      await h.running.services.dashboardSessions.pruneExpired();
      const left = await db
        .selectFrom('dashboard_sessions')
        .select('csrf_token')
        .where('csrf_token', '=', client.csrf)
        .execute();
      assert.deepEqual(left, []);
    });

    test('signing out ends the session everywhere', async () => {
      const client = await signIn(h);
      const out = await client.post('/session/end');
      assert.equal(out.status, 200, out.text);
      assert.match(out.headers.get('set-cookie') ?? '', new RegExp(`^${sessionCookie}=;.*Max-Age=0`));
      const after = await client.get('/session');
      assert.equal(after.status, 401, after.text);
    });
  });
}

describe('--dashboard off', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness(backends[0] as (typeof backends)[number], { dashboard: 'off' });
  });
  after(() => h?.close());

  test('serves neither the pages nor the API', async () => {
    for (const path of ['/dashboard', '/dashboard/accounts', '/dashboard/api/session']) {
      const response = await h.fetch(path, { key: null });
      assert.equal(response.status, 404, `${path}: ${response.text}`);
    }
    const signInAttempt = await signInRequest(h, h.secretKey);
    assert.equal(signInAttempt.status, 404, signInAttempt.text);
    assert.equal(h.running.dashboardUrl, undefined);
  });
});
