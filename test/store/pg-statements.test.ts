import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type pg from 'pg';
import { postgresPool } from '../../src/store/open.ts';
import { StatementNames } from '../../src/store/pg-statements.ts';
import { backends, type ProvisionedDatabase } from '../support/backends.ts';

/**
 * On PostgreSQL each connection of openfc's pools prepares a statement once and then only binds
 * and runs it; what the server holds prepared is read from `pg_prepared_statements`.
 */
const postgres = backends.find((b) => b.name === 'postgres');

describe('named statements on PostgreSQL', { skip: postgres?.skip }, () => {
  let database: ProvisionedDatabase;
  let pool: pg.Pool;

  /** The statements the connection holds prepared, by text. */
  const prepared = async (client: pg.PoolClient) =>
    (await client.query<{ statement: string }>('select statement from pg_prepared_statements')).rows.map(
      (r) => r.statement,
    );

  before(async () => {
    database = await (postgres as NonNullable<typeof postgres>).provision();
    pool = await postgresPool(database.databaseUrl as string, 2);
    await pool.query('create table things (id text primary key, label text not null)');
    await pool.query("insert into things values ('a', 'first'), ('b', 'second')");
  });

  after(async () => {
    await pool.end();
    await database.drop();
  });

  test('a statement with values is prepared once per connection and answers each run', async () => {
    const text = 'select id, label from things where id = $1';
    const client = await pool.connect();
    try {
      const labels = [];
      for (const id of ['a', 'b', 'a']) labels.push((await client.query(text, [id])).rows[0]?.label);
      assert.deepEqual(labels, ['first', 'second', 'first']);
      assert.deepEqual(
        (await prepared(client)).filter((s) => s === text),
        [text],
      );
    } finally {
      client.release();
    }
  });

  test('a statement whose columns follow the schema stays unnamed, and sees a column added later', async () => {
    const star = 'select * from things where id = $1';
    const listed = 'select id, label from things where id = $1 and label = $2';
    const client = await pool.connect();
    try {
      assert.deepEqual((await client.query(star, ['a'])).rows, [{ id: 'a', label: 'first' }]);
      assert.equal((await client.query(listed, ['a', 'first'])).rowCount, 1);
      // Another connection changes the table, as a migration in another process would.
      const other = await pool.connect();
      try {
        await other.query("alter table things add column note text not null default 'n'");
      } finally {
        other.release();
      }
      assert.deepEqual((await client.query(star, ['a'])).rows, [{ id: 'a', label: 'first', note: 'n' }]);
      assert.deepEqual((await client.query(listed, ['a', 'first'])).rows, [{ id: 'a', label: 'first' }]);
      const held = await prepared(client);
      assert.ok(held.includes(listed));
      assert.ok(!held.includes(star));
    } finally {
      client.release();
    }
  });

  test('a statement that fails to prepare is prepared again on its next run', async () => {
    const text = 'select id, missing_column from things where id = $1';
    const client = await pool.connect();
    try {
      await assert.rejects(client.query(text, ['a']), /missing_column/);
      await client.query('alter table things add column missing_column text');
      assert.deepEqual((await client.query(text, ['a'])).rows, [{ id: 'a', missing_column: null }]);
    } finally {
      client.release();
    }
  });
});

describe('statement names', () => {
  test('the same text has the same name; texts past the limit and texts selecting * have none', () => {
    const names = new StatementNames(7);
    // Many values (a batch of rows) leave a statement unnamed, and take no place among the seven.
    const batch = Array.from({ length: 65 }, (_, i) => `($${i + 1})`).join(', ');
    assert.equal(names.nameOf(`insert into t (a) values ${batch}`, 65), undefined);
    assert.ok(names.nameOf(`insert into t (a) values ($1), ($2)`, 2));
    const first = names.nameOf('select a from t where id = $1', 1);
    assert.ok(first);
    assert.equal(names.nameOf('select a from t where id = $1', 1), first);
    assert.equal(names.nameOf('select * from t where id = $1', 1), undefined);
    assert.equal(
      names.nameOf('select "t".*, "u"."a" from t join u on u.id = t.id where t.id = $1', 1),
      undefined,
    );
    assert.equal(names.nameOf('update t set a = $1 returning *', 1), undefined);
    const counted = names.nameOf('select count(*) from t where id = $1', 1);
    assert.ok(counted);
    const second = names.nameOf('select b from t where id = $1', 1);
    assert.ok(second);
    assert.equal(new Set([first, counted, second]).size, 3);
    // Seven texts seen (the two-row insert among them): an eighth stays unnamed, the named ones keep
    // their names.
    assert.equal(names.nameOf('select c from t where id = $1', 1), undefined);
    assert.equal(names.nameOf('select b from t where id = $1', 1), second);
  });
});
