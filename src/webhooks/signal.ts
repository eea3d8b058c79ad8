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
  /** Set once the store's notifications of `channel` reach this process (see `hearStore`). */
  private storeNotifies = false;
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
   * The store's notifications now wake this signal once each transaction that notified has
   * committed (PostgreSQL's LISTEN): `written` leaves the waking to them.
   */
  hearStore(): void {
    this.storeNotifies = true;
  }

  /**
   * Said by a write of events or deliveries, within its transaction or after it. Without the
   * store's notifications (SQLite), it wakes every listener after the current turn, when the
   * transaction has committed (SQLite runs one transaction at a time on its one connection).
   * With them, the notification wakes after the commit; waking here as well would have the
   * listeners look before the commit and find nothing.
   */
  written(): void {
    if (!this.storeNotifies) this.wake();
  }

  /** Wakes every listener once, after the current turn. */
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
