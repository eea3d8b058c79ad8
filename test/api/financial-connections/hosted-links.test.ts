import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { backends } from '../../support/backends.ts';
import { completeSession, type PreviewAccount } from '../../support/fc.ts';
import { type Harness, type RawResponse, startHarness } from '../../support/harness.ts';
import {
  agePacing,
  createHosted,
  type HostedSession,
  hostedCall,
  hostedVersion,
  linkIn,
  returnUrl,
  startMailCatcher,
  tokenOf,
} from '../../support/hosted.ts';

const day = 86_400;

function assertError(res: RawResponse, status: number, code: string | undefined, message: string): void {
  assert.deepEqual(
    { status: res.status, body: res.body },
    {
      status,
      body: {
        error: {
          type: 'invalid_request_error',
          message,
          ...(code !== undefined && {
            code,
            doc_url: `https://stripe.com/docs/error-codes/${code.replaceAll('_', '-')}`,
          }),
          param: 'token',
        },
      },
    },
    res.text,
  );
}

const expired =
  'This link has expired: links work for 30 days until they are first opened. A new link can be sent with POST /flow/v1/hosted/resend (the same token).';

for (const backend of backends) {
  describe(`hosted links over time on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    let mail: Awaited<ReturnType<typeof startMailCatcher>>;
    before(async () => {
      mail = await startMailCatcher();
      h = await startHarness(backend, { smtpUrl: mail.url });
    });
    after(async () => {
      await h?.close();
      await mail?.close();
    });

    test('links expire on the merchant clock until first opened; resend mails a new one, at most once a minute', async () => {
      // A merchant of its own, so that moving its sandbox clock moves nothing else.
      const keys = await h.otherMerchant();
      const stripe = h.stripe({ key: keys.secretKey, apiVersion: hostedVersion });
      const advance = (seconds: number) =>
        stripe.rawRequest('POST', '/v1/test_helpers/sandbox_clock/advance', { seconds });
      const customer = await stripe.customers.create({ email: 'later@example.com' });
      const account_holder = { type: 'customer' as const, customer: customer.id };
      const first = await stripe.financialConnections.sessions.create({
        account_holder,
        permissions: ['balances'],
      });
      const linked = await completeSession(stripe, first.id);
      const { authorization } = linked.accounts.data[0] as PreviewAccount;
      await stripe.rawRequest(
        'POST',
        `/v1/test_helpers/financial_connections/authorizations/${authorization}/simulate`,
        {
          event: 'consent_expired',
        },
      );
      const hosted = (method: 'email' | 'url') =>
        createHosted(stripe, {
          account_holder,
          permissions: ['balances'],
          relink_options: { authorization },
          ui_mode: 'hosted',
          hosted: { delivery_method: method, return_url: returnUrl },
        });
      const retrieve = async (id: string) =>
        (await stripe.financialConnections.sessions.retrieve(id)) as unknown as HostedSession;

      const session = await hosted('email');
      const l1 = linkIn(await mail.nth(mail.received.length + 1));
      assert.equal(l1, session.url);
      await advance(30 * day);
      assertError(await hostedCall(h, 'open', tokenOf(l1)), 400, 'hosted_link_expired', expired);

      await agePacing(h, session.id);
      const sent = await hostedCall(h, 'resend', tokenOf(l1));
      assert.deepEqual({ status: sent.status, body: sent.body }, { status: 200, body: { sent: true } });
      const second = await mail.nth(mail.received.length + 1);
      assert.deepEqual(second.to, ['later@example.com']);
      assert.match(second.subject, /^Other: reconnect your account at /);
      const l2 = linkIn(second);
      assert.notEqual(l2, l1);
      assert.equal((await retrieve(session.id)).url, l2, 'the session shows the new link');
      assertError(
        await hostedCall(h, 'resend', tokenOf(l1)),
        400,
        undefined,
        'A newer link was already sent for this session: use that one.',
      );
      assertError(
        await hostedCall(h, 'resend', tokenOf(l2)),
        400,
        undefined,
        'This link still works: open it instead.',
      );
      assertError(await hostedCall(h, 'open', tokenOf(l1)), 400, 'hosted_link_expired', expired);

      // The new link expires unopened too; asking again within a minute of the last link is paced.
      await advance(31 * day);
      assertError(
        await hostedCall(h, 'resend', tokenOf(l2)),
        429,
        'rate_limit',
        'A new link was sent less than a minute ago: wait a minute before asking again.',
      );
      await agePacing(h, session.id);
      assert.equal((await hostedCall(h, 'resend', tokenOf(l2))).status, 200);
      const l3 = linkIn(await mail.nth(mail.received.length + 1));

      // Opened once, a link keeps working while the session is pending.
      const opened = await hostedCall(h, 'open', tokenOf(l3));
      assert.deepEqual(opened.body, {
        publishable_key: keys.publishableKey,
        client_secret: session.client_secret,
      });
      await advance(31 * day);
      assert.deepEqual((await hostedCall(h, 'open', tokenOf(l3))).body, opened.body);

      // The 48-hour window follows the merchant's clock too; a url session's new link goes by email.
      const shared = await hosted('url');
      await advance(30 * day);
      await agePacing(h, shared.id);
      const mailsBefore = mail.received.length;
      assert.equal((await hostedCall(h, 'resend', tokenOf(shared.url as string))).status, 200);
      const fourth = await mail.nth(mailsBefore + 1);
      assert.deepEqual(fourth.to, ['later@example.com']);
      assert.equal(linkIn(fourth), (await retrieve(shared.id)).url);
    });

    test('a tokenized number expiring within 30 days (on the merchant clock) makes an active account eligible', async () => {
      const keys = await h.otherMerchant();
      const stripe = h.stripe({ key: keys.secretKey, apiVersion: hostedVersion });
      const customer = await stripe.customers.create({ email: 'tan@example.com' });
      const account_holder = { type: 'customer' as const, customer: customer.id };
      const first = await stripe.financialConnections.sessions.create({
        account_holder,
        permissions: ['payment_method'],
        limits: { accounts: 1 },
      });
      const linked = await completeSession(stripe, first.id, { institution: 'Tokenized Account Numbers' });
      const account = linked.accounts.data[0] as PreviewAccount;
      const expiry = account.account_numbers?.[0]?.expected_expiry_date as number;
      assert.equal(account.status, 'active');
      const params = {
        account_holder,
        permissions: ['payment_method' as const],
        relink_options: { authorization: account.authorization, account: account.id },
        ui_mode: 'hosted' as const,
        hosted: { delivery_method: 'url', return_url: returnUrl },
      };
      await assert.rejects(createHosted(stripe, params), {
        statusCode: 400,
        message: `The account '${account.id}' needs relinking: hosted relink is for inactive accounts and for tokenized account numbers that expire within 30 days.`,
        param: 'relink_options[account]',
      });
      const clock = (await stripe.rawRequest('GET', '/v1/test_helpers/sandbox_clock')) as { now: number };
      await stripe.rawRequest('POST', '/v1/test_helpers/sandbox_clock/advance', {
        seconds: expiry - clock.now - 29 * day,
      });
      const session = await createHosted(stripe, params);
      assert.deepEqual(
        [session.ui_mode, session.hosted],
        ['hosted', { delivery_method: 'url', return_url: returnUrl }],
      );
    });
  });
}
