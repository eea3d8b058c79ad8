import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { numbersOf } from '../../src/bank/sandbox/numbers.ts';
import type { SandboxBankServer } from '../../src/bank/sandbox/server.ts';
import {
  accountIds,
  bankEpoch,
  call,
  institutions,
  sandboxGrant,
  startTestBank,
  useTestBank,
} from './helpers.ts';

const day = 86_400;

describe('sandbox bank: bank-side facts', () => {
  const testBank = useTestBank();
  let bank: SandboxBankServer;
  let base: string;
  before(() => {
    bank = testBank.bank();
    base = bank.url;
  });

  /** A fresh holder with a grant over all accounts of the institution. */
  async function link(institution: string) {
    const token = await sandboxGrant(base, institution);
    assert.equal(token.status, 200, JSON.stringify(token.body));
    const accessToken = String(token.body.access_token);
    const refreshToken = String(token.body.refresh_token);
    const data = (id: string, what: string) =>
      call(base, 'GET', `/accounts/${id}/${what}`, { token: accessToken });
    const refresh = () =>
      call(base, 'POST', '/oauth/token', {
        form: { grant_type: 'refresh_token', refresh_token: refreshToken },
      });
    return {
      token,
      ids: accountIds(token),
      user: String(token.body.bank_user_id),
      accessToken,
      data,
      refresh,
    };
  }

  const control = (path: string) => call(base, 'POST', `/control/${path}`);

  for (const [action, error] of [
    ['expire-consent', 'consent_expired'],
    ['revoke', 'access_revoked'],
    ['require-reauthentication', 'reauthentication_required'],
    ['disconnect', 'holder_disconnected'],
  ] as const) {
    test(`holder fact: ${action} → ${error} on data calls and refresh`, async () => {
      const linked = await link(institutions.test);
      const before = await linked.data(linked.ids.checking ?? '', 'transactions');
      assert.equal(before.status, 200);
      const done = await control(`users/${linked.user}/${action}`);
      assert.deepEqual(done.body, { bank_user_id: linked.user, consents: 1 });
      for (const what of ['balance', 'owners', 'transactions', 'numbers']) {
        const answer = await linked.data(linked.ids.checking ?? '', what);
        assert.deepEqual(
          [answer.status, answer.body.error],
          [403, error],
          `${what}: ${JSON.stringify(answer.body)}`,
        );
      }
      assert.equal((await call(base, 'GET', '/accounts', { token: linked.accessToken })).body.error, error);
      assert.equal((await linked.refresh()).body.error, error);
    });
  }

  test('holder revokes access through the revocation endpoint', async () => {
    const linked = await link(institutions.test);
    const revoked = await call(base, 'POST', '/oauth/revoke', {
      form: { token: String(linked.token.body.refresh_token) },
    });
    assert.deepEqual([revoked.status, revoked.body], [200, {}]);
    assert.equal((await linked.refresh()).body.error, 'access_revoked');
    const again = await call(base, 'POST', '/oauth/revoke', { form: { token: 'rt_unknown' } });
    assert.equal(again.status, 200);
  });

  test('unknown holders and accounts are 404', async () => {
    assert.equal((await control('users/bu_nobody/revoke')).status, 404);
    assert.equal((await control('accounts/acc_nothing/close')).status, 404);
  });

  test('account facts: close, make unavailable, reopen', async () => {
    const linked = await link(institutions.test);
    const id = linked.ids.savings ?? '';
    const closed = await control(`accounts/${id}/close`);
    assert.equal((closed.body.account as { status: string }).status, 'closed');
    assert.deepEqual((await linked.data(id, 'balance')).body.error, 'account_closed');
    assert.equal((await linked.data(id, 'balance')).status, 409);
    const listed = await call(base, 'GET', '/accounts', { token: linked.accessToken });
    const statuses = Object.fromEntries(
      (listed.body.accounts as Array<{ key: string; status: string }>).map((a) => [a.key, a.status]),
    );
    assert.deepEqual(statuses, {
      checking: 'open',
      savings: 'closed',
      'credit-card': 'open',
      'line-of-credit': 'open',
      mortgage: 'open',
    });
    assert.equal(
      (await linked.data(linked.ids.checking ?? '', 'balance')).status,
      200,
      'other accounts unaffected',
    );

    await control(`accounts/${id}/reopen`);
    await control(`accounts/${id}/make-unavailable`);
    const gone = await linked.data(id, 'transactions');
    assert.deepEqual([gone.status, gone.body.error], [404, 'account_unavailable']);
    await control(`accounts/${id}/reopen`);
    assert.equal((await linked.data(id, 'transactions')).status, 200);
  });

  test('Inactive Accounts: the consent expires at the first data call after linking', async () => {
    const linked = await link(institutions.inactive);
    assert.equal(linked.token.body.consent_expires_at, bankEpoch + 90 * day);
    const first = await call(base, 'GET', '/accounts', { token: linked.accessToken });
    assert.deepEqual([first.status, first.body.error], [403, 'consent_expired']);
    assert.equal((await linked.data(linked.ids.checking ?? '', 'balance')).body.error, 'consent_expired');
    assert.equal((await linked.refresh()).body.error, 'consent_expired');
  });

  test('Tokenized Account Numbers: expiry, rotation, deactivation', async () => {
    const linked = await link(institutions.tokenized);
    const numbers = async (id: string) => (await linked.data(id, 'numbers')).body.numbers;
    const checking = linked.ids.checking ?? '';
    assert.deepEqual(await numbers(checking), [
      {
        routing_number: '110000000',
        account_number: '947205318846',
        identifier_type: 'tokenized_account_number',
        status: 'transactable',
        expected_expiry_date: bankEpoch + 90 * day,
        supported_networks: ['ach'],
      },
    ]);
    const now = Number((await call(base, 'GET', '/control/clock')).body.now);
    const rotated = await control(`accounts/${checking}/rotate-numbers`);
    const [fresh] = rotated.body.numbers as Array<Record<string, unknown>>;
    assert.match(String(fresh?.account_number), /^9\d{11}$/);
    assert.notEqual(fresh?.account_number, '947205318846');
    assert.equal(fresh?.expected_expiry_date, now + 90 * day);
    assert.deepEqual(await numbers(checking), rotated.body.numbers);

    await control(`accounts/${checking}/deactivate-numbers`);
    assert.equal(((await numbers(checking)) as Array<{ status: string }>)[0]?.status, 'deactivated');

    // The credit card keeps a plain account number that never expires, and cannot be rotated.
    const card = linked.ids['credit-card'] ?? '';
    assert.deepEqual(await numbers(card), []);
    const refused = await control(`accounts/${card}/rotate-numbers`);
    assert.deepEqual([refused.status, refused.body.error], [409, 'not_supported']);

    // A tokenized number stops working once its expiry date passes, even if nobody deactivated it.
    const held = await bank.context.holders.account(linked.ids.savings ?? '');
    assert.ok(held);
    const at = (t: number) => numbersOf(held.account, held.facts, t)[0]?.status;
    assert.deepEqual(
      [at(bankEpoch + 90 * day - 1), at(bankEpoch + 90 * day)],
      ['transactable', 'deactivated'],
    );
  });

  test('a named holder who consents again gets a new tokenized number', async () => {
    const first = await sandboxGrant(base, institutions.tokenized, ['checking'], 'grace');
    const second = await sandboxGrant(base, institutions.tokenized, ['checking'], 'grace');
    assert.equal(first.body.bank_user_id, second.body.bank_user_id);
    const id = accountIds(first).checking ?? '';
    assert.equal(accountIds(second).checking, id, 'the same holder has the same account ids');
    const one = await call(base, 'GET', `/accounts/${id}/numbers`, {
      token: String(first.body.access_token),
    });
    const two = await call(base, 'GET', `/accounts/${id}/numbers`, {
      token: String(second.body.access_token),
    });
    const numberOf = (a: typeof one) =>
      (a.body.numbers as Array<{ account_number: string }>)[0]?.account_number;
    assert.match(numberOf(two) ?? '', /^9\d{11}$/);
    assert.equal(numberOf(one), numberOf(two), 'both consents see the current number');
    assert.notEqual(numberOf(two), '947205318846');
  });

  test("advancing one holder's time ends that holder's consent only", async () => {
    const moved = await link(institutions.test);
    const still = await link(institutions.test);
    const checking = (l: typeof moved) => l.data(l.ids.checking ?? '', 'balance');
    const clockNow = Number((await call(base, 'GET', '/control/clock')).body.now);
    const half = await call(base, 'POST', `/control/users/${moved.user}/advance`, {
      form: { seconds: String(45 * day) },
    });
    assert.deepEqual(half.body, { bank_user_id: moved.user, now: clockNow + 45 * day });
    const full = await call(base, 'POST', `/control/users/${moved.user}/advance`, {
      json: { seconds: 45 * day },
    });
    assert.equal(full.body.now, clockNow + 90 * day);
    assert.deepEqual(
      [(await checking(moved)).status, (await checking(moved)).body.error],
      [403, 'consent_expired'],
    );
    assert.equal((await checking(still)).status, 200);
    assert.equal(Number((await call(base, 'GET', '/control/clock')).body.now), clockNow);
    for (const seconds of [0, -1, 1.5, 'abc']) {
      const bad = await call(base, 'POST', `/control/users/${still.user}/advance`, { json: { seconds } });
      assert.deepEqual([bad.status, bad.body.error], [400, 'invalid_request'], String(seconds));
    }
    const nobody = await call(base, 'POST', '/control/users/bu_nobody/advance', { json: { seconds: 1 } });
    assert.equal(nobody.status, 404);
  });

  test('the clock can only be set on a bank that owns its clock', async () => {
    const bad = await call(base, 'POST', '/control/clock', { json: { now: 'soon' } });
    assert.deepEqual([bad.status, bad.body.error], [400, 'invalid_request']);
    const driven = await startTestBank({ clock: { now: () => 1_800_000_000 } });
    try {
      assert.deepEqual((await call(driven.url, 'GET', '/control/clock')).body, { now: 1_800_000_000 });
      const refused = await call(driven.url, 'POST', '/control/clock', { json: { now: 1 } });
      assert.deepEqual([refused.status, refused.body.error], [409, 'not_supported']);
      const token = await sandboxGrant(driven.url, institutions.test, ['checking']);
      assert.equal(token.body.access_token_expires_at, 1_800_000_000 + 900);
    } finally {
      await driven.close();
    }
  });
});
