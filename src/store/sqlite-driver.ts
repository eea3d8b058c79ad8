import type SQLite from 'better-sqlite3';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import { isWrite } from './commit-marks.ts';

/** A write made alone, waiting for its group's commit. */
interface Waiting {
  query: CompiledQuery;
  /** A statement that must change one row in the same transaction, else the write is undone. */
  mark?: { statement: CompiledQuery; check: (changedRows: bigint) => void };
  resolve: (result: QueryResult<unknown>) => void;
  reject: (error: unknown) => void;
}

function run<R>(database: SQLite.Database, query: CompiledQuery): QueryResult<R> {
  const statement = database.prepare(query.sql);
  const parameters = query.parameters as unknown[];
  if (statement.reader) return { rows: statement.all(parameters) as R[] };
  const { changes, lastInsertRowid } = statement.run(parameters);
  return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
}

/**
 * openfc's driver for its one SQLite connection. Kysely's own holds the connection for each
 * statement and each transaction in turn; this one does the same for transactions, but writes
 * made alone (a statement that is its own transaction) by requests at once are committed
 * together: each is queued, and at the end of the event loop's turn all queued are run, one
 * after another, in one transaction. A commit writes every page the writes changed to the log,
 * and writes at once often share their pages (the tables' and indexes' last leaves), so a group
 * costs little more than its first write. Each write's promise settles once its group has
 * committed; a write that fails fails alone, as it would have on its own (SQLite undoes only the
 * failed statement), unless the failure ends the whole transaction (a full disk), which fails
 * the group. No statement runs while another request's transaction is open, and a group never
 * runs inside one.
 */
export class SqliteGroupCommitDriver implements Driver {
  #waiting: Waiting[] = [];
  /** Handles not in use, given out again (so that what wraps them finds its own again). */
  #free: GroupCommitConnection[] = [];
  #flushQueued = false;
  /** Settles when the open transaction ends; undefined when none is open. */
  #transaction: Promise<void> | undefined;
  #endTransaction: (() => void) | undefined;

  constructor(private readonly database: SQLite.Database) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return this.#free.pop() ?? new GroupCommitConnection(this);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const handle = connection as GroupCommitConnection;
    while (this.#transaction) await this.#transaction;
    // Writes already queued go first, so that they do not wait for this transaction.
    this.flush();
    this.#transaction = new Promise((resolve) => {
      this.#endTransaction = resolve;
    });
    handle.inTransaction = true;
    try {
      this.database.prepare('begin').run();
    } catch (error) {
      this.endTransaction(handle);
      throw error;
    }
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    if (!(connection as GroupCommitConnection).inTransaction) throw new Error('No transaction to commit.');
    this.database.prepare('commit').run();
    this.endTransaction(connection as GroupCommitConnection);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const handle = connection as GroupCommitConnection;
    // Its begin failed, and the transaction was ended then.
    if (!handle.inTransaction) return;
    try {
      if (this.database.inTransaction) this.database.prepare('rollback').run();
    } finally {
      this.endTransaction(handle);
    }
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const handle = connection as GroupCommitConnection;
    if (!handle.inTransaction && this.#free.length < 64) this.#free.push(handle);
  }

  /** Commits what waits, unless a transaction is open (as Kysely's, closing does not wait for it). */
  async destroy(): Promise<void> {
    if (!this.#transaction) this.flush();
    for (const waiting of this.#waiting.splice(0)) waiting.reject(new Error('The store is closed.'));
    this.database.close();
  }

  /** Runs a statement of `handle`, waiting for another request's open transaction to end. */
  async execute<R>(handle: GroupCommitConnection, query: CompiledQuery): Promise<QueryResult<R>> {
    if (handle.inTransaction) return run<R>(this.database, query);
    while (this.#transaction) await this.#transaction;
    if (!isWrite(query)) return run<R>(this.database, query);
    return this.queue(query, undefined) as Promise<QueryResult<R>>;
  }

  /** A write made alone that commits together with `statement`, or not at all (see `Waiting`). */
  async executeMarked<R>(
    query: CompiledQuery,
    statement: CompiledQuery,
    check: (changedRows: bigint) => void,
  ): Promise<QueryResult<R>> {
    while (this.#transaction) await this.#transaction;
    return this.queue(query, { statement, check }) as Promise<QueryResult<R>>;
  }

  private queue(query: CompiledQuery, mark: Waiting['mark']): Promise<QueryResult<unknown>> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ query, mark, resolve, reject });
      this.flushSoon();
    });
  }

  /** Flushes at the end of this turn of the event loop, unless a transaction is open then. */
  private flushSoon(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    setImmediate(() => {
      this.#flushQueued = false;
      // An open transaction flushes what waits when it begins, and asks again when it ends.
      if (!this.#transaction) this.flush();
    });
  }

  private endTransaction(handle: GroupCommitConnection): void {
    handle.inTransaction = false;
    const end = this.#endTransaction;
    this.#transaction = undefined;
    this.#endTransaction = undefined;
    end?.();
    if (this.#waiting.length > 0) this.flushSoon();
  }

  /** Commits every queued write in one transaction (see the class), synchronously. */
  private flush(): void {
    const group = this.#waiting;
    if (group.length === 0) return;
    this.#waiting = [];
    const only = group[0] as Waiting;
    if (group.length === 1 && !only.mark) {
      try {
        only.resolve(run(this.database, only.query));
      } catch (error) {
        only.reject(error);
      }
      return;
    }
    const outcomes: ({ ok: true; result: QueryResult<unknown> } | { ok: false; error: unknown })[] = [];
    try {
      this.database.prepare('begin').run();
      for (const waiting of group) {
        if (waiting.mark) this.database.prepare('savepoint marked').run();
        try {
          const result = run(this.database, waiting.query);
          if (waiting.mark) {
            const marked = run(this.database, waiting.mark.statement);
            waiting.mark.check(marked.numAffectedRows ?? 0n);
            this.database.prepare('release marked').run();
          }
          outcomes.push({ ok: true, result });
        } catch (error) {
          // The whole transaction has ended (a full disk, an I/O error): the group fails.
          if (!this.database.inTransaction) throw error;
          if (waiting.mark) {
            this.database.prepare('rollback to marked').run();
            this.database.prepare('release marked').run();
          }
          outcomes.push({ ok: false, error });
        }
      }
      this.database.prepare('commit').run();
    } catch (error) {
      try {
        if (this.database.inTransaction) this.database.prepare('rollback').run();
      } catch {
        // The connection is gone (closed): nothing is left to undo.
      }
      for (const waiting of group) waiting.reject(error);
      return;
    }
    for (const [i, outcome] of outcomes.entries()) {
      const waiting = group[i] as Waiting;
      if (outcome.ok) waiting.resolve(outcome.result);
      else waiting.reject(outcome.error);
    }
  }
}

/** What Kysely holds for a statement or a transaction: the driver does the work. */
export class GroupCommitConnection implements DatabaseConnection {
  inTransaction = false;

  constructor(readonly driver: SqliteGroupCommitDriver) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.driver.execute<R>(this, query);
  }

  /** See `MarkedWrites` in `commit-marks.ts`. */
  executeMarked<R>(
    query: CompiledQuery,
    statement: CompiledQuery,
    check: (changedRows: bigint) => void,
  ): Promise<QueryResult<R>> {
    return this.driver.executeMarked<R>(query, statement, check);
  }

  // biome-ignore lint/correctness/useYield: openfc streams no query on SQLite.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('openfc does not stream queries on SQLite.');
  }
}

/** Kysely's SQLite dialect on `database`, with openfc's driver (see `SqliteGroupCommitDriver`). */
export function sqliteDialect(database: SQLite.Database): Dialect {
  return {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new SqliteGroupCommitDriver(database),
    createQueryCompiler: () => new SqliteQueryCompiler(),
    createIntrospector: (db) => new SqliteIntrospector(db),
  };
}
