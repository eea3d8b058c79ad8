import type { RequestLogsTable } from '../../store/schema.ts';
import { type AnsweredRequest, type RequestLogStore, toRow } from './log.ts';

export interface RequestLogWriterOptions {
  /** How long a request waits for others to be written with it. */
  delayMs: number;
  /** The most rows one INSERT writes; a full batch is written at once. */
  batchSize: number;
  /** The most characters of bodies one INSERT writes. */
  batchChars: number;
  /**
   * The most requests waiting to be written: past it (the database far behind), new ones are
   * dropped and counted rather than held in memory.
   */
  maxWaiting: number;
}

const defaults: RequestLogWriterOptions = {
  // Short: a queued request holds its answer, and what is still queued when the young generation
  // is collected (every few dozen milliseconds under load) is copied and then moved to the old one.
  // Waiting 250 ms made each collection of `GET …/accounts/{id}` take 3 ms instead of 1 and the
  // route cost 10% more CPU; under load a few milliseconds still gather dozens of rows a batch.
  delayMs: 5,
  batchSize: 200,
  batchChars: 512 * 1024,
  maxWaiting: 20_000,
};

/**
 * Writes request logs off the request path: a request answered is queued as it is, and the
 * queue is redacted, encoded and written in batches a moment later, one batch at a time.
 */
export class RequestLogWriter {
  private waiting: AnsweredRequest[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private dropped = 0;
  private readonly options: RequestLogWriterOptions;
  /** Told of requests that could not be written (`lost` of them). */
  onError: (error: unknown, context: { lost: number }) => void = () => {};

  constructor(
    private readonly store: RequestLogStore,
    options: Partial<RequestLogWriterOptions> = {},
  ) {
    this.options = { ...defaults, ...options };
  }

  add(answered: AnsweredRequest): void {
    if (this.waiting.length >= this.options.maxWaiting) {
      this.dropped++;
      return;
    }
    this.waiting.push(answered);
    if (this.waiting.length >= this.options.batchSize) this.schedule(0);
    else this.schedule(this.options.delayMs);
  }

  private schedule(delayMs: number): void {
    if (this.timer !== undefined) {
      if (delayMs > 0) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delayMs);
    this.timer.unref();
  }

  /**
   * The next rows to write: up to `batchSize` of them, and no more than `batchChars` of bodies
   * (large responses make few rows a long write).
   */
  private nextBatch(): RequestLogsTable[] {
    const rows: RequestLogsTable[] = [];
    let chars = 0;
    while (rows.length < this.options.batchSize && chars < this.options.batchChars) {
      const answered = this.waiting.shift();
      if (answered === undefined) break;
      const row = toRow(answered);
      chars += (row.params?.length ?? 0) + (row.response?.length ?? 0);
      rows.push(row);
    }
    return rows;
  }

  /** Writes everything queued so far; resolves once it is in the database (or reported lost). */
  flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.writing = this.writing.then(() => this.drain());
    return this.writing;
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      const rows = this.nextBatch();
      try {
        await this.store.insert(rows);
      } catch (error) {
        this.onError(error, { lost: rows.length });
      }
      // SQLite writes on this thread: requests that came in meanwhile go before the next batch.
      if (this.waiting.length > 0) await new Promise((resolve) => setImmediate(resolve));
    }
    if (this.dropped > 0) {
      const lost = this.dropped;
      this.dropped = 0;
      this.onError(new Error('request logs waiting to be written passed their limit'), { lost });
    }
  }
}
