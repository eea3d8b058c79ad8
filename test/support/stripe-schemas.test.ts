import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { assertListOf, assertMatchesSchema, assertStripeError } from './stripe-schemas.ts';

type Fixtures = Record<string, Record<string, Record<string, unknown>>>;

const fixtures = JSON.parse(
  readFileSync(new URL('../fixtures/stripe/fixtures-fc.json', import.meta.url), 'utf8'),
) as Fixtures;

function fixture(section: string, name: string): Record<string, unknown> {
  const obj = fixtures[section]?.[name];
  assert.ok(obj, `fixture ${section}/${name} exists`);
  return structuredClone(obj);
}

for (const section of ['ga', 'private_preview']) {
  const objects = fixtures[section];
  test(`every ${section} fixture matches its schema`, () => {
    assert.ok(objects && Object.keys(objects).length > 0, `section ${section} has fixtures`);
    for (const [name, obj] of Object.entries(objects)) assertMatchesSchema(name, obj);
  });
}

test('an account with an unknown status fails', () => {
  const account = { ...fixture('ga', 'financial_connections.account'), status: 'bogus' };
  assert.throws(
    () => assertMatchesSchema('financial_connections.account', account),
    (err: unknown) =>
      err instanceof assert.AssertionError && /\/status: must be equal to one of/.test(err.message),
  );
});

test('an account without status fails', () => {
  const account = fixture('ga', 'financial_connections.account');
  delete account.status;
  assert.throws(
    () => assertMatchesSchema('financial_connections.account', account),
    (err: unknown) =>
      err instanceof assert.AssertionError && /must have required property 'status'/.test(err.message),
  );
});

test('nullable fields accept null', () => {
  const account = { ...fixture('private_preview', 'financial_connections.account'), account_numbers: null };
  assertMatchesSchema('financial_connections.account', account);
  assertMatchesSchema('financial_connections.account', { ...account, balance: null, display_name: null });
});

test('nullable $ref/anyOf fields still validate their non-null value', () => {
  const account = { ...fixture('ga', 'financial_connections.account'), balance_refresh: { status: 'bogus' } };
  assert.throws(() => assertMatchesSchema('financial_connections.account', account), assert.AssertionError);
});

test('stub schemas accept any object with an id and an object type', () => {
  assertMatchesSchema('customer', { id: 'cus_123', object: 'customer', whatever: 1 });
  assert.throws(() => assertMatchesSchema('customer', { object: 'customer' }), assert.AssertionError);
  assert.throws(() => assertMatchesSchema('customer', 'cus_123'), assert.AssertionError);
});

test('unknown schema names are rejected', () => {
  assert.throws(() => assertMatchesSchema('no_such_schema', {}), /unknown Stripe schema/);
});

test('assertListOf checks the envelope and every item', () => {
  const account = fixture('ga', 'financial_connections.account');
  const list = {
    object: 'list',
    data: [account],
    has_more: false,
    url: '/v1/financial_connections/accounts',
  };
  assertListOf('financial_connections.account', list, '/v1/financial_connections/accounts');
  assertListOf('financial_connections.account', { ...list, data: [] }, '/v1/financial_connections/accounts');
  assert.throws(
    () => assertListOf('financial_connections.account', list, '/v1/financial_connections/transactions'),
    /\/url: must start with/,
  );
  assert.throws(
    () => assertListOf('financial_connections.account', { ...list, has_more: 'no' }, '/v1/'),
    /\/has_more: must be boolean/,
  );
  assert.throws(
    () =>
      assertListOf(
        'financial_connections.account',
        { ...list, data: [{ ...account, status: 'bogus' }] },
        '/v1/',
      ),
    /\/data\/0\/status: must be equal to one of/,
  );
});

test('assertStripeError accepts Stripe error bodies only', () => {
  assertStripeError({
    error: {
      type: 'invalid_request_error',
      code: 'resource_missing',
      message: "No such financial_connections.account: 'fca_123'",
      param: 'account',
    },
  });
  assert.throws(() => assertStripeError({ error: { type: 'nope', message: 'x' } }), /\/error\/type/);
  assert.throws(() => assertStripeError({ error: { message: 'x' } }), /required property 'type'/);
  assert.throws(() => assertStripeError({ error: { type: 'api_error' } }), /\/error\/message/);
  assert.throws(() => assertStripeError({ message: 'x' }), assert.AssertionError);
});
