import assert from 'node:assert/strict';
import { test } from 'node:test';
import { afterBusinessDays } from '../../src/domain/payments/payment-intent-rules.ts';

const at = (iso: string) => Date.parse(iso) / 1000;

test('ACH settlement counts business days, skipping weekends (UTC)', () => {
  const cases: Array<[string, number, string]> = [
    ['2026-12-01T10:00:00Z', 4, '2026-12-07T10:00:00Z'], // Tuesday → Monday
    ['2026-12-03T10:00:00Z', 4, '2026-12-09T10:00:00Z'], // Thursday → Wednesday
    ['2026-12-04T23:00:00Z', 1, '2026-12-07T23:00:00Z'], // Friday → Monday
    ['2026-12-05T08:00:00Z', 1, '2026-12-07T08:00:00Z'], // Saturday → Monday
    ['2026-12-06T08:00:00Z', 4, '2026-12-10T08:00:00Z'], // Sunday → Thursday
    ['2026-12-01T10:00:00Z', 0, '2026-12-01T10:00:00Z'], // no delay: due at once
  ];
  assert.deepEqual(
    cases.map(([from, days]) => new Date(afterBusinessDays(at(from), days) * 1000).toISOString()),
    cases.map(([, , expected]) => new Date(expected).toISOString()),
  );
});
