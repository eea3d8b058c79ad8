import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import { markingDialect } from './commit-marks.ts';
import { type DialectCapabilities, postgresCapabilities, sqliteCapabilities } from './dialect.ts';
import { withNamedStatements } from './pg-statements.ts';
import { privateDatabaseFile } from './private-files.ts';
import type { Database } from './schema.ts';
import { sqliteDialect } from './sqlite-driver.ts';
import { withPreparedStatements } from './sqlite-statements.ts';
import { WalCheckpoints, walSizeLimitBytes } from './wal-checkpoints.ts';

export interface Store {
  db: Kysely<Database>;
  caps: DialectCapabilities;
  /** Where the data lives, for start-up messages (never includes a password). */
  location: string;
  /**
   * Calls `onNotify` whenever any process notifies `channel` (see `DialectCapabilities.notify`);
   * undefined on SQLite, where every writer is in this process.
   */
  listen?(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface StoreOptions {
  databaseUrl?: string | undefined;
  dataDir: string;
}

function openSqlite(dataDir: string): Store {
  const file = privateDatabaseFile(dataDir, 'openfc.db');
  const database = new SQLite(file);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  // Checkpoints run in a worker thread, not within this connection's commits; this connection only
  // copies the log's last pages when asked, so that the log starts over (see WalCheckpoints).
  database.pragma('wal_autocheckpoint = 0');
  database.pragma(`journal_size_limit = ${walSizeLimitBytes}`);
  const checkpoints = new WalCheckpoints(
    file,
    () => {
      if (database.open) database.pragma('wal_autocheckpoint = 1000');
    },
    () => {
      try {
        if (database.open) database.pragma('wal_checkpoint(PASSIVE)');
      } catch {
        // Inside a transaction (SQLITE_LOCKED): asked again after the worker's next pass.
      }
    },
  );
  const db = new Kysely<Database>({
    dialect: markingDialect(sqliteDialect(withPreparedStatements(database))),
  });
  return {
    db,
    caps: sqliteCapabilities,
    location: `sqlite:${file}`,
    async close() {
      // The worker's connection first: the last one to close checkpoints the log and removes it.
      await checkpoints.stop();
      await db.destroy();
    },
  };
}

/** The PostgreSQL client, loaded when a PostgreSQL store is used: a server on SQLite does not hold it. */
const loadPg = async () => (await import('pg')).default;

/**
 * A connection pool that reads int8 (counts, Unix times) as numbers and prepares each statement
 * once per connection (`withNamedStatements`). An idle connection the server ends (a restart, a
 * terminated backend) is dropped by the pool and replaced on next use; unheard, the pool's 'error'
 * event would end the process.
 */
export async function postgresPool(url: string, max: number): Promise<pg.Pool> {
  const pg = await loadPg();
  const int8 = 20;
  const pool = new pg.Pool({
    connectionString: url,
    max,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === int8
          ? (v: string) => Number(v)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  pool.on('error', () => {});
  return withNamedStatements(pool);
}

/**
 * A PostgreSQL URL as start-up messages show it: the password left out. Parsed by hand, since the
 * URLs PostgreSQL's clients take are not all URLs to `new URL` (`postgres://me@/db?host=/run/pg`,
 * a Unix socket, has credentials but no host).
 */
export function withoutPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)@/i, (_, scheme: string, credentials: string) => {
    const user = credentials.split(':')[0];
    return `${scheme}${user}@`;
  });
}

function openPostgres(url: string): Store {
  const db = new Kysely<Database>({
    dialect: markingDialect(new PostgresDialect({ pool: () => postgresPool(url, 10) })),
  });
  return {
    db,
    caps: postgresCapabilities,
    location: withoutPassword(url),
    listen: (channel, onNotify) => listenPostgres(url, channel, onNotify),
    close: () => db.destroy(),
  };
}

/** A connection of its own that LISTENs, reconnecting after a failure; resolves once listening. */
async function listenPostgres(url: string, channel: string, onNotify: (payload: string) => void) {
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const pg = await loadPg();
  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url });
    next.on('notification', (message) => {
      if (message.channel === channel) onNotify(message.payload ?? '');
    });
    next.on('error', () => {
      next.end().catch(() => {});
      if (stopped || client !== next) return;
      client = undefined;
      retry = setTimeout(() => {
        // A missed notification is made up by the listener's own polling; reconnect quietly.
        connect().catch(() => {});
      }, 1000);
      retry.unref();
    });
    await next.connect();
    await next.query(`listen "${channel.replace(/"/g, '')}"`);
    if (stopped) {
      // Stopped while this connection was being made.
      await next.end();
      return;
    }
    client = next;
    // Anything notified while reconnecting is looked for now.
    onNotify('');
  };
  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    await client?.end();
  };
}

export function openStore(options: StoreOptions): Store {
  if (options.databaseUrl) return openPostgres(options.databaseUrl);
  return openSqlite(options.dataDir);
}
