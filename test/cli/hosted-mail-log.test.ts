import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { waitForOutput } from '../support/eventually.ts';
import type { PreviewAccount } from '../support/fc.ts';
import { hostedVersion, returnUrl, tokenOf } from '../support/hosted.ts';
import { cleanUp, freePort, type Server, serve, tempDir } from '../support/processes.ts';

/**
 * Hosted links in `openfc serve`'s log: without an SMTP server the message is logged (the only
 * place a link may appear); a failed send is logged without it.
 */

after(cleanUp);

const hosted = { apiVersion: hostedVersion } satisfies Stripe.RequestOptions;

/** An email hosted relink session for a customer whose consent expired: its url and institution. */
async function emailSession(server: Server): Promise<{ url: string; institution: string }> {
  const stripe = server.stripe();
  const customer = await stripe.customers.create({ email: 'logged@example.com' });
  const account_holder = { type: 'customer' as const, customer: customer.id };
  const first = await stripe.financialConnections.sessions.create({
    account_holder,
    permissions: ['balances'],
  });
  const done = (await stripe.rawRequest(
    'POST',
    `/v1/test_helpers/financial_connections/sessions/${first.id}/complete`,
    {},
  )) as { accounts: { data: PreviewAccount[] } };
  const authorization = done.accounts.data[0]?.authorization as string;
  await stripe.rawRequest(
    'POST',
    `/v1/test_helpers/financial_connections/authorizations/${authorization}/simulate`,
    { event: 'consent_expired' },
  );
  const session = (await stripe.rawRequest(
    'POST',
    '/v1/financial_connections/sessions',
    {
      account_holder,
      permissions: ['balances'],
      relink_options: { authorization },
      ui_mode: 'hosted',
      hosted: { delivery_method: 'email', return_url: returnUrl },
    },
    hosted,
  )) as { url: string };
  const found = (await stripe.rawRequest(
    'GET',
    `/v1/financial_connections/authorizations/${authorization}`,
  )) as {
    institution_name: string;
  };
  return { url: session.url, institution: found.institution_name };
}

function logLines(server: Server): Array<Record<string, unknown>> {
  return server
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('hosted link mail in the log', () => {
  test('without --smtp-url the message is logged at info, the only line with the link', async () => {
    const server = await serve(['--data-dir', tempDir()]);
    const { url, institution } = await emailSession(server);
    await waitForOutput(server.stdout, /mail not sent/);
    const logged = logLines(server).filter(
      (line) => line.msg === 'mail not sent (no SMTP server configured): the message',
    );
    assert.deepEqual(
      logged.map((line) => [line.level, line.mail]),
      [
        [
          30,
          {
            to: 'logged@example.com',
            subject: `Default: reconnect your account at ${institution}`,
            link: url,
          },
        ],
      ],
    );
    assert.match(url, new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/hosted/fc/[A-Za-z0-9_-]{32}$`));

    const token = tokenOf(url);
    const opened = await fetch(`http://127.0.0.1:${server.port}/flow/v1/hosted/open`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
    });
    assert.equal(opened.status, 200);
    assert.equal(
      ((await opened.json()) as { publishable_key: string }).publishable_key,
      server.banner.publishableKey,
    );
    await fetch(`http://127.0.0.1:${server.port}/flow/v1/hosted/resend`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
    });
    const withToken = server
      .stdout()
      .split('\n')
      .filter((line) => line.includes(token));
    assert.equal(withToken.length, 1, 'the token is in the mail line only');
    assert.ok(!server.stderr().includes(token));
    assert.equal(await server.stop(), 0);
  });

  test('a failed send fails nothing and is logged without the link', async () => {
    const closed = await freePort();
    const server = await serve(['--data-dir', tempDir(), '--smtp-url', `smtp://127.0.0.1:${closed}`]);
    const { url } = await emailSession(server);
    await waitForOutput(server.stdout, /hosted link mail failed/);
    const failed = logLines(server).filter((line) => line.msg === 'hosted link mail failed');
    assert.equal(failed.length, 1);
    assert.equal(failed[0]?.level, 50);
    assert.match(String(failed[0]?.link), /^fchl_/);
    assert.ok(!server.stdout().includes(tokenOf(url)), 'the link is not in the log');
    assert.ok(!server.stderr().includes(tokenOf(url)));
    assert.equal(await server.stop(), 0);
  });
});
