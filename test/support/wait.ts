import assert from 'node:assert/strict';

/** Polls `read()` until `pattern` matches it; fails with what was read after `timeoutMs`. */
export async function waitForOutput(
  read: () => string,
  pattern: RegExp,
  timeoutMs = 15_000,
  describe = 'output',
): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = read().match(pattern);
    if (match) return match;
    if (Date.now() > deadline)
      assert.fail(`${describe} did not match ${pattern} within ${timeoutMs} ms:\n${read()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
