import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import SQLite from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { type CommitMark, markingDialect, withCommitMark } from '../../src/store/commit-marks.ts';
import { sqliteDialect } from '../../src/store/sqlite-driver.ts';

/**
 * openfc's SQLite driver commits the writes requests make alone at once in one transaction; each
 * still settles as it would alone. Observed through the log: a commit appends every page it
 * changed, so writes committed together append far fewer pages than the same writes one by one.
 */

interface Tables {
  items: { id: string; note: string };
  marks: { id: string; hits: number };
}

describe('SQLite driver: writes made alone, committed together', () => {
  let dir: string;
  let file: string;
  let database: SQLite.Database;
  let db: Kysely<Tables>;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'openfc-sqlite-driver-'));
    file = path.join(dir, 'test.db');
    database = new SQLite(file);
    database.pragma('journal_mode = WAL');
    database.pragma('wal_autocheckpoint = 0');
    db = new Kysely<Tables>({ dialect: markingDialect(sqliteDialect(database)) });
    await sql`create table items (id text primary key, note text not null)`.execute(db);
    await sql`create table marks (id text primary key, hits integer not null)`.execute(db);
    await db.insertInto('marks').values({ id: 'held', hits: 0 }).execute();
  });
  after(async () => {
    await db?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const logBytes = () => statSync(`${file}-wal`).size;
  const insert = (id: string) => db.insertInto('items').values({ id, note: id }).execute();
  const ids = async () =>
    (await db.selectFrom('items').select('id').orderBy('id').execute()).map((r) => r.id);

  test('writes at once append a fraction of the pages the same writes append one by one', async () => {
    const start = logBytes();
    for (let i = 0; i < 20; i++) await insert(`one-${String(i).padStart(2, '0')}`);
    const oneByOne = logBytes() - start;
    const before = logBytes();
    await Promise.all(Array.from({ length: 20 }, (_, i) => insert(`many-${String(i).padStart(2, '0')}`)));
    const together = logBytes() - before;
    assert.ok(together * 5 < oneByOne, `together ${together} bytes, one by one ${oneByOne} bytes`);
    assert.equal((await ids()).filter((id) => id.startsWith('many-')).length, 20);
  });

  test('a write that fails in a group fails alone', async () => {
    await insert('taken');
    const results = await Promise.allSettled([insert('fresh-1'), insert('taken'), insert('fresh-2')]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.match(String((results[1] as PromiseRejectedResult).reason), /UNIQUE constraint failed/);
    const now = await ids();
    assert.ok(now.includes('fresh-1') && now.includes('fresh-2'));
  });

  test("a write alone never joins another request's open transaction", async () => {
    let outside: Promise<unknown> | undefined;
    let outsideDone = false;
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('items').values({ id: 'inside', note: 'inside' }).execute();
        outside = insert('outside').then(() => {
          outsideDone = true;
        });
        await sleep(20);
        assert.equal(outsideDone, false, 'the write alone ran while the transaction was open');
        throw new Error('roll back');
      }),
      /roll back/,
    );
    await outside;
    const now = await ids();
    assert.ok(now.includes('outside'));
    assert.ok(!now.includes('inside'));
  });

  test("a marked write whose mark fails is undone alone; the group's other writes commit", async () => {
    const markOn = (id: string): CommitMark => ({
      statement: () =>
        db
          .updateTable('marks')
          .set((eb) => ({ hits: eb('hits', '+', 1) }))
          .where('id', '=', id)
          .compile(),
      check(changed) {
        if (changed !== 1n) throw new Error(`mark ${id} not held`);
      },
    });
    const results = await Promise.allSettled([
      withCommitMark(markOn('held'), () => insert('marked-kept')),
      withCommitMark(markOn('lost'), () => insert('marked-undone')),
      insert('plain'),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    const now = await ids();
    assert.ok(now.includes('marked-kept') && now.includes('plain'));
    assert.ok(!now.includes('marked-undone'));
    const held = await db
      .selectFrom('marks')
      .select('hits')
      .where('id', '=', 'held')
      .executeTakeFirstOrThrow();
    assert.equal(held.hits, 1);
  });
});
