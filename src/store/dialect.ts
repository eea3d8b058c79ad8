import {
  type ColumnDataType,
  type Expression,
  type QueryExecutorProvider,
  type SelectQueryBuilder,
  sql,
} from 'kysely';

/**
 * What differs between the two backends, in one place: business code asks these flags and
 * never branches on the database kind itself.
 */
export interface DialectCapabilities {
  kind: 'sqlite' | 'postgres';
  /** Column type for ids and other keys compared with `<`/`>`: byte-wise ordering in both. */
  keyType: ColumnDataType | Expression<unknown>;
  /** Recognises a unique-constraint violation thrown by the driver. */
  isUniqueViolation(error: unknown): boolean;
  /**
   * Makes a select claim its rows for this transaction: on PostgreSQL rows that another
   * transaction holds are skipped; SQLite has a single writer, so the select is left as it is.
   */
  skipLocked<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O>;
  /**
   * Makes a select lock its rows until the transaction ends, so that transactions that lock the
   * same row run one after another (PostgreSQL); SQLite has a single writer and runs every
   * transaction alone, so the select is left as it is.
   */
  forUpdate<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O>;
  /**
   * Wakes listeners of `channel` in every process when the transaction commits (PostgreSQL),
   * handing them `payload` (short, and never a secret).
   */
  notify(db: QueryExecutorProvider, channel: string, payload?: string): Promise<void>;
  /**
   * An UPDATE or INSERT may stand in a `WITH` of another statement (PostgreSQL): writes that
   * belong together go in one statement, one round trip, where a transaction would take several.
   * SQLite allows only reads there; its statements cost no round trip.
   */
  writesInWith: boolean;
}

export const sqliteCapabilities: DialectCapabilities = {
  kind: 'sqlite',
  keyType: 'text',
  isUniqueViolation: (error) =>
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    String((error as { code: unknown }).code).startsWith('SQLITE_CONSTRAINT'),
  skipLocked: (query) => query,
  forUpdate: (query) => query,
  notify: async () => {},
  writesInWith: false,
};

export const postgresCapabilities: DialectCapabilities = {
  kind: 'postgres',
  keyType: sql`text collate "C"`,
  isUniqueViolation: (error) =>
    typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505',
  skipLocked: (query) => query.forUpdate().skipLocked(),
  forUpdate: (query) => query.forUpdate(),
  notify: async (db, channel, payload = '') => {
    await sql`select pg_notify(${channel}, ${payload})`.execute(db);
  },
  writesInWith: true,
};
