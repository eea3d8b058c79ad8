import assert from 'node:assert/strict';
import { test } from 'node:test';
import { achDirectDebitFee, availableOn } from '../../src/domain/payments/ach-funds.ts';

const at = (iso: string) => Date.parse(iso) / 1000;
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

test("Stripe's ACH Direct Debit fee: 0.8% rounded to the cent, at most $5.00", () => {
  const cases: Array<[number, number]> = [
    [50, 0], // 0.4 cents
    [63, 1], // 0.504 cents
    [1099, 9],
    [10_000, 80],
    [62_500, 500], // where the cap starts
    [62_600, 500],
    [99_999_999, 500],
  ];
  assert.deepEqual(
    cases.map(([amount]) => [amount, achDirectDebitFee(amount)]),
    cases,
  );
});

test('funds are available at the start (UTC) of the day two business days after the debit succeeds', () => {
  const cases: Array<[string, string]> = [
    ['2026-12-01T10:00:00Z', '2026-12-03T00:00:00Z'], // Tuesday → Thursday
    ['2026-12-03T23:59:59Z', '2026-12-07T00:00:00Z'], // Thursday → Monday
    ['2026-12-04T00:00:00Z', '2026-12-08T00:00:00Z'], // Friday → Tuesday
    ['2026-12-05T12:00:00Z', '2026-12-08T00:00:00Z'], // Saturday → Tuesday
  ];
  assert.deepEqual(
    cases.map(([succeeded]) => [succeeded, iso(availableOn(at(succeeded)))]),
    cases.map(([succeeded, expected]) => [succeeded, new Date(expected).toISOString()]),
  );
});
