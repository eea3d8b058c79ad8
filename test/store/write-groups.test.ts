import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { WriteGroups } from '../../src/store/write-groups.ts';

/** A writer that records its groups and answers each item doubled, after `gate` opens. */
function recorder() {
  const groups: number[][] = [];
  let open: () => void = () => {};
  let gate = Promise.resolve();
  return {
    groups,
    hold() {
      gate = new Promise((resolve) => {
        open = resolve;
      });
    },
    release: () => open(),
    write: async (items: number[]) => {
      groups.push(items);
      await gate;
      return items.map((n) => n * 2);
    },
  };
}

describe('write groups', () => {
  test('items added in one turn are written as one group, each answered with its own result', async () => {
    const r = recorder();
    const groups = new WriteGroups(r.write, 10);
    const results = await Promise.all([1, 2, 3].map((n) => groups.add(n)));
    assert.deepEqual(results, [2, 4, 6]);
    assert.deepEqual(r.groups, [[1, 2, 3]]);
  });

  test('items added while a group is written go together in the next one', async () => {
    const r = recorder();
    const groups = new WriteGroups(r.write, 10);
    r.hold();
    const first = groups.add(1);
    await nextTurn();
    const later = [groups.add(2), groups.add(3)];
    await nextTurn();
    const more = groups.add(4);
    r.release();
    assert.deepEqual(await Promise.all([first, ...later, more]), [2, 4, 6, 8]);
    assert.deepEqual(r.groups, [[1], [2, 3, 4]]);
  });

  test('no group is larger than its bound', async () => {
    const r = recorder();
    const groups = new WriteGroups(r.write, 4);
    await Promise.all(Array.from({ length: 10 }, (_, i) => groups.add(i)));
    assert.deepEqual(
      r.groups.map((g) => g.length),
      [4, 4, 2],
    );
  });

  test("a failed write fails its group's items only, and later items are written", async () => {
    let calls = 0;
    const groups = new WriteGroups(async (items: number[]) => {
      calls++;
      if (calls === 1) throw new Error('disk full');
      return items;
    }, 10);
    const failed = await Promise.allSettled([groups.add(1), groups.add(2)]);
    assert.deepEqual(
      failed.map((f) => f.status),
      ['rejected', 'rejected'],
    );
    assert.equal(await groups.add(3), 3);
  });
});
