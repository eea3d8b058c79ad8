import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { basicAuthorization } from '../../src/bank/client-auth.ts';
import type { SandboxBankServer } from '../../src/bank/sandbox/server.ts';
import { backends } from '../support/backends.ts';
import { bankUserOf, linkAccounts } from '../support/fc.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import {
  type Answer,
  accountIds,
  adminToken,
  type CallAuth,
  call,
  institutions,
  sandboxGrant,
  testClient,
  testTenant,
  useTestBank,
} from './helpers.ts';

/** Another client registered at the same bank, acting for another merchant. */
const otherClient = { id: 'other-client', secret: `bcs_${'o'.repeat(40)}` };
const otherTenant = 'acct_othertenant';

const anonymous: CallAuth = 'none';
const wrongSecret: CallAuth = {
  header: basicAuthorization({ id: testClient.id, secret: `bcs_${'x'.repeat(40)}` }),
};
const unknownClient: CallAuth = { header: basicAuthorization({ id: 'nobody', secret: testClient.secret }) };
const wrongAdmin: CallAuth = { header: `Bearer admin_${'0'.repeat(48)}` };
const merchantKey: CallAuth = { header: 'Bearer sk_test_0123456789abcdefABCDEF' };
const strangers = { anonymous, wrongSecret, unknownClient, wrongAdmin, merchantKey };

function refusedAsStranger(answer: Answer, who: string, target: string): void {
  assert.deepEqual(
    [answer.status, answer.body.error],
    [401, 'invalid_client'],
    `${who} at ${target}: ${JSON.stringify(answer.body)}`,
  );
}

describe('who may call the sandbox bank', () => {
  const testBank = useTestBank({ clients: [testClient, otherClient] });
  let bank: SandboxBankServer;
  let base: string;
  let ids: Record<string, string>;
  let bankUser: string;
  let accessToken: string;
  let refreshToken: string;
  before(async () => {
    bank = testBank.bank();
    base = bank.url;
    const token = await sandboxGrant(base, institutions.tokenized, undefined, 'ada');
    ids = accountIds(token);
    bankUser = String(token.body.bank_user_id);
    accessToken = String(token.body.access_token);
    refreshToken = String(token.body.refresh_token);
  });

  /** Every endpoint that needs a client or the administrator, with a body that would otherwise act. */
  const guarded = (): Array<[string, Record<string, unknown> | undefined]> => [
    ['/oauth/token', undefined],
    ['/oauth/revoke', undefined],
    ['/sandbox/authorizations', { institution: institutions.test, tenant: testTenant }],
    ...['expire-consent', 'revoke', 'require-reauthentication', 'disconnect'].map(
      (action): [string, Record<string, unknown>] => [
        `/control/users/${bankUser}/${action}`,
        { tenant: testTenant },
      ],
    ),
    [`/control/users/${bankUser}/advance`, { tenant: testTenant, seconds: 86_400 }],
    ...['close', 'make-unavailable', 'reopen', 'rotate-numbers', 'deactivate-numbers'].map(
      (action): [string, Record<string, unknown>] => [
        `/control/accounts/${ids.checking}/${action}`,
        { tenant: testTenant },
      ],
    ),
    ['/control/holders', { tenant: testTenant, institution: institutions.test, username: 'ada' }],
    ['/control/clock', { advance: 86_400 * 400 }],
  ];

  test('strangers reach no endpoint that grants, controls or moves time, and change nothing', async () => {
    const before = await call(base, 'GET', `/accounts/${ids.checking}/numbers`, { token: accessToken });
    for (const [who, auth] of Object.entries(strangers)) {
      for (const [target, json] of guarded()) {
        const answer =
          target === '/oauth/token' || target === '/oauth/revoke'
            ? await call(base, 'POST', target, {
                auth,
                form:
                  target === '/oauth/token'
                    ? { grant_type: 'refresh_token', refresh_token: refreshToken }
                    : { token: refreshToken },
              })
            : await call(base, 'POST', target, { auth, json: json ?? {} });
        refusedAsStranger(answer, who, target);
      }
      refusedAsStranger(await call(base, 'GET', '/control/clock', { auth }), who, 'GET /control/clock');
    }
    // The holder's consent, numbers and time are as they were.
    const after = await call(base, 'GET', `/accounts/${ids.checking}/numbers`, { token: accessToken });
    assert.deepEqual([after.status, after.body], [200, before.body]);
  });

  test('a client reaches only the holders of the tenant it names; only the administrator moves the clock', async () => {
    const asOther = (target: string, json: Record<string, unknown>) =>
      call(base, 'POST', target, { auth: { header: basicAuthorization(otherClient) }, json });
    for (const [target, json] of guarded()) {
      if (!target.startsWith('/control/users') && !target.startsWith('/control/accounts')) continue;
      const answer = await asOther(target, { ...json, tenant: otherTenant });
      assert.deepEqual([answer.status, answer.body.error], [404, 'not_found'], target);
      const unnamed = await asOther(target, { ...json, tenant: undefined });
      assert.deepEqual([unnamed.status, unnamed.body.error], [400, 'invalid_request'], target);
    }
    const clock = await call(base, 'POST', '/control/clock', { auth: 'client', json: { advance: 10 } });
    assert.deepEqual([clock.status, clock.body.error], [403, 'forbidden']);
    // The same username under another tenant is another holder.
    const mine = await call(base, 'POST', '/control/holders', {
      auth: 'client',
      json: { tenant: testTenant, institution: institutions.tokenized, username: 'ada' },
    });
    const theirs = await asOther('/control/holders', {
      tenant: otherTenant,
      institution: institutions.tokenized,
      username: 'ada',
    });
    assert.equal(mine.body.bank_user_id, bankUser);
    assert.notEqual(theirs.body.bank_user_id, bankUser);
    const ok = await call(base, 'GET', `/accounts/${ids.checking}/balance`, { token: accessToken });
    assert.equal(ok.status, 200, 'nothing another client tried reached this holder');
  });

  test('codes and refresh tokens work only for the client they were issued to', async () => {
    const created = await call(base, 'POST', '/sandbox/authorizations', {
      json: { institution: institutions.test, accounts: ['checking'] },
    });
    const code = String(created.body.code);
    const stolen = await call(base, 'POST', '/oauth/token', {
      auth: { header: basicAuthorization(otherClient) },
      form: { grant_type: 'authorization_code', code },
    });
    assert.deepEqual([stolen.status, stolen.body.error], [400, 'invalid_grant']);
    const refreshed = await call(base, 'POST', '/oauth/token', {
      auth: { header: basicAuthorization(otherClient) },
      form: { grant_type: 'refresh_token', refresh_token: refreshToken },
    });
    assert.deepEqual([refreshed.status, refreshed.body.error], [400, 'invalid_grant']);
    const mine = await call(base, 'POST', '/oauth/token', {
      form: { grant_type: 'authorization_code', code },
    });
    assert.equal(mine.status, 200, JSON.stringify(mine.body));
  });

  test('a login hands its code to the client named, never tokens to the caller', async () => {
    const login = await call(base, 'POST', '/login', {
      auth: anonymous,
      json: { institution: institutions.sandboxNonOAuth, username: 'grace', password: 'pw' },
    });
    assert.deepEqual(Object.keys(login.body).sort(), ['code', 'status']);
    const anon = await call(base, 'POST', '/oauth/token', {
      auth: anonymous,
      form: { grant_type: 'authorization_code', code: String(login.body.code) },
    });
    refusedAsStranger(anon, 'anonymous', '/oauth/token');
    const unregistered = await call(base, 'POST', '/login', {
      auth: anonymous,
      json: {
        institution: institutions.sandboxNonOAuth,
        username: 'grace',
        password: 'pw',
        client_id: 'nobody',
      },
    });
    assert.deepEqual([unregistered.status, unregistered.body.error], [400, 'invalid_request']);
  });

  test('the administrator reaches every tenant', async () => {
    const answer = await call(base, 'POST', `/control/users/${bankUser}/advance`, {
      auth: { header: `Bearer ${adminToken}` },
      json: { seconds: 1 },
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(Object.keys(answer.body).sort(), ['bank_user_id', 'now']);
    assert.equal(answer.body.bank_user_id, bankUser);
  });
});

for (const backend of backends) {
  describe(`the sandbox bank inside openfc on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(() => h?.close());

    test('its guarded endpoints refuse strangers and merchants’ API keys; its public pages answer', async () => {
      const linked = await linkAccounts(h, { institution: 'Test Institution' });
      const bankUser = await bankUserOf(h, linked.authorization);
      const base = `${h.url}/sandbox-bank`;
      for (const auth of [
        anonymous,
        { header: `Bearer ${h.secretKey}` },
        { header: `Bearer ${h.publishableKey}` },
      ]) {
        for (const target of [
          `/control/users/${bankUser}/revoke`,
          `/control/users/${bankUser}/advance`,
          '/control/clock',
          '/sandbox/authorizations',
        ]) {
          const answer = await call(base, 'POST', target, { auth, json: { seconds: 1, advance: 1 } });
          refusedAsStranger(answer, 'a stranger', target);
        }
      }
      assert.equal((await fetch(`${base}/health`)).status, 200);
      const account = await h.stripe().financialConnections.accounts.retrieve(linked.accounts[0]?.id ?? '');
      assert.equal(account.status, 'active');
    });
  });
}
