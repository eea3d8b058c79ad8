/**
 * The sandbox bank's sense of time, in Unix seconds. openfc can inject its own sandbox clock; the
 * default follows the system clock with an offset that `POST /control/clock` moves.
 */
export interface BankClock {
  now(): number;
  /** Present when the clock can be set from the bank's control endpoint; a kept clock resolves once kept. */
  set?(seconds: number): void | Promise<void>;
}

export function settableClock(start?: number): Required<BankClock> {
  const system = () => Math.floor(Date.now() / 1000);
  let offset = start === undefined ? 0 : start - system();
  return {
    now: () => system() + offset,
    set(seconds: number) {
      offset = seconds - system();
    },
  };
}

/** A clock that stands still until it is set: for tests that assert exact times. */
export function fixedClock(start: number): Required<BankClock> {
  let current = start;
  return {
    now: () => current,
    set(seconds: number) {
      current = seconds;
    },
  };
}
