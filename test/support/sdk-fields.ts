/**
 * The fields the official `stripe` SDK declares for an object, read from its type declarations.
 * Where the reference schemas only stub an object (`payment_intent`, `charge`, `account`), this is
 * how the tests check that a response has every field Stripe always sends and none Stripe does not
 * know; objects the schemas describe (`balance_transaction`) are checked against both. Objects the
 * schemas leave out (`balance`, `topup`, `transfer`) are checked here, with their fields' kinds.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const declarations: Record<string, { file: string; type: string }> = {
  payment_intent: { file: 'PaymentIntents.d.ts', type: 'PaymentIntent' },
  charge: { file: 'Charges.d.ts', type: 'Charge' },
  balance_transaction: { file: 'BalanceTransactions.d.ts', type: 'BalanceTransaction' },
  account: { file: 'Accounts.d.ts', type: 'Account' },
  balance: { file: 'Balance.d.ts', type: 'Balance' },
  topup: { file: 'Topups.d.ts', type: 'Topup' },
  transfer: { file: 'Transfers.d.ts', type: 'Transfer' },
  payout: { file: 'Payouts.d.ts', type: 'Payout' },
  token: { file: 'Tokens.d.ts', type: 'Token' },
  bank_account: { file: 'BankAccounts.d.ts', type: 'BankAccount' },
};

const cache = new Map<string, { required: string[]; optional: string[] }>();

function fieldsOf(object: string) {
  const cached = cache.get(object);
  if (cached) return cached;
  const declared = declarations[object];
  assert.ok(declared, `no SDK declaration known for ${object}`);
  const url = new URL(`../../node_modules/stripe/esm/resources/${declared.file}`, import.meta.url);
  const source = readFileSync(url, 'utf8');
  const start = source.indexOf(`\nexport interface ${declared.type} {\n`);
  assert.ok(start >= 0, `the SDK declares ${declared.type}`);
  const body = source.slice(start, source.indexOf('\n}\n', start));
  const fields = { required: [] as string[], optional: [] as string[] };
  // Top-level members are indented by exactly four spaces.
  for (const match of body.matchAll(/^ {4}([a-z_0-9]+)(\??):/gm)) {
    (match[2] === '?' ? fields.optional : fields.required).push(match[1] as string);
  }
  cache.set(object, fields);
  return fields;
}

export function hasSdkFields(object: string): boolean {
  return Object.hasOwn(declarations, object);
}

/** Asserts that `body` has every field the SDK declares as always present, and no undeclared one. */
export function assertSdkFields(object: string, body: Record<string, unknown>): void {
  const { required, optional } = fieldsOf(object);
  const keys = Object.keys(body);
  const missing = required.filter((f) => !keys.includes(f));
  const unknown = keys.filter((k) => !required.includes(k) && !optional.includes(k));
  assert.deepEqual({ missing, unknown }, { missing: [], unknown: [] }, `${object}: ${JSON.stringify(body)}`);
}

/** What a JSON value is, as a declared type tells it apart. */
export type Kind = 'string' | 'number' | 'boolean' | 'null' | 'object' | 'array';

function kindOf(value: unknown): Kind | 'undefined' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const kind = typeof value;
  return kind === 'string' || kind === 'number' || kind === 'boolean' || kind === 'object'
    ? kind
    : 'undefined';
}

/**
 * Asserts `body` has the SDK's fields (as `assertSdkFields`) and that each field holds a value of a
 * kind its declared type allows: `kinds` transcribes the declaration, one entry per field sent.
 */
export function assertSdkKinds(
  object: string,
  body: Record<string, unknown>,
  kinds: Readonly<Record<string, readonly Kind[]>>,
): void {
  assertSdkFields(object, body);
  const wrong = Object.entries(body).flatMap(([field, value]) => {
    const allowed = kinds[field];
    const actual = kindOf(value);
    return allowed?.includes(actual as Kind) ? [] : [`${field}: ${actual}, declared ${allowed?.join(' | ')}`];
  });
  assert.deepEqual(wrong, [], `${object}: ${JSON.stringify(body)}`);
}
