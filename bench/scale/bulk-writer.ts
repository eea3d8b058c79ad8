/**
 * Writes many rows into openfc's database straight through its driver, for seeding: on SQLite,
 * multi-row INSERTs of a prepared statement; on PostgreSQL, one INSERT … SELECT FROM unnest(…) per
 * batch of arrays (a COPY-like load through the ordinary protocol). Rows are committed in large
 * transactions.
 */
import path from 'node:path';
import SQLite from 'better-sqlite3';
import type pg from 'pg';
import { postgresPool } from '../../src/store/open.ts';

export type SeedTarget = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

export type Row = Record<string, unknown>;

export interface BulkWriter {
  /** A read with `?` placeholders (the templates the seeder copies). */
  query(sql: string, params: readonly unknown[]): Promise<Row[]>;
  /** Queues a row of `table` (values in the order of `columns`, the same for every row of a table). */
  insert(table: string, columns: readonly string[], values: unknown[]): Promise<void>;
  /** Writes and commits everything queued. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Rows committed per transaction. */
const rowsPerCommit = 200_000;

interface Pending {
  columns: readonly string[];
  rows: unknown[][];
}

abstract class BatchingWriter implements BulkWriter {
  private readonly pending = new Map<string, Pending>();
  private sinceCommit = 0;
  protected inTransaction = false;

  abstract query(sql: string, params: readonly unknown[]): Promise<Row[]>;
  protected abstract batchRows(columns: number): number;
  protected abstract write(table: string, columns: readonly string[], rows: unknown[][]): Promise<void>;
  protected abstract begin(): Promise<void>;
  protected abstract commit(): Promise<void>;
  abstract close(): Promise<void>;

  async insert(table: string, columns: readonly string[], values: unknown[]): Promise<void> {
    let queued = this.pending.get(table);
    if (!queued) {
      queued = { columns, rows: [] };
      this.pending.set(table, queued);
    }
    queued.rows.push(values);
    if (queued.rows.length >= this.batchRows(columns.length)) await this.writeQueued();
  }

  /**
   * Writes every table's queued rows, tables in the order they were first given rows: a row's
   * parent (an account's authorization) was queued before it and is written first.
   */
  private async writeQueued(): Promise<void> {
    if (!this.inTransaction) {
      await this.begin();
      this.inTransaction = true;
    }
    for (const [table, queued] of this.pending) {
      if (queued.rows.length === 0) continue;
      await this.write(table, queued.columns, queued.rows);
      this.sinceCommit += queued.rows.length;
      queued.rows = [];
    }
    if (this.sinceCommit >= rowsPerCommit) await this.commitNow();
  }

  private async commitNow(): Promise<void> {
    if (this.inTransaction) await this.commit();
    this.inTransaction = false;
    this.sinceCommit = 0;
  }

  async flush(): Promise<void> {
    await this.writeQueued();
    await this.commitNow();
  }
}

// SQLite allows 32766 bound parameters per statement.
const sqliteMaxParameters = 32_000;

class SqliteWriter extends BatchingWriter {
  private readonly db: SQLite.Database;
  private readonly statements = new Map<string, SQLite.Statement>();

  constructor(file: string) {
    super();
    this.db = new SQLite(file);
    this.db.pragma('journal_mode = WAL');
    // A seed that fails is thrown away with its folder: no need to survive a crash mid-way.
    this.db.pragma('synchronous = OFF');
    this.db.pragma('cache_size = -1000000');
  }

  async query(sql: string, params: readonly unknown[]): Promise<Row[]> {
    return this.db.prepare(sql).all(...params) as Row[];
  }

  protected batchRows(columns: number): number {
    return Math.min(500, Math.floor(sqliteMaxParameters / columns));
  }

  /** A full batch in one statement; fewer rows one by one (a statement per row count would pile up). */
  protected async write(table: string, columns: readonly string[], rows: unknown[][]): Promise<void> {
    const full = this.batchRows(columns.length);
    let i = 0;
    for (; i + full <= rows.length; i += full)
      this.statement(table, columns, full).run(...rows.slice(i, i + full).flat());
    const single = this.statement(table, columns, 1);
    for (; i < rows.length; i++) single.run(...(rows[i] as unknown[]));
  }

  private statement(table: string, columns: readonly string[], count: number): SQLite.Statement {
    const key = `${table}/${count}`;
    let statement = this.statements.get(key);
    if (!statement) {
      const tuple = `(${columns.map(() => '?').join(',')})`;
      statement = this.db.prepare(
        `insert into ${table} (${columns.join(',')}) values ${Array(count).fill(tuple).join(',')}`,
      );
      this.statements.set(key, statement);
    }
    return statement;
  }

  protected async begin(): Promise<void> {
    this.db.exec('begin');
  }

  protected async commit(): Promise<void> {
    this.db.exec('commit');
  }

  async close(): Promise<void> {
    if (this.inTransaction) this.db.exec('rollback');
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.close();
  }
}

const postgresArrayTypes: Record<string, string> = { bigint: 'int8', integer: 'int4', text: 'text' };

class PostgresWriter extends BatchingWriter {
  private readonly pool: Promise<pg.Pool>;
  private client: pg.PoolClient | undefined;
  private readonly columnTypes = new Map<string, Map<string, string>>();

  constructor(url: string) {
    super();
    this.pool = postgresPool(url, 1);
  }

  private async connection(): Promise<pg.PoolClient> {
    this.client ??= await (await this.pool).connect();
    return this.client;
  }

  async query(sql: string, params: readonly unknown[]): Promise<Row[]> {
    let n = 0;
    const numbered = sql.replace(/\?/g, () => `$${++n}`);
    return (await (await this.connection()).query(numbered, params as unknown[])).rows as Row[];
  }

  protected batchRows(): number {
    return 5000;
  }

  private async typesOf(table: string): Promise<Map<string, string>> {
    let types = this.columnTypes.get(table);
    if (!types) {
      const rows = await this.query(
        'select column_name, data_type from information_schema.columns where table_name = ?',
        [table],
      );
      types = new Map(
        rows.map((r) => [String(r.column_name), postgresArrayTypes[String(r.data_type)] ?? 'text']),
      );
      this.columnTypes.set(table, types);
    }
    return types;
  }

  protected async write(table: string, columns: readonly string[], rows: unknown[][]): Promise<void> {
    const types = await this.typesOf(table);
    const arrays = columns.map((_, i) => rows.map((r) => r[i]));
    const unnest = columns.map((c, i) => `$${i + 1}::${types.get(c) ?? 'text'}[]`).join(',');
    await (await this.connection()).query(
      `insert into ${table} (${columns.join(',')}) select * from unnest(${unnest})`,
      arrays,
    );
  }

  protected async begin(): Promise<void> {
    await (await this.connection()).query('begin');
  }

  protected async commit(): Promise<void> {
    await (await this.connection()).query('commit');
  }

  async close(): Promise<void> {
    if (this.inTransaction) await this.client?.query('rollback');
    this.client?.release();
    await (await this.pool).end();
  }
}

export function openBulkWriter(target: SeedTarget): BulkWriter {
  return target.kind === 'sqlite' ? new SqliteWriter(target.file) : new PostgresWriter(target.url);
}

/** Where openfc keeps its data: its PostgreSQL database when it has one, else its SQLite file. */
export function seedTarget(dataDir: string, databaseUrl: string | undefined): SeedTarget {
  return databaseUrl
    ? { kind: 'postgres', url: databaseUrl }
    : { kind: 'sqlite', file: path.join(dataDir, 'openfc.db') };
}
