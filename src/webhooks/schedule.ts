/**
 * When a failed delivery is tried again: a list of delays in seconds, one per retry. Test mode
 * retries three times over a few hours, as Stripe's sandboxes do; the live-mode schedule backs off
 * exponentially up to three days after the first attempt.
 */
export type RetrySchedule = readonly number[];

function liveSchedule(): number[] {
  const limit = 3 * 86_400;
  const delays: number[] = [];
  let delay = 300;
  let total = 0;
  while (total + delay <= limit) {
    delays.push(delay);
    total += delay;
    delay = Math.min(delay * 2, 12 * 3600);
  }
  return delays;
}

export const retrySchedules = {
  test: [300, 3600, 3 * 3600],
  live: liveSchedule(),
} as const satisfies Record<string, RetrySchedule>;

/** `test`, `live`, or delays in seconds separated by commas (`0.5,2,10`). */
export const retryScheduleSyntax = /^(test|live|\d+(\.\d+)?(,\d+(\.\d+)?)*)$/;

export function parseRetrySchedule(value: string): RetrySchedule {
  if (value === 'test' || value === 'live') return retrySchedules[value];
  return value.split(',').map(Number);
}

/** At most a day is waited for a receiver's `Retry-After`. */
const maxRetryAfterMs = 86_400_000;

/** A `Retry-After` header (seconds or an HTTP date) as milliseconds from `now`. */
export function retryAfterMs(header: string | undefined, now: number): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const value = header.trim();
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(ms, 0), maxRetryAfterMs);
}

/**
 * When attempt number `attempt` (1 for the first) failed at `now`: the time of the next one, or
 * undefined when the schedule has run out. Each delay is spread by ±10% so that many failures at
 * one moment do not all come back at once; a receiver's `Retry-After` is a floor.
 */
export function nextAttemptAt(
  schedule: RetrySchedule,
  attempt: number,
  now: number,
  retryAfter: number | undefined,
  random: () => number = Math.random,
): number | undefined {
  const delay = schedule[attempt - 1];
  if (delay === undefined) return undefined;
  const jittered = delay * 1000 * (0.9 + 0.2 * random());
  return now + Math.round(Math.max(jittered, retryAfter ?? 0));
}
