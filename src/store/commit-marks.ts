import { AsyncLocalStorage } from 'node:async_hooks';
import type {
  CompiledQuery,
  DatabaseConnection,
  Dialect,
  Driver,
  QueryResult,
  TransactionSettings,
} from 'kysely';

/**
 * A statement that commits together with whatever a piece of work writes: it runs in the same
 * transaction, just before the commit, and its check can still refuse the whole transaction.
 */
export interface CommitMark {
  /** The statement to run now, or undefined when the work needs none any more. */
  statement(): CompiledQuery | undefined;
  /** Called with the number of rows the statement changed; throwing rolls everything back. */
  check(changedRows: bigint): void;
}

const marks = new AsyncLocalStorage<CommitMark>();
/** Marked works not yet ended. */
let running = 0;

/**
 * Runs `work` so that every write it makes, in a transaction of its own or as a single
 * statement, commits with `mark` or not at all.
 *
 * While a mark can be looked up, Node 20 follows every promise of the process with promise hooks
 * (10–20 % of the CPU of a read such as `GET …/accounts/{id}`), so the lookup is switched
 * off once no marked work is left; the next marked work switches it on. What a work left running
 * in the background needs no mark: its mark has ended with it (see `CommitMark.statement`).
 */
export async function withCommitMark<T>(mark: CommitMark, work: () => Promise<T>): Promise<T> {
  running++;
  try {
    return await marks.run(mark, work);
  } finally {
    running--;
    if (running === 0) marks.disable();
  }
}

/**
 * Runs `work` so that its writes commit without the mark: steps that a repeat of the work takes
 * again from wherever they were left, and that say nothing about whether the work was done.
 */
export function withoutCommitMark<T>(work: () => Promise<T>): Promise<T> {
  return marks.exit(work);
}

/** The mark of the work running now, if any. */
export function currentCommitMark(): CommitMark | undefined {
  return marks.getStore();
}

const writeKinds = new Set(['InsertQueryNode', 'UpdateQueryNode', 'DeleteQueryNode', 'MergeQueryNode']);

/** Whether a statement built by Kysely writes (an insert, update, delete or merge). */
export function isWrite(query: CompiledQuery): boolean {
  return writeKinds.has(query.query.kind);
}

async function applyMark(connection: DatabaseConnection, mark: CommitMark, statement: CompiledQuery) {
  const result = await connection.executeQuery(statement);
  mark.check(result.numAffectedRows ?? 0n);
}

/**
 * A connection that commits a write made alone with its mark by itself (SQLite's, which commits
 * such writes in groups; see `sqlite-driver.ts`).
 */
interface MarkedWrites {
  executeMarked<R>(
    query: CompiledQuery,
    statement: CompiledQuery,
    check: (changedRows: bigint) => void,
  ): Promise<QueryResult<R>>;
}

function writesMarked(connection: DatabaseConnection): connection is DatabaseConnection & MarkedWrites {
  return 'executeMarked' in connection;
}

/** A connection that knows whether its open transaction wrote anything. */
class MarkingConnection implements DatabaseConnection {
  inTransaction = false;
  wrote = false;

  constructor(
    readonly inner: DatabaseConnection,
    private readonly driver: Driver,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (!isWrite(query)) return this.inner.executeQuery(query);
    if (this.inTransaction) {
      this.wrote = true;
      return this.inner.executeQuery(query);
    }
    const mark = marks.getStore();
    const statement = mark?.statement();
    if (!mark || !statement) return this.inner.executeQuery(query);
    if (writesMarked(this.inner))
      return this.inner.executeMarked(query, statement, (changed) => mark.check(changed));
    // A write made alone gets a transaction of its own, so that its mark commits with it.
    await this.driver.beginTransaction(this.inner, {});
    try {
      const result = await this.inner.executeQuery<R>(query);
      await applyMark(this.inner, mark, statement);
      await this.driver.commitTransaction(this.inner);
      return result;
    } catch (error) {
      await this.driver.rollbackTransaction(this.inner);
      throw error;
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery(query, chunkSize);
  }
}

class MarkingDriver implements Driver {
  readonly #connections = new WeakMap<DatabaseConnection, MarkingConnection>();

  constructor(private readonly inner: Driver) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await this.inner.acquireConnection();
    let connection = this.#connections.get(inner);
    if (!connection) {
      connection = new MarkingConnection(inner, this.inner);
      this.#connections.set(inner, connection);
    }
    return connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const marking = connection as MarkingConnection;
    await this.inner.beginTransaction(marking.inner, settings);
    marking.inTransaction = true;
    marking.wrote = false;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const marking = connection as MarkingConnection;
    const mark = marking.wrote ? marks.getStore() : undefined;
    const statement = mark?.statement();
    // A failing mark throws before the commit; Kysely then rolls the transaction back.
    if (mark && statement) await applyMark(marking.inner, mark, statement);
    await this.inner.commitTransaction(marking.inner);
    marking.inTransaction = false;
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const marking = connection as MarkingConnection;
    marking.inTransaction = false;
    await this.inner.rollbackTransaction(marking.inner);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection((connection as MarkingConnection).inner);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

/** `dialect` with commit marks: see `withCommitMark`. */
export function markingDialect(dialect: Dialect): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => new MarkingDriver(dialect.createDriver()),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
  };
}
