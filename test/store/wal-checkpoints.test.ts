import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { openStore } from '../../src/store/open.ts';
import { WalCheckpoints, walSizeLimitBytes } from '../../src/store/wal-checkpoints.ts';

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
      // The log is cut back to this size when it starts over.
      const limit = await sql<{ journal_size_limit: number }>`pragma journal_size_limit`.execute(store.db);
      assert.equal(limit.rows[0]?.journal_size_limit, walSizeLimitBytes);

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

  test('under a steady stream of commits the log starts over instead of growing without end', async () => {
    const dataDir = mkdtempSync(path.join(root, 'steady-'));
    const file = path.join(dataDir, 'steady.db');
    // The writing connection as a store opens it, with a 1 MiB limit to cut the log back to; the
    // worker asks it to copy the rest of the log once the log is past 256 pages.
    const db = new SQLite(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('wal_autocheckpoint = 0');
    db.pragma(`journal_size_limit = ${1024 * 1024}`);
    db.exec('create table filler (body text not null)');
    const insert = db.prepare('insert into filler (body) values (?)');
    let restarts = 0;
    const restart = () => {
      restarts++;
      db.pragma('wal_checkpoint(PASSIVE)');
    };
    const checkpoints = new WalCheckpoints(file, () => assert.fail('the worker failed'), restart, {
      watchMs: 10,
      startBytes: 256 * 1024,
      everyMs: 20,
      restartPages: 256,
    });
    let largest = 0;
    let commits = 0;
    try {
      const body = 'x'.repeat(8 * 1024);
      // About 48 MiB of commits, ten at a time, never leaving the log fully copied between them.
      while (commits < 6000) {
        for (let i = 0; i < 10; i++, commits++) insert.run(body);
        largest = Math.max(largest, statSync(`${file}-wal`).size);
        await sleep(0);
      }
      assert.equal(checkpoints.running, true);
      assert.ok(restarts > 0);
    } finally {
      await checkpoints.stop();
    }
    assert.equal((db.prepare('select count(*) as n from filler').get() as { n: number }).n, commits);
    db.close();
    // Without starting over, the log would hold every commit: 48 MiB and more.
    assert.ok(largest < 16 * 1024 * 1024, `the log reached ${largest} bytes`);
  });

  test('a store that writes little never starts the worker', async () => {
    const dataDir = mkdtempSync(path.join(root, 'quiet-'));
    const file = path.join(dataDir, 'openfc.db');
    let fellBack = false;
    const store = openStore({ dataDir });
    await sql`create table small (n integer)`.execute(store.db);
    await sql`insert into small (n) values (1)`.execute(store.db);
    const checkpoints = new WalCheckpoints(
      file,
      () => (fellBack = true),
      () => {},
      { watchMs: 10 },
    );
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
    const checkpoints = new WalCheckpoints(
      file,
      () => (fellBack = true),
      () => {},
      { watchMs: 10, startBytes: 512 },
    );
    try {
      await until('the fall-back', () => fellBack);
      assert.equal(checkpoints.running, false);
    } finally {
      await checkpoints.stop();
    }
  });
});
