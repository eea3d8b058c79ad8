import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Wakes whoever waits for new events and deliveries: the worker and the listeners streaming
 * events. Within a process it is called directly; across PostgreSQL processes through
 * LISTEN/NOTIFY on `channel`.
 */
export const webhookChannel = 'openfc_events';

export class WakeSignal {
  private readonly listeners = new Set<() => void>();
  private scheduled = false;
  /**
   * Listeners run in the context the signal was made in (start-up), not in the waking request's:
   * the worker's writes are not the request's (see `withCommitMark`).
   */
  private readonly outsideRequests = AsyncLocalStorage.snapshot();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Wakes every listener once, after the current turn: by then the transaction that wrote the
   * event has committed (SQLite runs one transaction at a time on its one connection).
   */
  wake(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() =>
      this.outsideRequests(() => {
        this.scheduled = false;
        for (const listener of this.listeners) listener();
      }),
    );
  }
}
