import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accountIds } from '../../src/domain/financial-connections/accounts.ts';
import { idAt, idFloor, newId } from '../../src/domain/ids.ts';

test('idAt makes ids of newId’s shape that sort by the time given', () => {
  const now = Date.now();
  const made = newId(accountIds);
  const at = idAt(accountIds, now);
  assert.match(at, /^fca_[0-9A-Za-z]{24}$/);
  assert.equal(at.length, made.length);
  const earlier = idAt(accountIds, now - 86_400_000);
  const later = idAt(accountIds, now + 1);
  assert.ok(earlier < at && at < later, `${earlier} < ${at} < ${later}`);
  assert.ok(idFloor(accountIds, now) <= at && at < idFloor(accountIds, now + 1));
  assert.notEqual(idAt(accountIds, now), idAt(accountIds, now));
});
