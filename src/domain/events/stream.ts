import type { WakeSignal } from '../../webhooks/signal.ts';
import { idFloor } from '../ids.ts';
import type { EventLog, StoredEvent } from './log.ts';
import { eventIds } from './log.ts';

export interface EventStreamOptions {
  /**
   * How far back each scan looks. Event ids are made before their transaction commits, so an
   * event can become visible after events with later ids (another process, a slower
   * transaction); re-reading a recent window and skipping what was sent catches it.
   */
  windowMs: number;
  /** A scan this often even without a wake-up (a missed notification, a lost connection). */
  pollMs: number;
  /** Events read per query. */
  batch: number;
}

export const defaultStreamOptions: EventStreamOptions = { windowMs: 60_000, pollMs: 1000, batch: 200 };

/** What a stream has already sent, so that a reconnecting listener resumes without gaps. */
export interface StreamPosition {
  sent: Set<string>;
}

/**
 * The merchant's new events, in the order they become visible, each once. Scans are woken by
 * the signal (events written in this process, or notified by other PostgreSQL processes) and
 * by a poll; a scan reads the last `windowMs` of events and hands on those not sent yet.
 */
export class EventStream {
  private readonly sent: Set<string>;
  private readonly primed: boolean;
  private scanning = false;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly log: EventLog,
    private readonly signal: WakeSignal,
    private readonly merchantId: string,
    private readonly onEvent: (event: StoredEvent) => void | Promise<void>,
    private readonly onError: (error: unknown) => void,
    private readonly options: EventStreamOptions = defaultStreamOptions,
    resume?: StreamPosition,
  ) {
    this.sent = resume?.sent ?? new Set();
    this.primed = resume !== undefined;
  }

  /** Starts streaming events written from now on (or since `resume`). */
  async start(): Promise<void> {
    // A new stream does not replay what was written before it: mark the window as sent.
    if (!this.primed) await this.scan(false);
    if (this.stopped) return;
    this.unsubscribe = this.signal.subscribe(() => this.wake());
    this.timer = setInterval(() => this.wake(), this.options.pollMs);
    this.timer.unref();
    this.wake();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.unsubscribe?.();
  }

  position(): StreamPosition {
    return { sent: this.sent };
  }

  private wake(): void {
    if (this.stopped) return;
    if (this.scanning) {
      this.again = true;
      return;
    }
    this.scanning = true;
    this.scan(true)
      .catch((error: unknown) => this.onError(error))
      .finally(() => {
        this.scanning = false;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async scan(emit: boolean): Promise<void> {
    const floor = idFloor(eventIds, Date.now() - this.options.windowMs);
    for (const id of this.sent) if (id < floor) this.sent.delete(id);
    let from = floor;
    for (;;) {
      const events = await this.log.from(this.merchantId, from, this.options.batch);
      for (const event of events) {
        if (this.stopped) return;
        if (this.sent.has(event.id)) continue;
        this.sent.add(event.id);
        if (emit) await this.onEvent(event);
      }
      const last = events.at(-1);
      if (events.length < this.options.batch || !last) return;
      from = last.id;
    }
  }
}
