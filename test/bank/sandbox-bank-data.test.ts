import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { fixedClock } from '../../src/bank/sandbox/clock.ts';
import {
  createBankContext,
  defaultSandboxBankPrefix,
  sandboxBankPlugin,
} from '../../src/bank/sandbox/plugin.ts';
import type { SandboxBankServer } from '../../src/bank/sandbox/server.ts';
import { type BankStore, openBankStore } from '../../src/bank/sandbox/store/open.ts';
import {
  accountIds,
  adminToken,
  bankEpoch,
  call,
  institutions,
  sandboxGrant,
  startTestBank,
  testClient,
} from './helpers.ts';

const day = 86_400;

/** Everything one holder's account reports, read through the data API. */
async function snapshot(base: string, institution: string, key: string, holder: string) {
  const token = await sandboxGrant(base, institution, [key], holder);
  const id = accountIds(token)[key] ?? '';
  const read = async (what: string) =>
    (await call(base, 'GET', `/accounts/${id}/${what}`, { token: String(token.body.access_token) })).body;
  return {
    id,
    balance: await read('balance'),
    owners: (await read('owners')).owners,
    transactions: (await read('transactions')).transactions as Array<Record<string, unknown>>,
    numbers: (await read('numbers')).numbers,
  };
}

describe('sandbox bank: seeded data', () => {
  let one: SandboxBankServer;
  let two: SandboxBankServer;
  before(async () => {
    // One after the other: if the second fails to start, `after` still closes the first.
    one = await startTestBank();
    two = await startTestBank();
  });
  after(async () => {
    await one?.close();
    await two?.close();
  });

  test('two bank instances report the same data for the same holder', async () => {
    const a = await snapshot(one.url, institutions.test, 'checking', 'ada');
    const b = await snapshot(two.url, institutions.test, 'checking', 'ada');
    assert.deepEqual(a, b);
    const other = await snapshot(one.url, institutions.test, 'savings', 'ada');
    assert.notDeepEqual(other.transactions, a.transactions);
  });

  test('about 90 days of realistic transactions, newest first, pending then posted', async () => {
    const { transactions, balance, owners, numbers } = await snapshot(
      one.url,
      institutions.test,
      'checking',
      'ada',
    );
    assert.ok(transactions.length > 90 && transactions.length < 400, `${transactions.length} transactions`);
    const times = transactions.map((t) => Number(t.transacted_at));
    assert.deepEqual(
      times,
      [...times].sort((x, y) => y - x),
    );
    assert.ok(Math.min(...times) >= bankEpoch - 90 * day && Math.max(...times) <= bankEpoch);
    assert.ok(Math.min(...times) < bankEpoch - 85 * day, 'history reaches back about 90 days');
    const pending = transactions.filter((t) => t.status === 'pending');
    assert.ok(pending.length >= 1 && pending.length <= 5, `${pending.length} pending`);
    for (const t of pending) assert.equal(t.posted_at, null);
    for (const t of transactions.filter((t) => t.status === 'posted')) {
      assert.ok(Number(t.posted_at) > Number(t.transacted_at) && Number(t.posted_at) <= bankEpoch);
    }
    assert.ok(transactions.some((t) => t.description === 'ACME Corp Payroll' && Number(t.amount) > 0));
    assert.ok(transactions.some((t) => Number(t.amount) < 0));
    assert.equal(new Set(transactions.map((t) => t.id)).size, transactions.length);

    assert.equal((balance as { type: string }).type, 'cash');
    const { current, available } = balance as { current: number; available: number };
    assert.ok(available <= current && current > 0);
    assert.equal((owners as unknown[]).length, 1);
    assert.deepEqual(Object.keys((owners as object[])[0] ?? {}), ['name', 'email', 'phone', 'address']);
    assert.deepEqual(numbers, [
      {
        routing_number: '110000000',
        account_number: '100100006789',
        identifier_type: 'account_number',
        status: 'transactable',
        expected_expiry_date: null,
        supported_networks: ['ach'],
      },
    ]);
  });

  test('transactions since a time: only what appeared or posted since', async () => {
    const token = await sandboxGrant(one.url, institutions.test, ['checking'], 'ada');
    const id = accountIds(token).checking;
    const list = async (query: string) =>
      (
        await call(one.url, 'GET', `/accounts/${id}/transactions${query}`, {
          token: String(token.body.access_token),
        })
      ).body.transactions as Array<{ status: string; transacted_at: number; posted_at: number | null }>;
    const since = bankEpoch - 10 * day;
    const recent = await list(`?since=${since}`);
    const all = await list('');
    assert.ok(recent.length > 0 && recent.length < all.length);
    for (const t of recent) assert.ok((t.posted_at ?? t.transacted_at) >= since);
    const bad = await call(one.url, 'GET', `/accounts/${id}/transactions?since=yesterday`, {
      token: String(token.body.access_token),
    });
    assert.deepEqual([bad.status, bad.body.error], [400, 'invalid_request']);
  });

  test('credit accounts report what is owed', async () => {
    const { balance, transactions } = await snapshot(one.url, institutions.test, 'credit-card', 'ada');
    const { type, current, used } = balance as { type: string; current: number; used: number };
    assert.deepEqual([type, current], ['credit', -used]);
    assert.ok(used > 0);
    assert.ok(transactions.some((t) => t.description === 'Payment - Thank You'));
  });

  test('Ownership Accounts: owners in several states', async () => {
    const owners = async (key: string) =>
      (await snapshot(one.url, institutions.ownership, key, 'owner')).owners as Array<
        Record<string, string | null>
      >;
    const single = await owners('checking-single-owner');
    assert.equal(single.length, 1);
    assert.ok(Object.values(single[0] ?? {}).every((v) => typeof v === 'string' && v !== ''));
    const joint = await owners('checking-joint-owners');
    assert.equal(joint.length, 3);
    assert.deepEqual(
      joint.map((o) => [o.email === null, o.phone === null, o.address === null]),
      [
        [false, false, false],
        [true, false, false],
        [false, true, true],
      ],
    );
    assert.deepEqual(await owners('savings-no-owner-data'), []);
    const bare = await owners('credit-card');
    assert.deepEqual({ ...bare[0], name: null }, { name: null, email: null, phone: null, address: null });
  });

  test('Invalid Payment Accounts report no account numbers', async () => {
    const { numbers } = await snapshot(one.url, institutions.invalidPayment, 'checking', 'x');
    assert.deepEqual(numbers, []);
  });
});

describe('sandbox bank inside a server that parses nothing itself', () => {
  let app: FastifyInstance;
  let base: string;
  let store: BankStore;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'openfc-bank-'));
  before(async () => {
    store = await openBankStore({ dataDir });
    const context = await createBankContext(store, {
      clock: fixedClock(bankEpoch),
      clients: [testClient],
      adminToken,
    });
    // Like openfc's API server: no query parsing, no JSON parser, its own error and 404 handlers.
    app = Fastify({ routerOptions: { querystringParser: () => ({}) } });
    app.removeAllContentTypeParsers();
    app.setNotFoundHandler(async (_request, reply) => reply.code(404).send({ stripe: true }));
    app.setErrorHandler(async (_error, _request, reply) => reply.code(500).send({ stripe: true }));
    await app.register(sandboxBankPlugin, { prefix: defaultSandboxBankPrefix, context });
    base = `${await app.listen({ port: 0, host: '127.0.0.1' })}${defaultSandboxBankPrefix}`;
  });
  after(async () => {
    await app?.close();
    await store?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('serves the whole flow under its prefix', async () => {
    const token = await sandboxGrant(base, institutions.test, ['checking']);
    assert.equal(token.status, 200, JSON.stringify(token.body));
    const id = accountIds(token).checking;
    const recent = await call(base, 'GET', `/accounts/${id}/transactions?since=${bankEpoch - day}`, {
      token: String(token.body.access_token),
    });
    assert.equal(recent.status, 200);
    assert.ok((recent.body.transactions as unknown[]).length < 10);
    const malformed = await fetch(`${base}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    assert.deepEqual(
      [malformed.status, ((await malformed.json()) as { error: string }).error],
      [400, 'invalid_request'],
    );
    assert.deepEqual((await call(base, 'GET', '/missing')).body.error, 'not_found');
    assert.deepEqual((await call(base.replace(defaultSandboxBankPrefix, ''), 'GET', '/missing')).body, {
      stripe: true,
    });
  });
});
