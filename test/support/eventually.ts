import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `read` until `done` holds for what it returned, and returns that; fails after `timeoutMs`
 * with the last value read, so a test waits for a state instead of sleeping a fixed time.
 */
export async function eventually<T>(
  what: string,
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`Timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await sleep(50);
  }
}

/** Polls a process's output until `pattern` matches it; fails with the output after `timeoutMs`. */
export async function waitForOutput(
  read: () => string,
  pattern: RegExp,
  timeoutMs = 15_000,
  describe = 'output',
): Promise<RegExpMatchArray> {
  const output = await eventually(
    `${describe} to match ${pattern}`,
    read,
    (text) => pattern.test(text),
    timeoutMs,
  );
  return output.match(pattern) as RegExpMatchArray;
}
