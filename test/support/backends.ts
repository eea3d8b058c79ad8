import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * The storage backends every integration suite runs on: a real SQLite file and a real PostgreSQL
 * database (a fresh one per suite). Without a reachable PostgreSQL, a developer machine gets a
 * visible skip; CI (CI=true) fails instead.
 */
export interface Backend {
  name: 'sqlite' | 'postgres';
  /** Why this backend is skipped, or false. */
  skip: string | false;
  provision(): Promise<ProvisionedDatabase>;
}

export interface ProvisionedDatabase {
  databaseUrl: string | undefined;
  dataDir: string;
  drop(): Promise<void>;
}

export const postgresAdminUrl =
  process.env.OPENFC_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** One attempt to reach PostgreSQL: the error, or undefined when it answered. */
async function tryPostgres(timeoutMs: number): Promise<Error | undefined> {
  const client = new pg.Client({ connectionString: postgresAdminUrl, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return error as Error;
  } finally {
    await client.end().catch(() => {});
  }
}

// A busy machine can take seconds to accept a connection: a slow one gets a few tries, longer each.
async function postgresReachable(): Promise<string | false> {
  let error: Error | undefined;
  for (const timeoutMs of [3000, 10_000, 20_000]) {
    error = await tryPostgres(timeoutMs);
    if (!error) return false;
    // A refused connection is an answer: only a slow one is worth another try.
    if (!/timeout/i.test(error.message)) break;
  }
  const reason = `PostgreSQL is not reachable at ${postgresAdminUrl} (${error?.message}); set OPENFC_TEST_POSTGRES_URL`;
  if (process.env.CI) throw new Error(`${reason}. CI must run the PostgreSQL suites.`);
  console.warn(`SKIPPING PostgreSQL suites: ${reason}`);
  return reason;
}

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'openfc-test-'));
}

const sqlite: Backend = {
  name: 'sqlite',
  skip: false,
  async provision() {
    const dataDir = tempDir();
    return {
      databaseUrl: undefined,
      dataDir,
      drop: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  },
};

const postgresSkip = await postgresReachable();

const postgres: Backend = {
  name: 'postgres',
  skip: postgresSkip,
  async provision() {
    const name = `openfc_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: postgresAdminUrl });
    try {
      await admin.connect();
      await admin.query(`create database ${name}`);
    } finally {
      await admin.end();
    }
    const url = new URL(postgresAdminUrl);
    url.pathname = `/${name}`;
    const dataDir = tempDir();
    return {
      databaseUrl: url.toString(),
      dataDir,
      async drop() {
        rmSync(dataDir, { recursive: true, force: true });
        const client = new pg.Client({ connectionString: postgresAdminUrl });
        try {
          await client.connect();
          // A closed pool's connections finish closing on their own time; dropping the database
          // under one would end it with an error in the process that is closing it.
          for (let i = 0; i < 40; i++) {
            const { rows } = await client.query<{ n: string }>(
              'select count(*) as n from pg_stat_activity where datname = $1',
              [name],
            );
            if (Number(rows[0]?.n) === 0) break;
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          await client.query(`drop database if exists ${name} with (force)`);
        } finally {
          await client.end();
        }
      },
    };
  },
};

export const backends: readonly Backend[] = [sqlite, postgres];
