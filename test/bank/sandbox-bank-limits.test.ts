import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { basicAuthorization } from '../../src/bank/client-auth.ts';
import { pruneBank } from '../../src/bank/sandbox/prune.ts';
import { type SandboxBankServer, startSandboxBank } from '../../src/bank/sandbox/server.ts';
import {
  adminToken,
  bankEpoch,
  call,
  institutions,
  logInAtBank,
  sandboxGrant,
  testClient,
  useTestBank,
} from './helpers.ts';

async function post(url: string, body: string, contentType: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': contentType, authorization: basicAuthorization(testClient) },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('the sandbox bank bounds what it reads and what it keeps', () => {
  const testBank = useTestBank();
  let bank: SandboxBankServer;
  before(() => {
    bank = testBank.bank();
  });

  test('large, repetitive, deep or prototype-reaching bodies are refused with a clear 4xx', async () => {
    const form = 'application/x-www-form-urlencoded';
    const repeated = await post(`${bank.url}/oauth/token`, 'a[]=b&'.repeat(10_000), form);
    assert.deepEqual([repeated.status, repeated.body.error], [400, 'invalid_request']);
    assert.match(String(repeated.body.message), /at most 250 items|at most 1000 parameters/);
    const many = await post(
      `${bank.url}/oauth/token`,
      Array.from({ length: 1_500 }, (_, i) => `p${i}=1`).join('&'),
      form,
    );
    assert.deepEqual([many.status, many.body.error], [400, 'invalid_request']);
    assert.match(String(many.body.message), /at most 1000 parameters/);
    const deep = await post(`${bank.url}/oauth/token`, 'a[b][c][d][e][f][g]=1', form);
    assert.deepEqual([deep.status, deep.body.error], [400, 'invalid_request']);
    const proto = await post(`${bank.url}/oauth/token`, '__proto__[grant_type]=refresh_token', form);
    assert.deepEqual([proto.status, proto.body.error], [400, 'invalid_request']);
    const big = await post(`${bank.url}/oauth/token`, 'a[]=b&'.repeat(20_000), form);
    assert.deepEqual([big.status, big.body.error], [413, 'invalid_request']);

    const json = 'application/json';
    const nested = await post(
      `${bank.url}/sandbox/authorizations`,
      `${'{"a":'.repeat(20)}1${'}'.repeat(20)}`,
      json,
    );
    assert.deepEqual([nested.status, nested.body.error], [400, 'invalid_request']);
    const poisoned = await post(
      `${bank.url}/sandbox/authorizations`,
      '{"__proto__":{"institution":"x"}}',
      json,
    );
    assert.deepEqual([poisoned.status, poisoned.body.error], [400, 'invalid_request']);
    const constructed = await post(
      `${bank.url}/sandbox/authorizations`,
      '{"constructor":{"prototype":{"tenant":"x"}}}',
      json,
    );
    assert.deepEqual([constructed.status, constructed.body.error], [400, 'invalid_request']);

    // The bank still answers as before.
    const token = await sandboxGrant(bank.url, institutions.test, ['checking']);
    assert.equal(token.status, 200, JSON.stringify(token.body));
  });

  test('expired codes, logins, consent pages and access tokens are forgotten', async () => {
    const db = bank.context.store.db;
    const count = async (table: 'bank_codes' | 'bank_pending' | 'bank_access_tokens' | 'bank_users') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    // Anonymous holders who log in and never finish, and codes never exchanged.
    for (let i = 0; i < 20; i++) {
      await logInAtBank(bank.url, {
        institution: institutions.sandboxNonOAuth,
        username: `u${i}`,
        password: 'mfa',
      });
      await call(bank.url, 'POST', '/sandbox/authorizations', { json: { institution: institutions.test } });
    }
    await sandboxGrant(bank.url, institutions.test, ['checking']);
    const before = {
      codes: await count('bank_codes'),
      pending: await count('bank_pending'),
      tokens: await count('bank_access_tokens'),
      users: await count('bank_users'),
    };
    assert.ok(before.codes >= 21 && before.pending >= 20 && before.tokens >= 1, JSON.stringify(before));

    await pruneBank(db, bankEpoch + 60);
    assert.equal(await count('bank_codes'), before.codes, 'nothing is forgotten before its time');
    await pruneBank(db, bankEpoch + 2 * 86_400);
    assert.deepEqual(
      [await count('bank_codes'), await count('bank_pending'), await count('bank_access_tokens')],
      [0, 0, 0],
    );
    assert.ok((await count('bank_users')) < before.users, 'holders that never consented are forgotten');
  });
});

describe("the bank's own clock", () => {
  test('keeps where the administrator set it across restarts', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'openfc-bank-'));
    const start = () =>
      startSandboxBank({ clients: [testClient], adminToken, store: { dataDir }, clock: undefined });
    try {
      const first = await start();
      const target = Math.floor(Date.now() / 1000) + 30 * 86_400;
      const set = await call(first.url, 'POST', '/control/clock', { json: { now: target } });
      assert.equal(set.status, 200, JSON.stringify(set.body));
      await first.close();
      const second = await start();
      try {
        const now = Number((await call(second.url, 'GET', '/control/clock')).body.now);
        assert.ok(now >= target && now < target + 60, `the clock reads ${now}, set to ${target}`);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
