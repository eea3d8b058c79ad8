import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { backends } from '../support/backends.ts';
import { listReads, signIn } from '../support/dashboard.ts';
import { eventually } from '../support/eventually.ts';
import {
  body,
  completeSession,
  createSession,
  linkAccounts,
  type PreviewAccount,
  simulate,
} from '../support/fc.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { closeReceivers, eventOf, startReceiver } from '../support/receiver.ts';
import { assertMatchesSchema, assertStripeError } from '../support/stripe-schemas.ts';

const testInstitution = 'fcinst_Qn1a7A4KhL42se';
const ownershipInstitution = 'fcinst_Qn1aly9zRRkWP1';

interface Listed {
  id: string;
  [field: string]: unknown;
}

interface EndpointDelivery {
  event: { id: string; type: string };
  endpoint: { id: string; url: string };
  status: string;
  attempts: { status_code: number | null }[];
}

function ids(body: Record<string, unknown>): string[] {
  return (body.data as Listed[]).map((item) => item.id);
}

for (const backend of backends) {
  describe(`the dashboard's endpoints, sessions, authorizations, filters and versions on ${backend.name}`, {
    skip: backend.skip,
  }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(() => h?.close());
    afterEach(closeReceivers);

    test('webhook endpoints: listed with their deliveries; Disable is the API update (no event), Enable puts it back', async () => {
      const receiver = await startReceiver();
      const stripe = h.stripe();
      const endpoint = await stripe.webhookEndpoints.create({
        url: receiver.url,
        enabled_events: ['customer.created'],
        description: 'the receiver',
      });
      const first = await stripe.customers.create({ email: 'first@example.com' });
      const [received] = await receiver.waitFor(1);
      const client = await signIn(h);

      const list = await client.get('/webhook-endpoints');
      assert.equal(list.status, 200, list.text);
      const listed = (list.body.data as Listed[]).find((e) => e.id === endpoint.id);
      assert.ok(listed, list.text);
      assertMatchesSchema('webhook_endpoint', listed);
      assert.equal(listed.secret, undefined, 'the signing secret is shown');
      assert.ok(!list.text.includes(endpoint.secret as string), 'the signing secret is shown');
      assert.deepEqual(
        [listed.url, listed.status, listed.enabled_events, listed.api_version],
        [receiver.url, 'enabled', ['customer.created'], null],
      );

      // Its page: the latest deliveries, with their events and attempts, as the events page shows them.
      const eventId = eventOf(received as Parameters<typeof eventOf>[0]).id;
      const view = await eventually(
        'the attempt to show on the endpoint',
        () => client.get(`/webhook-endpoints/${endpoint.id}`),
        (r) => ((r.body.deliveries as EndpointDelivery[])[0]?.attempts.length ?? 0) > 0,
      );
      assert.equal(view.status, 200, view.text);
      assertMatchesSchema('webhook_endpoint', view.body.endpoint);
      const deliveries = view.body.deliveries as EndpointDelivery[];
      assert.equal(deliveries.length, 1, view.text);
      assert.deepEqual(deliveries[0]?.event, { id: eventId, type: 'customer.created' });
      assert.equal(deliveries[0]?.status, 'succeeded');
      assert.deepEqual(
        deliveries[0]?.attempts.map((a) => a.status_code),
        [200],
      );
      const event = await client.get(`/events/${eventId}`);
      assert.deepEqual(
        (event.body.deliveries as EndpointDelivery[]).map(({ endpoint: e, status }) => [e.id, status]),
        [[endpoint.id, 'succeeded']],
      );
      assert.ok(first.id);

      // Disable: the dashboard's change, seen by the API; Stripe has no event for it, nor does openfc.
      const before = await client.get('/events?limit=1');
      const disabled = await client.post(`/webhook-endpoints/${endpoint.id}/disable`);
      assert.equal(disabled.status, 200, disabled.text);
      assert.equal((disabled.body.endpoint as Listed).status, 'disabled');
      assert.equal((await stripe.webhookEndpoints.retrieve(endpoint.id)).status, 'disabled');
      assert.deepEqual(ids((await client.get('/events?limit=1')).body), ids(before.body));
      // A disabled endpoint is sent nothing.
      await stripe.customers.create({ email: 'second@example.com' });
      const second = (await client.get('/events?limit=1&type=customer.created')).body.data as Listed[];
      const quiet = await client.get(`/events/${second[0]?.id}`);
      assert.deepEqual(quiet.body.deliveries, []);

      const enabled = await client.post(`/webhook-endpoints/${endpoint.id}/enable`);
      assert.equal(enabled.status, 200, enabled.text);
      assert.equal((enabled.body.endpoint as Listed).status, 'enabled');
      assert.equal((await stripe.webhookEndpoints.retrieve(endpoint.id)).status, 'enabled');
      await stripe.webhookEndpoints.del(endpoint.id);
    });

    test('Disable from another site, without the CSRF token, or as another merchant is refused and changes nothing', async () => {
      const receiver = await startReceiver();
      const endpoint = await h.stripe().webhookEndpoints.create({ url: receiver.url, enabled_events: ['*'] });
      const client = await signIn(h);
      const path = `/webhook-endpoints/${endpoint.id}/disable`;
      for (const [label, headers] of [
        ['another origin', { origin: 'https://attacker.example' }],
        ['a cross-site fetch', { 'sec-fetch-site': 'cross-site' }],
        ['no CSRF token', { 'x-openfc-csrf': '' }],
        ['another CSRF token', { 'x-openfc-csrf': 'x'.repeat(32) }],
      ] as const) {
        const response = await client.post(path, {}, headers);
        assert.equal(response.status, 403, `${label}: ${response.text}`);
        assertStripeError(response.body);
      }
      const other = await signIn(h, (await h.otherMerchant()).secretKey);
      for (const response of [await other.post(path), await other.get(`/webhook-endpoints/${endpoint.id}`)]) {
        assert.equal(response.status, 404, response.text);
        assertStripeError(response.body);
      }
      assert.deepEqual((await other.get('/webhook-endpoints')).body, { data: [], has_more: false });
      assert.equal((await h.stripe().webhookEndpoints.retrieve(endpoint.id)).status, 'enabled');
      const missing = await client.post('/webhook-endpoints/we_missing/disable');
      assert.equal(missing.status, 404, missing.text);
      await h.stripe().webhookEndpoints.del(endpoint.id);
    });

    test('account filters (status, customer, institution) and the event type filter return only matching rows', async () => {
      const a = await linkAccounts(h, { institution: testInstitution });
      const b = await linkAccounts(h, { institution: ownershipInstitution });
      const stripe = h.stripe();
      const closed = a.accounts[0]?.id as string;
      const gone = b.accounts[0]?.id as string;
      await simulate(stripe, 'accounts', closed, 'account_closed');
      await stripe.financialConnections.accounts.disconnect(gone);
      const client = await signIn(h);
      const all = [...a.accounts, ...b.accounts].map((x) => x.id);

      const listed = async (query: string) => {
        const response = await client.get(`/accounts?limit=100&${query}`);
        assert.equal(response.status, 200, response.text);
        for (const item of response.body.data as Listed[])
          assertMatchesSchema('financial_connections.account', item);
        return (response.body.data as Listed[]).filter((x) => all.includes(x.id));
      };
      const byId = (list: Listed[]) => list.map((x) => x.id).sort();

      assert.deepEqual(byId(await listed('status=inactive')), [closed]);
      assert.deepEqual(byId(await listed('status=disconnected')), [gone]);
      const active = await listed('status=active');
      assert.deepEqual(byId(active), all.filter((x) => x !== closed && x !== gone).sort());
      assert.ok(active.every((x) => x.status === 'active'));

      const ofA = await client.get(`/accounts?limit=100&customer=${a.customer.id}`);
      assert.deepEqual(byId(ofA.body.data as Listed[]), a.accounts.map((x) => x.id).sort());
      const atOwnership = await client.get(`/accounts?limit=100&institution=${ownershipInstitution}`);
      assert.ok(
        (atOwnership.body.data as Listed[]).every((x) => x.institution === ownershipInstitution),
        atOwnership.text,
      );
      assert.ok(ids(atOwnership.body).includes(gone));
      assert.ok(!ids(atOwnership.body).some((x) => a.accounts.some((y) => y.id === x)));
      // Filters combine, and page with Stripe's cursors.
      const both = await client.get(`/accounts?customer=${b.customer.id}&status=active&limit=1`);
      assert.equal(both.status, 200, both.text);
      assert.equal(both.body.has_more, b.accounts.length > 2);
      const bActive = b.accounts.filter((x) => x.id !== gone).map((x) => x.id);
      const newest = [...bActive].sort().reverse();
      assert.deepEqual(ids(both.body), newest.slice(0, 1));
      const next = await client.get(
        `/accounts?customer=${b.customer.id}&status=active&limit=1&starting_after=${newest[0]}`,
      );
      assert.deepEqual(ids(next.body), newest.slice(1, 2));

      const bad = await client.get('/accounts?status=closed');
      assert.equal(bad.status, 400, bad.text);
      assertStripeError(bad.body);
      assert.equal((bad.body.error as { param?: string }).param, 'status');

      const disconnected = await client.get(
        '/events?limit=100&type=financial_connections.account.disconnected',
      );
      assert.equal(disconnected.status, 200, disconnected.text);
      const types = (disconnected.body.data as { type: string; data: { object: { id: string } } }[]).map(
        (e) => e.type,
      );
      assert.ok(types.length >= 1);
      assert.deepEqual(new Set(types), new Set(['financial_connections.account.disconnected']));
      const prefixed = await client.get('/events?limit=100&type=financial_connections.account.*');
      const prefixedTypes = new Set((prefixed.body.data as { type: string }[]).map((e) => e.type));
      assert.ok(prefixedTypes.has('financial_connections.account.deactivated'), prefixed.text);
      assert.ok([...prefixedTypes].every((t) => t.startsWith('financial_connections.account.')));
      const none = await client.get('/events?type=no.such_type');
      assert.deepEqual(none.body, { data: [], has_more: false });
    });

    test('sessions and authorizations lists, newest first; an authorization names the sessions that linked and relinked it', async () => {
      const { stripe, customer, session, accounts, authorization } = await linkAccounts(h);
      const account = accounts[0]?.id as string;
      await simulate(stripe, 'authorizations', authorization, 'consent_expired');
      const relink = await createSession(stripe, {
        account_holder: { type: 'customer', customer: customer.id },
        permissions: ['balances'],
        relink_options: { authorization, account },
      });
      await completeSession(stripe, relink.id);
      const client = await signIn(h);

      const sessions = await client.get('/sessions?limit=2');
      assert.equal(sessions.status, 200, sessions.text);
      assert.deepEqual(ids(sessions.body), [relink.id, session.id]);
      assert.ok(!sessions.text.includes('client_secret'), 'a client secret is shown');
      const [relinked] = sessions.body.data as Listed[];
      assert.deepEqual(relinked?.relink_options, { authorization, account });
      assert.deepEqual(relinked?.relink_result, { account, authorization, failure_reason: null });
      const older = await client.get(`/sessions?limit=1&starting_after=${relink.id}`);
      assert.deepEqual(ids(older.body), [session.id]);

      const authorizations = await client.get('/authorizations?limit=1');
      assert.equal(authorizations.status, 200, authorizations.text);
      assert.deepEqual(ids(authorizations.body), [authorization]);
      for (const item of authorizations.body.data as Listed[])
        assertMatchesSchema('financial_connections.authorization', item);
      const view = await client.get(`/authorizations/${authorization}`);
      assert.deepEqual(view.body.sessions, [session.id, relink.id]);

      const other = await signIn(h, (await h.otherMerchant()).secretKey);
      for (const path of ['/sessions', '/authorizations']) {
        assert.deepEqual((await other.get(path)).body, { data: [], has_more: false });
      }
    });

    test('customers by email, sessions by status and kind, authorizations by status and institution, endpoints by status', async () => {
      // A merchant of its own, so that each filtered list holds exactly what this test made.
      const keys = await h.otherMerchant();
      const stripe = h.stripe({ key: keys.secretKey });
      const client = await signIn(h, keys.secretKey);
      const { listed, refused } = listReads(client);

      // Customers: `email` as `GET /v1/customers` takes it, exact and case-sensitive.
      const jenny = await stripe.customers.create({ email: 'jenny+dash@example.com', name: 'Jenny' });
      await stripe.customers.create({ email: 'Jenny+dash@example.com' });
      await stripe.customers.create({ email: 'jenny+dash@example.com.au' });
      const email = encodeURIComponent('jenny+dash@example.com');
      assert.deepEqual(await listed(`/customers?email=${email}`), {
        data: (await stripe.customers.list({ email: 'jenny+dash@example.com' })).data.map((c) => body(c)),
        has_more: false,
      });
      assert.deepEqual(ids(await listed(`/customers?email=${email}`)), [jenny.id]);
      assert.deepEqual(await listed('/customers?email=jenny%40example.com'), { data: [], has_more: false });
      assert.equal(ids(await listed('/customers?email=')).length, 3, 'an empty filter filters nothing');

      // Sessions: one of each status, and a relink.
      const customer = await stripe.customers.create({ email: 'holder@example.com' });
      const holder = { type: 'customer' as const, customer: customer.id };
      const start = () => createSession(stripe, { account_holder: holder, permissions: ['balances'] });
      const linked = await completeSession(stripe, (await start()).id, { institution: ownershipInstitution });
      const cancelled = await completeSession(stripe, (await start()).id, { outcome: 'cancelled' });
      const failed = await completeSession(stripe, (await start()).id, { outcome: 'error' });
      const other = await completeSession(stripe, (await start()).id, { institution: testInstitution });
      const pending = await start();
      const authorization = (linked.accounts.data[0] as PreviewAccount).authorization;
      const otherAuthorization = (other.accounts.data[0] as PreviewAccount).authorization;
      await simulate(stripe, 'authorizations', authorization, 'consent_expired');
      const relink = await createSession(stripe, {
        account_holder: holder,
        permissions: ['balances'],
        relink_options: { authorization },
      });
      assert.deepEqual(
        [linked.status, cancelled.status, failed.status, other.status],
        ['succeeded', 'cancelled', 'failed', 'succeeded'],
      );

      assert.deepEqual(ids(await listed('/sessions?status=succeeded')), [other.id, linked.id]);
      assert.deepEqual(ids(await listed('/sessions?status=cancelled')), [cancelled.id]);
      assert.deepEqual(ids(await listed('/sessions?status=failed')), [failed.id]);
      assert.deepEqual(ids(await listed('/sessions?status=pending')), [relink.id, pending.id]);
      const relinks = await listed('/sessions?relink=true');
      assert.deepEqual(ids(relinks), [relink.id]);
      assert.deepEqual((relinks.data as Listed[])[0]?.relink_options, { authorization, account: null });
      assert.ok(!JSON.stringify(relinks).includes('client_secret'), 'a client secret is shown');
      assert.deepEqual(ids(await listed('/sessions?relink=false')), [
        pending.id,
        other.id,
        failed.id,
        cancelled.id,
        linked.id,
      ]);
      assert.deepEqual(ids(await listed('/sessions?relink=true&status=succeeded')), []);
      // Filters combine and page with Stripe's cursors.
      const newLinks = await listed('/sessions?relink=false&status=succeeded&limit=1');
      assert.deepEqual([ids(newLinks), newLinks.has_more], [[other.id], true]);
      const older = await listed(
        `/sessions?relink=false&status=succeeded&limit=1&starting_after=${other.id}`,
      );
      assert.deepEqual([ids(older), older.has_more], [[linked.id], false]);
      await refused('/sessions?status=canceled', 'status');
      await refused('/sessions?relink=yes', 'relink');

      // Authorizations: the expired consent's is inactive, the other active, each at its institution.
      const inactive = await listed('/authorizations?status=inactive');
      assert.deepEqual(ids(inactive), [authorization]);
      for (const item of inactive.data as Listed[])
        assertMatchesSchema('financial_connections.authorization', item);
      assert.deepEqual(ids(await listed('/authorizations?status=active')), [otherAuthorization]);
      assert.deepEqual(ids(await listed('/authorizations?status=disconnected')), []);
      assert.deepEqual(ids(await listed(`/authorizations?institution=${testInstitution}`)), [
        otherAuthorization,
      ]);
      assert.deepEqual(
        ids(await listed(`/authorizations?institution=${ownershipInstitution}&status=inactive`)),
        [authorization],
      );
      assert.deepEqual(
        ids(await listed(`/authorizations?institution=${ownershipInstitution}&status=active`)),
        [],
      );
      await refused('/authorizations?status=expired', 'status');

      // Webhook endpoints: enabled or disabled, as the API renders them.
      const enabled = await stripe.webhookEndpoints.create({
        url: 'https://example.com/on',
        enabled_events: ['*'],
      });
      const disabled = await stripe.webhookEndpoints.create({
        url: 'https://example.com/off',
        enabled_events: ['*'],
      });
      await stripe.webhookEndpoints.update(disabled.id, { disabled: true });
      assert.deepEqual(await listed('/webhook-endpoints?status=disabled'), {
        data: [body(await stripe.webhookEndpoints.retrieve(disabled.id))],
        has_more: false,
      });
      assert.deepEqual(ids(await listed('/webhook-endpoints?status=enabled')), [enabled.id]);
      assert.deepEqual(ids(await listed('/webhook-endpoints')), [disabled.id, enabled.id]);
      await refused('/webhook-endpoints?status=paused', 'status');

      // Another merchant's filters find none of this.
      const stranger = await signIn(h);
      const theirs = await stranger.get(`/customers?email=${email}`);
      assert.deepEqual(theirs.body, { data: [], has_more: false });
      const theirSessions = await stranger.get('/sessions?relink=true&limit=100');
      assert.ok(!ids(theirSessions.body).includes(relink.id), theirSessions.text);
    });

    test("an event's object as each API version renders it: grouped where equal, the differing fields named", async () => {
      const { stripe, accounts } = await linkAccounts(h, { limit: 1 });
      const account = accounts[0]?.id as string;
      await simulate(stripe, 'accounts', account, 'account_closed');
      const client = await signIn(h);
      const events = await client.get('/events?limit=100&type=financial_connections.account.deactivated');
      const deactivated = (events.body.data as { id: string; data: { object: { id: string } } }[]).find(
        (e) => e.data.object.id === account,
      );
      assert.ok(deactivated, events.text);
      const view = await client.get(`/events/${deactivated.id}`);
      const versions = view.body.versions as {
        renderings: { versions: string[]; object: Record<string, unknown> | null }[];
        differences: { path: string; values: ({ value: unknown } | null)[] }[];
      };
      assert.deepEqual(
        versions.renderings.map((r) => r.versions),
        [
          ['2026-07-29.dahlia', '2026-10-28.endive'],
          ['2026-01-28.preview', '2026-03-04.preview', '2026-03-25.preview', '2026-07-29.preview'],
        ],
      );
      // Each rendering is the API's own, for a reader on that version.
      for (const rendering of versions.renderings) {
        const read = await h.fetch(`/v1/financial_connections/accounts/${account}`, {
          version: rendering.versions[0],
        });
        assert.deepEqual(rendering.object, read.body);
      }
      const differing = Object.fromEntries(versions.differences.map((d) => [d.path, d.values]));
      assert.deepEqual(differing['status_details.inactive.cause'], [null, { value: 'account_closed' }]);
      assert.deepEqual(differing.authorization, [null, { value: accounts[0]?.authorization }]);
      assert.equal(differing.status, undefined, 'a field both show alike is called out');
      // GA's empty status_details is told by the fields the preview has in it, not a row of its own.
      assert.equal(differing.status_details, undefined);
      assert.deepEqual(differing['status_details.inactive.action'], [null, { value: 'none' }]);
      assert.equal(differing.id, undefined);

      // A customer renders the same on every version: one rendering, nothing called out.
      const customer = await stripe.customers.create({ name: 'Same Everywhere' });
      const created = (await client.get('/events?limit=1&type=customer.created')).body.data as Listed[];
      const newest = created[0] as { id: string; data: { object: { id: string } } };
      assert.equal(newest.data.object.id, customer.id);
      const same = await client.get(`/events/${newest.id}`);
      const one = same.body.versions as typeof versions;
      assert.equal(one.renderings.length, 1);
      assert.equal(one.renderings[0]?.versions.length, 6);
      assert.deepEqual(one.differences, []);
    });
  });
}
