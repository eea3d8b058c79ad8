/**
 * Opens the sandbox bank's store: its own SQLite file (`sandbox-bank.db` in the data directory) or
 * its own schema (`sandbox_bank`) in a PostgreSQL database, so that every process sharing the
 * database reaches the same bank. Migrates it and names the store's instance.
 */
import { randomBytes } from 'node:crypto';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { postgresPool } from '../../../store/open.ts';
import { privateDatabaseFile } from '../../../store/private-files.ts';
import { migrateBank } from './migrations.ts';
import type { BankDatabase } from './schema.ts';

export const bankSchema = 'sandbox_bank';
export const bankFileName = 'sandbox-bank.db';

export interface BankStoreOptions {
  /** A postgres:// URL: the bank keeps its tables in the `sandbox_bank` schema there. */
  databaseUrl?: string | undefined;
  /** Otherwise its SQLite file is kept in this folder. */
  dataDir: string;
}

export interface BankStore {
  db: Kysely<BankDatabase>;
  /** Names this store for as long as it exists: a new id means the bank's records were lost. */
  instance: string;
  isUniqueViolation(error: unknown): boolean;
  close(): Promise<void>;
}

function openSqlite(dataDir: string): { db: Kysely<BankDatabase>; schema: undefined } {
  const database = new SQLite(privateDatabaseFile(dataDir, bankFileName));
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  return { db: new Kysely<BankDatabase>({ dialect: new SqliteDialect({ database }) }), schema: undefined };
}

function openPostgres(url: string): { db: Kysely<BankDatabase>; schema: string } {
  const db = new Kysely<BankDatabase>({
    dialect: new PostgresDialect({ pool: () => postgresPool(url, 4) }),
  }).withSchema(bankSchema);
  return { db, schema: bankSchema };
}

const uniqueViolation = (error: unknown) => {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === '23505' || String(code).startsWith('SQLITE_CONSTRAINT');
};

/** The store's instance id, made once when the store is new. */
async function instanceOf(db: Kysely<BankDatabase>): Promise<string> {
  const made = `bank_${randomBytes(12).toString('hex')}`;
  await db
    .insertInto('bank_meta')
    .values({ name: 'instance', value: made })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db
    .selectFrom('bank_meta')
    .select('value')
    .where('name', '=', 'instance')
    .executeTakeFirstOrThrow();
  return row.value;
}

export async function openBankStore(options: BankStoreOptions): Promise<BankStore> {
  const { db, schema } = options.databaseUrl
    ? openPostgres(options.databaseUrl)
    : openSqlite(options.dataDir);
  try {
    if (schema) {
      // Processes starting together take turns; the lock ends with the transaction.
      await db.transaction().execute(async (trx) => {
        await sql`select pg_advisory_xact_lock(727275)`.execute(trx);
        await sql`create schema if not exists ${sql.id(schema)}`.execute(trx);
      });
    }
    await migrateBank(db as unknown as Kysely<unknown>, schema);
    const instance = await instanceOf(db);
    return { db, instance, isUniqueViolation: uniqueViolation, close: () => db.destroy() };
  } catch (error) {
    await db.destroy();
    throw error;
  }
}
