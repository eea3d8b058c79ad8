import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { SandboxBankServer } from '../../src/bank/sandbox/server.ts';
import {
  accountIds,
  approveInBrowser,
  authorizeUrl,
  bankEpoch,
  call,
  institutions,
  logInAtBank,
  pkce,
  sandboxGrant,
  testTenant,
  useTestBank,
} from './helpers.ts';

const redirectUri = 'http://127.0.0.1:9/callback?from=openfc';
const day = 86_400;

describe('sandbox bank over HTTP', () => {
  const testBank = useTestBank();
  let bank: SandboxBankServer;
  let base: string;
  before(() => {
    bank = testBank.bank();
    base = bank.url;
  });

  test('OAuth authorization-code flow with PKCE and state', async () => {
    const { verifier, challenge } = pkce();
    const url = authorizeUrl(base, {
      institution: institutions.testOAuth,
      redirectUri,
      state: 'st-1',
      challenge,
    });

    const page = await fetch(url);
    const html = await page.text();
    assert.equal(page.status, 200, html);
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    assert.match(page.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.match(html, /Test OAuth Institution/);
    assert.match(html, /value="checking" checked> Success ••••6789/);

    const back = await approveInBrowser(url, ['checking', 'savings']);
    assert.equal(`${back.origin}${back.pathname}`, 'http://127.0.0.1:9/callback');
    assert.equal(back.searchParams.get('from'), 'openfc');
    // The bank echoes state untouched; comparing it with what it sent is the client's job.
    assert.equal(back.searchParams.get('state'), 'st-1');
    const code = back.searchParams.get('code') ?? '';
    assert.match(code, /^code_/);

    const exchange = (form: Record<string, string>) =>
      call(base, 'POST', '/oauth/token', {
        form: { grant_type: 'authorization_code', code, redirect_uri: redirectUri, ...form },
      });

    const wrongVerifier = await exchange({ code_verifier: pkce().verifier });
    assert.deepEqual(wrongVerifier.status, 400);
    assert.equal(wrongVerifier.body.error, 'invalid_grant', JSON.stringify(wrongVerifier.body));
    const noVerifier = await exchange({});
    assert.equal(noVerifier.body.error, 'invalid_grant');
    const wrongRedirect = await exchange({
      code_verifier: verifier,
      redirect_uri: 'http://127.0.0.1:9/other',
    });
    assert.equal(wrongRedirect.body.error, 'invalid_grant');

    const token = await exchange({ code_verifier: verifier });
    assert.equal(token.status, 200, JSON.stringify(token.body));
    assert.equal(token.headers.get('cache-control'), 'no-store');
    const ids = accountIds(token);
    assert.deepEqual(
      {
        ...token.body,
        access_token: undefined,
        refresh_token: undefined,
        bank_user_id: undefined,
        accounts: undefined,
      },
      {
        access_token: undefined,
        token_type: 'Bearer',
        expires_in: 900,
        access_token_expires_at: bankEpoch + 900,
        refresh_token: undefined,
        consent_expires_at: bankEpoch + 90 * day,
        bank_user_id: undefined,
        bank_instance: testBank.bank().context.store.instance,
        accounts: undefined,
      },
    );
    assert.deepEqual(token.body.accounts, [
      {
        id: ids.checking,
        key: 'checking',
        name: 'Success',
        category: 'cash',
        subcategory: 'checking',
        last4: '6789',
        status: 'open',
        supported_payment_method_types: ['us_bank_account', 'link'],
        currency: 'usd',
      },
      {
        id: ids.savings,
        key: 'savings',
        name: 'High Yield Savings',
        category: 'cash',
        subcategory: 'savings',
        last4: '4321',
        status: 'open',
        supported_payment_method_types: ['us_bank_account', 'link'],
        currency: 'usd',
      },
    ]);
    const accessToken = String(token.body.access_token);
    const listed = await call(base, 'GET', '/accounts', { token: accessToken });
    assert.deepEqual(listed.body, { accounts: token.body.accounts });

    // A code presented twice is refused, and what was issued for it stops working.
    const reused = await exchange({ code_verifier: verifier });
    assert.equal(reused.body.error, 'invalid_grant');
    const afterReuse = await call(base, 'GET', '/accounts', { token: accessToken });
    assert.deepEqual([afterReuse.status, afterReuse.body.error], [403, 'access_revoked']);
  });

  test('OAuth: a denied consent and malformed authorization requests', async () => {
    const { challenge } = pkce();
    const url = authorizeUrl(base, {
      institution: institutions.sandboxOAuth,
      redirectUri,
      state: 'st-2',
      challenge,
    });
    const denied = await approveInBrowser(url, [], 'deny');
    assert.deepEqual(Object.fromEntries(denied.searchParams), {
      from: 'openfc',
      error: 'access_denied',
      state: 'st-2',
    });

    const noPkce = await fetch(url.replace('code_challenge_method=S256', 'code_challenge_method=plain'));
    assert.equal(noPkce.status, 400);
    assert.match(await noPkce.text(), /PKCE is required/);
    const badRedirect = await fetch(url.replace(encodeURIComponent(redirectUri), 'javascript%3Aalert(1)'));
    assert.equal(badRedirect.status, 400);
    assert.equal(badRedirect.headers.get('location'), null);
    const credentialsBank = await fetch(url.replace(institutions.sandboxOAuth, institutions.sandboxNonOAuth));
    assert.equal(credentialsBank.status, 400);
  });

  test('access tokens expire and refresh; the consent ends after 90 days', async () => {
    const token = await sandboxGrant(base, institutions.test, ['checking']);
    const { checking } = accountIds(token);
    const balance = (accessToken: unknown) =>
      call(base, 'GET', `/accounts/${checking}/balance`, { token: String(accessToken) });
    assert.equal((await balance(token.body.access_token)).status, 200);

    await call(base, 'POST', '/control/clock', { json: { advance: 901 } });
    const expired = await balance(token.body.access_token);
    assert.deepEqual([expired.status, expired.body.error], [401, 'access_token_expired']);

    const refreshed = await call(base, 'POST', '/oauth/token', {
      form: { grant_type: 'refresh_token', refresh_token: String(token.body.refresh_token) },
    });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    assert.notEqual(refreshed.body.access_token, token.body.access_token);
    assert.equal(refreshed.body.refresh_token, token.body.refresh_token);
    assert.equal(refreshed.body.consent_expires_at, token.body.consent_expires_at);
    assert.equal(refreshed.body.accounts, undefined);
    assert.equal((await balance(refreshed.body.access_token)).status, 200);

    const clock = await call(base, 'GET', '/control/clock');
    await call(base, 'POST', '/control/clock', { json: { now: Number(token.body.consent_expires_at) } });
    assert.equal((await call(base, 'GET', '/control/clock')).body.now, token.body.consent_expires_at);
    const ended = await call(base, 'POST', '/oauth/token', {
      form: { grant_type: 'refresh_token', refresh_token: String(token.body.refresh_token) },
    });
    assert.deepEqual([ended.status, ended.body.error], [403, 'consent_expired']);
    assert.equal((await balance(refreshed.body.access_token)).body.error, 'consent_expired');
    await call(base, 'POST', '/control/clock', { json: { now: clock.body.now } });
  });

  test('Sandbox Bank (Non-OAuth) honours the magic inputs', async () => {
    const login = (json: Record<string, string>) =>
      logInAtBank(base, { institution: institutions.sandboxNonOAuth, ...json });

    const plain = await login({ username: 'ada', password: 'hunter2' });
    assert.equal(plain.body.status, 'authorized', JSON.stringify(plain.body));
    const token = plain.body.token as Record<string, unknown>;
    assert.deepEqual(
      (token.accounts as Array<{ key: string }>).map((a) => a.key),
      ['checking', 'business-checking', 'savings', 'credit-card'],
    );

    assert.deepEqual(
      (await login({ username: 'ada', password: 'incorrect' })).body.error,
      'invalid_credentials',
    );
    assert.deepEqual((await login({ username: 'error', password: 'x' })).body.error, 'login_failed');
    assert.deepEqual((await login({ username: 'ada', password: '' })).body.error, 'invalid_credentials');

    const first = await login({ username: 'ada', password: 'options' });
    assert.deepEqual(
      { ...first.body, login_id: undefined },
      {
        status: 'prompt',
        login_id: undefined,
        prompt: {
          kind: 'options',
          message: 'Where should we send your one-time code?',
          options: ['Text message to (•••) •••-0123', 'Email to a•••@example.com'],
        },
      },
    );
    const loginId = String(first.body.login_id);
    const answer = (value: string) => logInAtBank(base, { login_id: loginId, answer: value });
    assert.deepEqual((await answer('mfa')).body.prompt, {
      kind: 'mfa',
      message: 'Enter the one-time code we sent you.',
    });
    assert.equal(((await answer('confirm_mfa')).body.prompt as { kind: string }).kind, 'confirm_mfa');
    const wrong = await answer('incorrect');
    assert.deepEqual([wrong.status, wrong.body.error], [401, 'invalid_credentials']);
    assert.equal(
      ((await answer('security_question')).body.prompt as { kind: string }).kind,
      'security_question',
    );
    const done = await answer('Rex');
    assert.equal(done.body.status, 'authorized', JSON.stringify(done.body));
    assert.equal(
      (done.body.token as { bank_user_id: string }).bank_user_id,
      token.bank_user_id,
      'the same username is the same holder',
    );
    assert.equal(
      (await answer('Rex')).body.error,
      'login_failed',
      'a finished login cannot be answered again',
    );

    const ended = await login({ username: 'ada', password: 'mfa' });
    const endedId = String(ended.body.login_id);
    assert.equal(
      (await call(base, 'POST', '/login', { json: { login_id: endedId, answer: 'error' } })).body.error,
      'login_failed',
    );
    assert.equal(
      (await call(base, 'POST', '/login', { json: { login_id: endedId, answer: '123456' } })).body.error,
      'login_failed',
    );

    const oauthOnly = await call(base, 'POST', '/login', { json: { institution: institutions.testOAuth } });
    assert.deepEqual([oauthOnly.status, oauthOnly.body.error], [400, 'invalid_request']);
    const noLogin = await call(base, 'POST', '/login', { json: { institution: institutions.test } });
    assert.equal(noLogin.body.status, 'authorized');
  });

  test('names every object inherits are ordinary passwords and answers, not magic inputs', async () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const login = await call(base, 'POST', '/login', {
        json: { institution: institutions.sandboxNonOAuth, username: 'ada', password: name },
      });
      assert.deepEqual([login.status, login.body.status], [200, 'authorized'], JSON.stringify(login.body));

      const asked = await call(base, 'POST', '/login', {
        json: { institution: institutions.sandboxNonOAuth, username: 'ada', password: 'mfa' },
      });
      const answered = await call(base, 'POST', '/login', {
        json: { login_id: String(asked.body.login_id), answer: name },
      });
      assert.deepEqual(
        [answered.status, answered.body.status],
        [200, 'authorized'],
        `${name}: ${JSON.stringify(answered.body)}`,
      );
    }
  });

  test('the holders control names the holder a username logs in as', async () => {
    const holder = (json: Record<string, string>) =>
      call(base, 'POST', '/control/holders', { json: { tenant: testTenant, ...json } });
    const named = await holder({ institution: institutions.sandboxNonOAuth, username: 'grace' });
    assert.equal(named.status, 200, JSON.stringify(named.body));
    const login = await logInAtBank(base, {
      institution: institutions.sandboxNonOAuth,
      username: 'grace',
      password: 'x',
    });
    const token = login.body.token as { bank_user_id: string };
    assert.deepEqual(named.body, { bank_user_id: token.bank_user_id });
    const again = await holder({ institution: institutions.sandboxNonOAuth, username: token.bank_user_id });
    assert.deepEqual(again.body, named.body, 'the bank id names the same holder');
    const other = await holder({ institution: institutions.sandboxNonOAuth, username: 'ada' });
    assert.notDeepEqual(other.body, named.body);
    assert.equal((await holder({ institution: institutions.sandboxNonOAuth })).status, 400);
    assert.equal((await holder({ username: 'grace' })).status, 400);
  });

  test('down banks refuse logins, codes and tokens', async () => {
    for (const path of ['/login', '/sandbox/authorizations']) {
      const scheduled = await call(base, 'POST', path, { json: { institution: institutions.downScheduled } });
      const now = Number((await call(base, 'GET', '/control/clock')).body.now);
      assert.deepEqual(
        [scheduled.status, scheduled.body.error, scheduled.body.expected_available_at],
        [503, 'institution_unavailable', now + 7200],
      );
      const unscheduled = await call(base, 'POST', path, {
        json: { institution: institutions.downUnscheduled },
      });
      assert.deepEqual([unscheduled.status, unscheduled.body.error], [503, 'institution_unavailable']);
      assert.equal(unscheduled.body.expected_available_at, undefined);
      const broken = await call(base, 'POST', path, { json: { institution: institutions.downError } });
      assert.deepEqual([broken.status, broken.body.error], [500, 'server_error']);
    }
  });

  test('data calls need a valid token and an account under the consent', async () => {
    const token = await sandboxGrant(base, institutions.test, ['checking']);
    const { checking } = accountIds(token);
    const none = await call(base, 'GET', '/accounts');
    assert.deepEqual([none.status, none.body.error], [401, 'invalid_token']);
    const made_up = await call(base, 'GET', '/accounts', { token: 'at_madeup' });
    assert.deepEqual([made_up.status, made_up.body.error], [401, 'invalid_token']);
    const other = await sandboxGrant(base, institutions.test, ['savings']);
    const { savings } = accountIds(other);
    const notShared = await call(base, 'GET', `/accounts/${savings}/balance`, {
      token: String(token.body.access_token),
    });
    assert.deepEqual([notShared.status, notShared.body.error], [404, 'account_unavailable']);
    const ok = await call(base, 'GET', `/accounts/${checking}/owners`, {
      token: String(token.body.access_token),
    });
    assert.equal(ok.status, 200);
    const unknown = await call(base, 'GET', '/nowhere');
    assert.deepEqual([unknown.status, unknown.body.error], [404, 'not_found']);
  });
});
