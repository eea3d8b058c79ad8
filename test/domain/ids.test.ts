import assert from 'node:assert/strict';
import { test } from 'node:test';
import { idAt, idFloor, newId } from '../../src/domain/ids.ts';

test('idAt makes ids of newId’s shape that sort by the time given', () => {
  const now = Date.now();
  const made = newId('account');
  const at = idAt('account', now);
  assert.match(at, /^fca_[0-9A-Za-z]{24}$/);
  assert.equal(at.length, made.length);
  const earlier = idAt('account', now - 86_400_000);
  const later = idAt('account', now + 1);
  assert.ok(earlier < at && at < later, `${earlier} < ${at} < ${later}`);
  assert.ok(idFloor('account', now) <= at && at < idFloor('account', now + 1));
  assert.notEqual(idAt('account', now), idAt('account', now));
});
