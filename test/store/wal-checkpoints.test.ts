import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { openStore } from '../../src/store/open.ts';
import { WalCheckpoints } from '../../src/store/wal-checkpoints.ts';

/**
 * SQLite's write-ahead log is checkpointed by a worker thread, never within a commit on the event
 * loop: the log's pages reach the database file while the process only waits.
 */

const root = mkdtempSync(path.join(tmpdir(), 'openfc-wal-'));
after(() => rmSync(root, { recursive: true, force: true }));

async function until(what: string, check: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) assert.fail(`${what} did not happen within ${ms} ms`);
    await sleep(50);
  }
}

describe('SQLite checkpoints', () => {
  test('a commit never checkpoints; a worker copies the log into the database once it has grown', async () => {
    const dataDir = mkdtempSync(path.join(root, 'store-'));
    const file = path.join(dataDir, 'openfc.db');
    const store = openStore({ dataDir });
    try {
      const setting = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(store.db);
      assert.equal(setting.rows[0]?.wal_autocheckpoint, 0);

      await sql`create table filler (body text not null)`.execute(store.db);
      // 6 MiB in one commit: past the 4 MiB from which the worker starts.
      const body = 'x'.repeat(64 * 1024);
      await store.db.transaction().execute(async (trx) => {
        for (let i = 0; i < 96; i++) await sql`insert into filler (body) values (${body})`.execute(trx);
      });
      // Every page is still in the log: the commit did not checkpoint.
      assert.ok(statSync(file).size < 1024 * 1024, `database file is ${statSync(file).size} bytes`);
      assert.ok(statSync(`${file}-wal`).size > 6 * 1024 * 1024);

      await until('the database file holding the log’s pages', () => statSync(file).size > 6 * 1024 * 1024);
      const rows = await sql<{ n: number }>`select count(*) as n from filler`.execute(store.db);
      assert.equal(rows.rows[0]?.n, 96);
    } finally {
      await store.close();
    }
    // The worker's connection was closed first, so closing the store's checkpointed and removed the log.
    assert.equal(existsSync(`${file}-wal`), false);
    const reopened = openStore({ dataDir });
    try {
      const rows = await sql<{ n: number }>`select count(*) as n from filler`.execute(reopened.db);
      assert.equal(rows.rows[0]?.n, 96);
    } finally {
      await reopened.close();
    }
  });

  test('a store that writes little never starts the worker', async () => {
    const dataDir = mkdtempSync(path.join(root, 'quiet-'));
    const file = path.join(dataDir, 'openfc.db');
    let fellBack = false;
    const store = openStore({ dataDir });
    await sql`create table small (n integer)`.execute(store.db);
    await sql`insert into small (n) values (1)`.execute(store.db);
    const checkpoints = new WalCheckpoints(file, () => (fellBack = true), { watchMs: 10 });
    await sleep(100);
    assert.equal(checkpoints.running, false);
    await checkpoints.stop();
    await store.close();
    assert.equal(fellBack, false);
  });

  test('a worker that cannot open the database turns SQLite’s own checkpoints back on', async () => {
    const dataDir = mkdtempSync(path.join(root, 'broken-'));
    const file = path.join(dataDir, 'missing.db');
    // A log without its database: the worker's connection refuses to open.
    writeFileSync(`${file}-wal`, Buffer.alloc(1024));
    let fellBack = false;
    const checkpoints = new WalCheckpoints(file, () => (fellBack = true), { watchMs: 10, startBytes: 512 });
    try {
      await until('the fall-back', () => fellBack);
      assert.equal(checkpoints.running, false);
    } finally {
      await checkpoints.stop();
    }
  });
});
