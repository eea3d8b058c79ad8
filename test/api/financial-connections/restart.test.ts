import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type Stripe from 'stripe';
import { bankFileName, bankSchema } from '../../../src/bank/sandbox/store/open.ts';
import { backends, type ProvisionedDatabase } from '../../support/backends.ts';
import { eventually } from '../../support/eventually.ts';
import { body, linkAccounts, refreshBalance } from '../../support/fc.ts';
import { type Harness, startHarnessOn } from '../../support/harness.ts';
import { assertMatchesSchema } from '../../support/stripe-schemas.ts';

/** Advances the merchant's sandbox clock and checks it moved by exactly `seconds`. */
async function advanceBy(stripe: Stripe, seconds: number): Promise<void> {
  type Clock = { offset_seconds: number };
  const before = (await stripe.rawRequest('GET', '/v1/test_helpers/sandbox_clock', {})) as unknown as Clock;
  const after = (await stripe.rawRequest('POST', '/v1/test_helpers/sandbox_clock/advance', {
    seconds,
  })) as unknown as Clock;
  assert.equal(after.offset_seconds, before.offset_seconds + seconds);
}

for (const backend of backends) {
  describe(`linked accounts across restarts on ${backend.name}`, { skip: backend.skip }, () => {
    let database: ProvisionedDatabase;
    const running: Harness[] = [];
    let keys: Record<string, string> = {};
    const start = async (flags: Record<string, string> = {}) => {
      const h = await startHarnessOn(database, { ...keys, ...flags });
      // Later processes use the keys the first one made (PostgreSQL keeps only their digests).
      keys = { secretKey: h.secretKey, publishableKey: h.publishableKey };
      running.push(h);
      return h;
    };
    const stop = async (h: Harness) => {
      running.splice(running.indexOf(h), 1);
      await h.close();
    };
    before(async () => {
      database = await backend.provision();
    });
    after(async () => {
      for (const h of running) await h.close();
      await database?.drop();
    });

    test('a restart keeps every connection: scheduler passes, refreshes, simulate helpers and the clock', async () => {
      const first = await start();
      const linked = await linkAccounts(first, { institution: 'Test Institution' });
      const [one = '', two = ''] = linked.accounts.map((a) => a.id);
      await stop(first);

      // Every second a scheduler pass checks each connection at the bank.
      const second = await start({ schedulerInterval: '1', bankCheckInterval: '1' });
      const stripe = second.stripe();
      const checkedAt = async () =>
        (
          await second.running.store.db
            .selectFrom('fc_authorizations')
            .select('bank_checked_at')
            .where('id', '=', linked.authorization)
            .executeTakeFirstOrThrow()
        ).bank_checked_at;
      await eventually('a scheduled bank check', checkedAt, (at) => at !== null);
      const afterCheck = await stripe.financialConnections.accounts.retrieve(one);
      assertMatchesSchema('financial_connections.account', body(afterCheck));
      assert.deepEqual([afterCheck.status, afterCheck.status_details], ['active', {}]);

      assert.equal((await refreshBalance(stripe, one)).balance_refresh?.status, 'succeeded');

      await advanceBy(stripe, 3600);
      const closed = (await stripe.rawRequest(
        'POST',
        `/v1/test_helpers/financial_connections/accounts/${two}/simulate`,
        { event: 'account_closed' },
      )) as { status: string; status_details: unknown };
      assert.deepEqual(
        { status: closed.status, status_details: closed.status_details },
        { status: 'inactive', status_details: { inactive: { cause: 'account_closed', action: 'none' } } },
      );
      const revoked = (await stripe.rawRequest(
        'POST',
        `/v1/test_helpers/financial_connections/authorizations/${linked.authorization}/simulate`,
        { event: 'access_revoked' },
      )) as { status: string };
      assert.equal(revoked.status, 'inactive');
      const denied = await stripe.financialConnections.accounts.retrieve(one);
      assertMatchesSchema('financial_connections.account', body(denied));
      assert.deepEqual(
        { status: denied.status, status_details: denied.status_details },
        {
          status: 'inactive',
          status_details: { inactive: { cause: 'access_denied', action: 'relink_required' } },
        },
      );
      await stop(second);
    });

    test('a bank that lost its records is reported, and no connection is broken for it', async () => {
      const first = await start();
      const linked = await linkAccounts(first, { institution: 'Test Institution' });
      const account = linked.accounts[0]?.id ?? '';
      await stop(first);

      // The bank's store is wiped while openfc is stopped.
      if (database.databaseUrl) {
        const client = new pg.Client({ connectionString: database.databaseUrl });
        await client.connect();
        await client.query(`drop schema ${bankSchema} cascade`);
        await client.end();
      } else {
        for (const suffix of ['', '-wal', '-shm'])
          rmSync(path.join(database.dataDir, `${bankFileName}${suffix}`), { force: true });
      }

      const second = await start();
      const stripe = second.stripe();
      const after = await refreshBalance(stripe, account);
      assert.deepEqual([after.status, after.balance_refresh?.status], ['active', 'failed']);
      await assert.rejects(
        stripe.rawRequest(
          'POST',
          `/v1/test_helpers/financial_connections/authorizations/${linked.authorization}/simulate`,
          {
            event: 'access_revoked',
          },
        ),
        (error: { statusCode?: number; message?: string }) => {
          assert.equal(error.statusCode, 400);
          assert.match(error.message ?? '', /lost its records/);
          return true;
        },
      );
      await advanceBy(stripe, 60);
      const still = await stripe.financialConnections.accounts.retrieve(account);
      assert.deepEqual([still.status, still.status_details], ['active', {}]);
      await stop(second);
    });

    const onPostgres = backend.name === 'postgres' ? false : 'processes share a PostgreSQL database';
    test('two processes on one database reach the same bank', { skip: onPostgres }, async () => {
      const one = await start();
      const two = await start();
      const linked = await linkAccounts(one, { institution: 'Test Institution' });
      const account = linked.accounts[0]?.id ?? '';
      const other = two.stripe();
      assert.equal((await refreshBalance(other, account)).balance_refresh?.status, 'succeeded');
      const closed = (await other.rawRequest(
        'POST',
        `/v1/test_helpers/financial_connections/accounts/${account}/simulate`,
        { event: 'account_closed' },
      )) as { status: string; status_details: unknown };
      assert.deepEqual(
        { status: closed.status, status_details: closed.status_details },
        { status: 'inactive', status_details: { inactive: { cause: 'account_closed', action: 'none' } } },
      );
      // The first process sees what the second one noticed.
      const seen = await one.stripe().financialConnections.accounts.retrieve(account);
      assertMatchesSchema('financial_connections.account', body(seen));
      assert.equal(seen.status, 'inactive');
      await stop(one);
      await stop(two);
    });
  });
}
