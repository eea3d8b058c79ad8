import type SQLite from 'better-sqlite3';

const maxCachedStatements = 500;

/** The part of a statement Kysely's SQLite driver uses. */
type DriverStatement = Pick<SQLite.Statement, 'reader' | 'all' | 'run' | 'iterate'>;

/**
 * A reading statement whose rows are fetched as arrays and made into objects here. better-sqlite3
 * builds each row object in C++, one property at a time, which costs about as much again as
 * reading the rows: a page of 100 transactions took 300 µs of CPU as objects, 180 µs this way.
 * The objects are the same (one property per column, later columns of the same name winning).
 */
function arrayRows(statement: SQLite.Statement): DriverStatement {
  statement.raw(true);
  let names = statement.columns().map((c) => c.name);
  const toObject = (values: unknown[]) => {
    // A schema change (a migration adding a column) re-prepares the statement with other columns.
    if (values.length !== names.length) names = statement.columns().map((c) => c.name);
    const row: Record<string, unknown> = {};
    for (let i = 0; i < values.length; i++) row[names[i] as string] = values[i];
    return row;
  };
  return {
    reader: true,
    all: (...params: unknown[]) => (statement.all(...params) as unknown[][]).map(toObject),
    run: (...params: unknown[]) => statement.run(...params),
    *iterate(...params: unknown[]) {
      for (const values of statement.iterate(...params)) yield toObject(values as unknown[]);
    },
  } as DriverStatement;
}

/**
 * better-sqlite3 prepares a statement on every call Kysely makes; keeping prepared statements by
 * SQL text saves that work on the hot path, and reading statements return their rows through
 * `arrayRows`.
 */
export function withPreparedStatements(database: SQLite.Database): SQLite.Database {
  const cache = new Map<string, DriverStatement>();
  const prepare = database.prepare.bind(database);
  database.prepare = ((source: string) => {
    let statement = cache.get(source);
    if (!statement) {
      const prepared = prepare(source);
      // `__proto__` would set the row's prototype rather than a property.
      const plain = prepared.reader && prepared.columns().every((c) => c.name !== '__proto__');
      statement = plain ? arrayRows(prepared) : prepared;
      if (cache.size < maxCachedStatements) cache.set(source, statement);
    }
    return statement;
  }) as SQLite.Database['prepare'];
  return database;
}
