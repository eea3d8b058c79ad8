import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openStore, withoutPassword } from '../../src/store/open.ts';
import { backends, type ProvisionedDatabase, postgresAdminUrl } from '../support/backends.ts';

/**
 * openfc takes the PostgreSQL URLs PostgreSQL's clients take, a Unix socket's included, and shows
 * them without their password.
 */
const postgres = backends.find((b) => b.name === 'postgres');
const databases: ProvisionedDatabase[] = [];

after(async () => {
  for (const database of databases) await database.drop();
});

describe('PostgreSQL URLs', () => {
  test('shown without the password, whatever their form', () => {
    const cases: [string, string][] = [
      ['postgres://me:s3cret@db.example:5432/openfc', 'postgres://me@db.example:5432/openfc'],
      [
        'postgresql://me:p@ss:w0rd@127.0.0.1/openfc?sslmode=require',
        'postgresql://me@127.0.0.1/openfc?sslmode=require',
      ],
      [
        'postgres://me:s3cret@/openfc?host=/var/run/postgresql',
        'postgres://me@/openfc?host=/var/run/postgresql',
      ],
      ['postgres://me@/openfc?host=/var/run/postgresql', 'postgres://me@/openfc?host=/var/run/postgresql'],
      ['postgres://db.example/openfc', 'postgres://db.example/openfc'],
    ];
    for (const [url, shown] of cases) {
      assert.equal(withoutPassword(url), shown);
      const store = openStore({ databaseUrl: url, dataDir: '/nonexistent' });
      assert.equal(store.location, shown);
      assert.doesNotMatch(store.location, /s3cret|w0rd/);
    }
  });

  // The suites' server is reached by TCP; its Unix socket is used when it is on this machine.
  const socketDir = '/var/run/postgresql';
  const local =
    /@(127\.0\.0\.1|localhost)[:/]/.test(postgresAdminUrl) && existsSync(`${socketDir}/.s.PGSQL.5432`);
  test('a store on a Unix socket works', {
    skip: postgres?.skip || (!local && 'no local socket'),
  }, async () => {
    const database = await (postgres as NonNullable<typeof postgres>).provision();
    databases.push(database);
    const name = new URL(database.databaseUrl as string).pathname.slice(1);
    const url = `postgres://postgres:unused-password@/${name}?host=${socketDir}`;
    const store = openStore({ databaseUrl: url, dataDir: database.dataDir });
    try {
      const { rows } = await sql<{ db: string }>`select current_database() as db`.execute(store.db);
      assert.deepEqual(rows, [{ db: name }]);
    } finally {
      await store.close();
    }
  });
});
