import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How the write-ahead log of an SQLite database is checkpointed off the event loop. */
export interface WalCheckpointOptions {
  /** How often the log's size is looked at until the worker runs. */
  watchMs: number;
  /** The log size from which checkpoints are left to the worker (SQLite's own default: 4 MiB). */
  startBytes: number;
  /** How often the worker checkpoints once it runs. */
  everyMs: number;
  /** The log size (in pages) from which the writing connection is asked to start it over. */
  restartPages: number;
}

const defaults: WalCheckpointOptions = {
  watchMs: 1000,
  startBytes: 4 * 1024 * 1024,
  everyMs: 250,
  // 16 MiB of 4 KiB pages.
  restartPages: 4096,
};

/**
 * What the log is cut back to when it starts over (`journal_size_limit`, set on the writing
 * connection): large enough that under load it is reused rather than grown again, since appending
 * to the file costs the file system more than writing over it.
 */
export const walSizeLimitBytes = 32 * 1024 * 1024;

/**
 * The worker: its own connection to the database, checkpointing it on a timer until told to stop.
 * `PASSIVE` copies what it can without waiting for readers or writers, so neither the event loop's
 * statements nor this thread wait on each other. But the log only starts over from its beginning
 * when a commit finds every page of it copied, which under a steady stream of commits never
 * happens: the log grew without end (800 MB in 12 s of session creates). So once the log is past
 * `restartPages`, the worker tells the writing connection to copy the rest itself (see `restart`).
 * Loaded by path (the addon beside openfc), so the same source runs from the built bundle and
 * from the TypeScript sources.
 */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
const timer = setInterval(() => {
  try {
    const [passive] = db.pragma('wal_checkpoint(PASSIVE)');
    if (passive && passive.log >= workerData.restartPages) {
      // Each pass copies and syncs what was committed during the last, a shorter time each:
      // what is left for the writing connection to copy and sync is a few milliseconds' worth.
      db.pragma('wal_checkpoint(PASSIVE)');
      db.pragma('wal_checkpoint(PASSIVE)');
      parentPort.postMessage('restart');
    }
  } catch {}
}, workerData.everyMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Keeps SQLite's checkpoints off the event loop. A checkpoint copies the log's pages into the
 * database and syncs both files; SQLite runs one within whichever commit takes the log past
 * 1000 pages, which under load held the event loop for 10 to 30 ms every few seconds (the p99
 * of every route). With `wal_autocheckpoint` set off on the event loop's connection, a worker
 * thread checkpoints instead, and the event loop's connection only copies the last few
 * milliseconds of commits once per `restartPages`, so that the log starts over. The worker starts
 * once the log grows past `startBytes` (a process that writes little never starts a thread); until
 * then, and if the worker cannot start, nothing is lost: the log holds every commit, and the last
 * connection to close checkpoints it.
 */
export class WalCheckpoints {
  private watch: NodeJS.Timeout | undefined;
  private worker: Worker | undefined;
  private readonly options: WalCheckpointOptions;

  /**
   * `file` is the database file (its log is `file-wal`); `fallBack` turns SQLite's own
   * checkpoints back on should the worker fail. `restart` runs a passive checkpoint on the writing
   * connection, between two of its statements: right after the worker's passes, only the last
   * milliseconds of commits are left to copy, then both files are synced (2 to 9 ms in all, timed
   * under load), and with nothing left, the next commit starts the log over. It fails harmlessly
   * when that connection is inside a transaction, and is asked again after the next pass.
   */
  constructor(
    private readonly file: string,
    private readonly fallBack: () => void,
    private readonly restart: () => void,
    options: Partial<WalCheckpointOptions> = {},
  ) {
    this.options = { ...defaults, ...options };
    this.watch = setInterval(() => this.look(), this.options.watchMs);
    this.watch.unref();
  }

  /** Whether the worker has been started. */
  get running(): boolean {
    return this.worker !== undefined;
  }

  private look(): void {
    let size = 0;
    try {
      size = statSync(`${this.file}-wal`).size;
    } catch {
      return;
    }
    if (size >= this.options.startBytes) this.start();
  }

  private start(): void {
    clearInterval(this.watch);
    this.watch = undefined;
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(workerSource, {
      eval: true,
      workerData: {
        driver,
        file: this.file,
        everyMs: this.options.everyMs,
        restartPages: this.options.restartPages,
      },
    });
    worker.unref();
    worker.on('message', () => this.restart());
    worker.on('error', () => {
      if (this.worker === worker) this.worker = undefined;
      this.fallBack();
    });
    this.worker = worker;
  }

  /** Stops watching and the worker (closing its connection); resolves once it has ended. */
  async stop(): Promise<void> {
    clearInterval(this.watch);
    this.watch = undefined;
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    const ended = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    // Held until it has ended, which an unreferenced worker would not be.
    worker.ref();
    worker.postMessage('stop');
    await ended;
  }
}
