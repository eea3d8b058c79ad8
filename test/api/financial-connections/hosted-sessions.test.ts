import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { backends } from '../../support/backends.ts';
import { eventually } from '../../support/eventually.ts';
import { body, completeSession, linkAccounts, simulate } from '../../support/fc.ts';
import {
  form,
  gaVersion,
  type Harness,
  previewVersion,
  type RawResponse,
  requestLogUrl,
  startHarness,
} from '../../support/harness.ts';
import {
  createHosted,
  type HostedSession,
  hostedCall,
  hostedVersion,
  returnUrl,
  startMailCatcher,
  tokenOf,
} from '../../support/hosted.ts';
import { assertMatchesSchema } from '../../support/stripe-schemas.ts';

/** Stripe's error body as openfc answers it, for this response's request. */
function assertError(
  res: RawResponse,
  status: number,
  error: { type?: string; code?: string; message: string; param?: string },
): void {
  const { code, param } = error;
  assert.deepEqual(
    { status: res.status, body: res.body },
    {
      status,
      body: {
        error: {
          type: error.type ?? 'invalid_request_error',
          message: error.message,
          ...(code !== undefined && {
            code,
            doc_url: `https://stripe.com/docs/error-codes/${code.replaceAll('_', '-')}`,
          }),
          ...(param !== undefined && { param }),
          ...(requestLogUrl(res) !== undefined && { request_log_url: requestLogUrl(res) }),
        },
      },
    },
    res.text,
  );
}

for (const backend of backends) {
  describe(`hosted sessions on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    let mail: Awaited<ReturnType<typeof startMailCatcher>>;
    before(async () => {
      mail = await startMailCatcher();
      h = await startHarness(backend, { smtpUrl: mail.url, mailFrom: 'Relinks <relink@openfc.test>' });
    });
    after(async () => {
      await h?.close();
      await mail?.close();
    });

    /** A customer (with an email address) whose linked accounts lost access: relink material. */
    async function inactiveLink() {
      const linked = await linkAccounts(h);
      await simulate(linked.stripe, 'authorizations', linked.authorization, 'consent_expired');
      const authorization = (await linked.stripe.rawRequest(
        'GET',
        `/v1/financial_connections/authorizations/${linked.authorization}`,
      )) as { institution_name: string };
      return {
        ...linked,
        institutionName: authorization.institution_name,
        hostedApi: h.stripe({ apiVersion: hostedVersion }),
      };
    }

    async function linkRows(): Promise<number> {
      const row = await h.running.store.db
        .selectFrom('hosted_links')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    }

    function createRaw(fields: Record<string, string>, version = hostedVersion): Promise<RawResponse> {
      return h.fetch('/v1/financial_connections/sessions', { ...form(fields), version });
    }

    test('a url session shows hosted and url on create and retrieve; the link opens the session', async () => {
      const { customer, authorization, hostedApi } = await inactiveLink();
      const session = await createHosted(hostedApi, {
        account_holder: { type: 'customer', customer: customer.id },
        permissions: ['balances'],
        relink_options: { authorization },
        ui_mode: 'hosted',
        hosted: { delivery_method: 'url', return_url: returnUrl },
      });
      assertMatchesSchema('financial_connections.session', body(session));
      assert.equal(session.ui_mode, 'hosted');
      assert.deepEqual(session.hosted, { delivery_method: 'url', return_url: returnUrl });
      assert.equal(session.return_url, returnUrl);
      assert.equal(session.status, 'pending');
      assert.match(session.url ?? '', new RegExp(`^${h.url}/hosted/fc/[A-Za-z0-9_-]{32}$`));
      assert.ok(!session.url?.includes(session.client_secret ?? ''), 'the token is not the client secret');

      const again = (await hostedApi.financialConnections.sessions.retrieve(
        session.id,
      )) as unknown as HostedSession;
      assert.deepEqual(body(again), body(session), 'a retrieve shows the same url');
      const ga = await h.stripe({ apiVersion: gaVersion }).financialConnections.sessions.retrieve(session.id);
      for (const field of ['hosted', 'ui_mode', 'url'])
        assert.equal(field in ga, false, `${field} is absent on the GA version`);

      const token = tokenOf(session.url as string);
      const opened = await hostedCall(h, 'open', token);
      assert.deepEqual(
        { status: opened.status, body: opened.body },
        { status: 200, body: { publishable_key: h.publishableKey, client_secret: session.client_secret } },
      );
      assert.equal(opened.headers.get('cache-control'), 'no-store');
      const reload = await hostedCall(h, 'open', token);
      assert.deepEqual(reload.body, opened.body, 'a reload opens the session again');
      assert.equal(mail.received.length, 0, 'a url session sends no mail');
    });

    test('an email session mails the link to the customer; the link opens the session', async () => {
      const { customer, authorization, accounts, institutionName, hostedApi } = await inactiveLink();
      const session = await createHosted(hostedApi, {
        account_holder: { type: 'customer', customer: customer.id },
        permissions: ['balances'],
        relink_options: { authorization, account: accounts[0]?.id as string },
        ui_mode: 'hosted',
        hosted: { delivery_method: 'email', return_url: returnUrl },
      });
      assertMatchesSchema('financial_connections.session', body(session));
      assert.deepEqual(session.hosted, { delivery_method: 'email', return_url: returnUrl });
      const received = await mail.nth(mail.received.length + 1);
      const link = session.url as string;
      const clock = (await h.stripe().rawRequest('GET', '/v1/test_helpers/sandbox_clock')) as { now: number };
      const expires = new Date((clock.now + 30 * 86_400) * 1000)
        .toUTCString()
        .replace(/ \d\d:\d\d:\d\d GMT$/, '');
      assert.deepEqual(received, {
        from: 'relink@openfc.test',
        to: ['holder@example.com'],
        subject: `Default: reconnect your account at ${institutionName}`,
        text: [
          'Hello,',
          '',
          `Default asks you to reconnect your account at ${institutionName}, so that it can keep using it.`,
          '',
          'Open this link to continue:',
          link,
          '',
          `The link works until ${expires} if you have not opened it by then; after that, the page it opens lets you ask for a new one.`,
        ].join('\n'),
      });
      const opened = await hostedCall(h, 'open', tokenOf(link));
      assert.deepEqual(opened.body, {
        publishable_key: h.publishableKey,
        client_secret: session.client_secret,
      });
      const row = await eventually(
        'the link marked sent',
        () =>
          h.running.store.db
            .selectFrom('hosted_links')
            .select(['mail_status', 'token_digest', 'url_sealed'])
            .where('session_id', '=', session.id)
            .executeTakeFirstOrThrow(),
        (found) => found.mail_status !== 'pending',
      );
      assert.equal(row.mail_status, 'sent');
      assert.ok(!JSON.stringify(row).includes(tokenOf(link)), 'the database keeps no token in the clear');
    });

    test('without a delivery method a hosted session gets a url to share; return_url counts', async () => {
      const customer = await h.stripe().customers.create({});
      const session = await createHosted(h.stripe({ apiVersion: hostedVersion }), {
        account_holder: { type: 'customer', customer: customer.id },
        permissions: ['balances'],
        ui_mode: 'hosted',
        return_url: returnUrl,
      });
      assertMatchesSchema('financial_connections.session', body(session));
      assert.deepEqual(session.hosted, { return_url: returnUrl });
      assert.match(session.url ?? '', /\/hosted\/fc\/[A-Za-z0-9_-]{32}$/);
      const modal = await createHosted(h.stripe({ apiVersion: hostedVersion }), {
        account_holder: { type: 'customer', customer: customer.id },
        permissions: ['balances'],
      });
      assert.deepEqual([modal.ui_mode, modal.url, modal.hosted], ['modal', null, null]);

      const done = (await completeSession(
        h.stripe({ apiVersion: hostedVersion }),
        session.id,
      )) as unknown as HostedSession;
      assert.equal(done.url, null, 'an ended session shows no url');
      assertError(await hostedCall(h, 'open', tokenOf(session.url as string)), 400, {
        code: 'hosted_link_used',
        message:
          'This link was already used: the session it opened has ended. Ask the business that sent it for a new one.',
        param: 'token',
      });
    });

    test('hosted parameters are checked, and are unknown before 2026-03-25.preview', async () => {
      const customer = await h.stripe().customers.create({});
      const base = {
        'account_holder[type]': 'customer',
        'account_holder[customer]': customer.id,
        'permissions[]': 'balances',
      };
      const cases: Array<[Record<string, string>, string, number, Parameters<typeof assertError>[2]]> = [
        [
          { ...base, 'hosted[return_url]': returnUrl },
          gaVersion,
          400,
          { code: 'parameter_unknown', message: 'Received unknown parameter: hosted', param: 'hosted' },
        ],
        [
          { ...base, ui_mode: 'hosted' },
          gaVersion,
          400,
          { code: 'parameter_unknown', message: 'Received unknown parameter: ui_mode', param: 'ui_mode' },
        ],
        [
          { ...base, 'hosted[return_url]': returnUrl },
          previewVersion,
          400,
          { code: 'parameter_unknown', message: 'Received unknown parameter: hosted', param: 'hosted' },
        ],
        [
          { ...base, ui_mode: 'hosted', return_url: returnUrl },
          previewVersion,
          400,
          {
            message: `Invalid ui_mode: hosted needs API version 2026-03-25.preview or later; this request used ${previewVersion}.`,
            param: 'ui_mode',
          },
        ],
        [
          { ...base, ui_mode: 'hosted' },
          hostedVersion,
          400,
          {
            code: 'parameter_missing',
            message: 'Missing required param: hosted[return_url] (required when ui_mode is hosted).',
            param: 'hosted[return_url]',
          },
        ],
        [
          { ...base, 'hosted[return_url]': returnUrl },
          hostedVersion,
          400,
          { message: 'hosted can only be set when ui_mode is hosted.', param: 'hosted' },
        ],
        [
          { ...base, ui_mode: 'hosted', 'hosted[return_url]': 'javascript:alert(1)' },
          hostedVersion,
          400,
          {
            code: 'url_invalid',
            message:
              'Not a valid URL: hosted[return_url] must be an absolute http:// or https:// URL without credentials.',
            param: 'hosted[return_url]',
          },
        ],
        [
          {
            ...base,
            ui_mode: 'hosted',
            'hosted[return_url]': returnUrl,
            return_url: 'https://elsewhere.example/',
          },
          hostedVersion,
          400,
          {
            code: 'parameters_exclusive',
            message: 'return_url and hosted[return_url] differ: give the return URL once.',
            param: 'hosted[return_url]',
          },
        ],
        [
          { ...base, ui_mode: 'hosted', 'hosted[return_url]': returnUrl, 'hosted[delivery_method]': 'url' },
          hostedVersion,
          400,
          {
            message: 'hosted[delivery_method]=url is only available with relink_options.',
            param: 'hosted[delivery_method]',
          },
        ],
        [
          { ...base, ui_mode: 'hosted', 'hosted[return_url]': returnUrl, 'hosted[delivery_method]': 'sms' },
          hostedVersion,
          400,
          {
            message: 'Invalid hosted[delivery_method]: must be one of email, or url',
            param: 'hosted[delivery_method]',
          },
        ],
      ];
      const before = await linkRows();
      for (const [fields, version, status, error] of cases) {
        assertError(await createRaw(fields, version), status, error);
      }
      assert.equal(await linkRows(), before, 'refused requests make no link');
    });

    test("Stripe's hosted relink rules: each refusal names its parameter and changes nothing", async () => {
      // Accounts with access: nothing to relink.
      const active = await linkAccounts(h);
      const hostedApi = h.stripe({ apiVersion: hostedVersion });
      const fields = (customer: string, authorization: string, extra: Record<string, string> = {}) => ({
        'account_holder[type]': 'customer',
        'account_holder[customer]': customer,
        'permissions[]': 'balances',
        'relink_options[authorization]': authorization,
        ui_mode: 'hosted',
        'hosted[return_url]': returnUrl,
        'hosted[delivery_method]': 'email',
        ...extra,
      });
      const before = await linkRows();
      assertError(await createRaw(fields(active.customer.id, active.authorization)), 400, {
        message: `No account of the authorization '${active.authorization}' needs relinking: hosted relink is for inactive accounts and for tokenized account numbers that expire within 30 days.`,
        param: 'relink_options[authorization]',
      });
      const account = active.accounts[0]?.id as string;
      assertError(
        await createRaw(
          fields(active.customer.id, active.authorization, { 'relink_options[account]': account }),
        ),
        400,
        {
          message: `The account '${account}' needs relinking: hosted relink is for inactive accounts and for tokenized account numbers that expire within 30 days.`,
          param: 'relink_options[account]',
        },
      );

      // A customer without an email address cannot be reached.
      const inactive = await inactiveLink();
      await h.stripe().customers.update(inactive.customer.id, { email: '' });
      assertError(await createRaw(fields(inactive.customer.id, inactive.authorization)), 400, {
        message: `The customer '${inactive.customer.id}' has no email address: hosted relink needs one.`,
        param: 'account_holder[customer]',
      });
      assert.equal(await linkRows(), before, 'refused requests make no link');

      // One request per authorization every 48 hours, unless the last one is complete.
      await h.stripe().customers.update(inactive.customer.id, { email: 'again@example.com' });
      const first = await createRaw(fields(inactive.customer.id, inactive.authorization));
      assert.equal(first.status, 200, first.text);
      assertError(await createRaw(fields(inactive.customer.id, inactive.authorization)), 400, {
        message: `A hosted relink request for the authorization '${inactive.authorization}' was made in the past 48 hours (session '${first.body.id}') and is not complete yet.`,
        param: 'relink_options[authorization]',
      });
      assert.equal(await linkRows(), before + 1);
      await completeSession(hostedApi, first.body.id as string, { outcome: 'cancelled' });
      const afterComplete = await createRaw(fields(inactive.customer.id, inactive.authorization));
      assert.equal(afterComplete.status, 200, afterComplete.text);
    });

    test('a connected account holder gets a url, never an email', async () => {
      const stripe = h.stripe();
      const holder = { type: 'account' as const, account: h.running.merchant.id };
      const linked = await completeSession(
        stripe,
        (
          await stripe.financialConnections.sessions.create({
            account_holder: holder,
            permissions: ['balances'],
          })
        ).id,
      );
      const authorization = (linked.accounts.data[0] as unknown as { authorization: string }).authorization;
      await simulate(stripe, 'authorizations', authorization, 'consent_expired');
      const fields = {
        'account_holder[type]': 'account',
        'account_holder[account]': holder.account,
        'permissions[]': 'balances',
        'relink_options[authorization]': authorization,
        ui_mode: 'hosted',
        'hosted[return_url]': returnUrl,
      };
      assertError(await createRaw({ ...fields, 'hosted[delivery_method]': 'email' }), 400, {
        message:
          'openfc keeps no email address for accounts: use hosted[delivery_method]=url and send the link yourself.',
        param: 'hosted[delivery_method]',
      });
      const created = await createRaw({ ...fields, 'hosted[delivery_method]': 'url' });
      assert.equal(created.status, 200, created.text);
      assertMatchesSchema('financial_connections.session', created.body);
      // Nobody to mail a new link to.
      await h.running.store.db
        .updateTable('hosted_links')
        .set({ expires_at: 0, issued_real: 0 })
        .where('session_id', '=', created.body.id as string)
        .execute();
      assertError(await hostedCall(h, 'resend', tokenOf(created.body.url as string)), 400, {
        message: 'No email address is on file for this link: ask Default for a new link.',
        param: 'token',
      });
    });

    test('unknown and missing tokens: a 404 naming the parameter, never repeating the token', async () => {
      const guess = 'A'.repeat(32);
      for (const action of ['open', 'resend'] as const) {
        const res = await hostedCall(h, action, guess);
        assertError(res, 404, {
          code: 'resource_missing',
          message: 'No such hosted link. Check that the whole link was copied.',
          param: 'token',
        });
        assert.ok(!res.text.includes(guess));
      }
      const missing = await h.fetch('/flow/v1/hosted/open', { ...form({}), key: null });
      assert.equal(missing.status, 400, missing.text);
      assert.equal((missing.body.error as { param: string }).param, 'token');
    });
  });
}
