import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { CommitMark } from '../../src/store/commit-marks.ts';
import { currentCommitMark, withCommitMark, withoutCommitMark } from '../../src/store/commit-marks.ts';
import { backends } from '../support/backends.ts';

/**
 * A commit mark is found by the writes of its work, across every `await`, and only there. Finding
 * it makes Node 20 follow every promise of the process, so that is on only while a marked work
 * runs: the promises of every other request go unfollowed.
 */

const mark = (): CommitMark => ({ statement: () => undefined, check: () => {} });
const root = path.resolve(import.meta.dirname, '../..');

describe('commit marks', () => {
  test('a work finds its mark across awaits; overlapping works each keep their own', async () => {
    const first = mark();
    const second = mark();
    let releaseFirst: () => void = () => {};
    const firstHeld = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    const seen: (CommitMark | undefined)[] = [];
    const one = withCommitMark(first, async () => {
      await firstHeld;
      seen.push(currentCommitMark());
    });
    const two = withCommitMark(second, async () => {
      await sleep(1);
      seen.push(currentCommitMark());
      releaseFirst();
      await one;
      // The first work has ended: the second still finds its mark.
      await sleep(1);
      seen.push(currentCommitMark());
      seen.push(await withoutCommitMark(async () => currentCommitMark()));
    });
    await Promise.all([one, two]);
    assert.deepEqual(seen, [second, first, second, undefined]);
    assert.equal(currentCommitMark(), undefined);
  });

  test('after a work fails, the next one finds its mark, and nothing outside it does', async () => {
    await assert.rejects(
      withCommitMark(mark(), async () => {
        await null;
        throw new Error('refused');
      }),
      /refused/,
    );
    assert.equal(currentCommitMark(), undefined);
    const next = mark();
    await withCommitMark(next, async () => {
      await sleep(1);
      assert.equal(currentCommitMark(), next);
    });
    await sleep(1);
    assert.equal(currentCommitMark(), undefined);
  });
});

for (const backend of backends) {
  describe(`promises followed while serving on ${backend.name}`, { skip: backend.skip }, () => {
    test('only while a marked work runs: not after, nor after the SDK’s idempotent POST is answered', async () => {
      const database = await backend.provision();
      try {
        const { stdout } = await promisify(execFile)(
          process.execPath,
          [
            '--import',
            'tsx',
            'test/support/promise-following.ts',
            database.dataDir,
            ...(database.databaseUrl === undefined ? [] : [database.databaseUrl]),
          ],
          { cwd: root, timeout: 60_000 },
        );
        assert.deepEqual(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}'), {
          atStart: false,
          insideMarkedWork: true,
          markFound: true,
          afterMarkedWork: false,
          afterFailedWork: false,
          keySent: true,
          afterIdempotentCreate: false,
          afterRead: false,
        });
      } finally {
        await database.drop();
      }
    });
  });
}
