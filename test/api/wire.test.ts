/**
 * openfc's wire protocol, route-independent: authentication, request ids, API versions, unknown
 * URLs, parameter decoding and validation, hostile bodies, idempotency and `expand[]`.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import Stripe from 'stripe';
import { requestHash } from '../../src/domain/idempotency/service.ts';
import { backends } from '../support/backends.ts';
import {
  gaVersion,
  type Harness,
  previewVersion,
  type RawResponse,
  requestLogUrl,
  startHarness,
} from '../support/harness.ts';
import { assertListOf, assertMatchesSchema, assertStripeError } from '../support/stripe-schemas.ts';

const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };
const sessionsUrl = '/v1/financial_connections/sessions';
const institutionsUrl = '/v1/financial_connections/institutions';
/** Names every object inherits: as parameter names or values they must mean nothing more. */
const inheritedNames = ['constructor', '__proto__', 'toString', 'hasOwnProperty'];

type Body = Record<string, unknown>;

interface ExpectedError {
  type: string;
  message: string | RegExp;
  code?: string;
  param?: string;
}

/**
 * Asserts a raw error response: its status, a valid Stripe error body, and the whole `error`
 * object (a RegExp message is matched, everything else compared exactly, including doc_url and
 * request_log_url).
 */
function expectError(res: RawResponse, status: number, expected: ExpectedError): Body {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
  assertStripeError(res.body);
  const requestId = res.headers.get('request-id');
  assert.match(requestId ?? '', /^req_[A-Za-z0-9]+$/);
  const actual = res.body.error as Body;
  if (expected.message instanceof RegExp) assert.match(String(actual.message), expected.message);
  assert.deepEqual(actual, {
    type: expected.type,
    message: expected.message instanceof RegExp ? actual.message : expected.message,
    ...(expected.code !== undefined && {
      code: expected.code,
      doc_url: `https://stripe.com/docs/error-codes/${expected.code.replaceAll('_', '-')}`,
    }),
    ...(expected.param !== undefined && { param: expected.param }),
    ...(requestLogUrl(res) !== undefined && { request_log_url: requestLogUrl(res) }),
  });
  return actual;
}

/** A predicate for `assert.rejects` on an SDK call: the error class, HTTP status and wire error. */
function sdkError(
  cls: new (...args: never[]) => Stripe.errors.StripeError,
  statusCode: number,
  expected: Partial<Record<'type' | 'code' | 'param' | 'message', string | undefined>>,
) {
  return (error: unknown) => {
    assert.ok(error instanceof cls, `expected ${cls.name}, got ${String(error)}`);
    assert.equal(error.statusCode, statusCode);
    const raw = error.raw as Body;
    const actual = Object.fromEntries(Object.keys(expected).map((k) => [k, raw[k]]));
    assert.deepEqual(actual, expected, `error was ${JSON.stringify(raw)}`);
    const { headers: _h, statusCode: _s, requestId: _r, ...wire } = raw;
    assertStripeError({ error: wire });
    return true;
  };
}

/** Strips the SDK's `lastResponse` so that bodies compare as sent. */
function sent<T extends object>(value: T): Body {
  const { lastResponse: _ignored, ...rest } = value as T & { lastResponse?: unknown };
  return rest;
}

function post(
  h: Harness,
  path: string,
  body: string | Uint8Array,
  options: { headers?: Record<string, string>; key?: string | null; version?: string } = {},
): Promise<RawResponse> {
  return h.fetch(path, {
    method: 'POST',
    headers: { ...formHeaders, ...options.headers },
    body,
    ...(options.key !== undefined && { key: options.key }),
    ...(options.version !== undefined && { version: options.version }),
  });
}

async function countCustomers(h: Harness): Promise<number> {
  const all = await h.stripe().customers.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 });
  return all.length;
}

async function customersWithEmail(h: Harness, email: string): Promise<Stripe.Customer[]> {
  return (await h.stripe().customers.list({ email, limit: 100 })).data;
}

function randomKey(prefix: string): string {
  return `${prefix}${randomBytes(18).toString('hex')}`;
}

for (const backend of backends) {
  describe(`wire protocol on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    let customer: Stripe.Customer;
    /** `account_holder[…]` fields naming `customer`, as a form fragment. */
    let holder: string;
    before(async () => {
      h = await startHarness(backend);
      customer = await h.stripe().customers.create({ email: 'wire@example.com', name: 'Wire' });
      holder = `account_holder[type]=customer&account_holder[customer]=${customer.id}`;
    });
    after(() => h?.close());

    describe('authentication', () => {
      test('no Authorization header is a 401 that says how to send a key', async () => {
        const res = await h.fetch('/v1/customers', { key: null });
        const error = expectError(res, 401, { type: 'invalid_request_error', message: /API key/ });
        assert.match(String(error.message), /Authorization header/);
        assert.match(String(error.message), /Bearer/);
        assert.match(String(error.message), /Basic/);
      });

      test('an unknown secret key is a 401 that does not echo the key', async () => {
        const key = randomKey('sk_test_');
        const res = await h.fetch('/v1/customers', { key });
        expectError(res, 401, {
          type: 'invalid_request_error',
          message: /^Invalid API Key provided: sk_test_/,
        });
        assert.equal(res.text.includes(key), false, `the full key appears in ${res.text}`);
        assert.equal(
          res.text.includes(key.slice(8, -4)),
          false,
          `the key's secret part appears in ${res.text}`,
        );
        await assert.rejects(
          h.stripe({ key }).customers.list(),
          sdkError(Stripe.errors.StripeAuthenticationError, 401, { type: 'invalid_request_error' }),
        );
      });

      test('a replaced key stops working at once, though it answered just before', async () => {
        const other = await h.otherMerchant();
        const answered = await h.fetch('/v1/customers', { key: other.secretKey });
        assert.equal(answered.status, 200, answered.text);
        const credential = await h.running.services.merchants.authenticate(other.secretKey);
        assert.ok(credential);
        const replacement = randomKey('sk_test_');
        await h.running.services.merchants.setKeys(credential.merchant.id, { secretKey: replacement });
        expectError(await h.fetch('/v1/customers', { key: other.secretKey }), 401, {
          type: 'invalid_request_error',
          message: /^Invalid API Key provided/,
        });
        const replaced = await h.fetch('/v1/customers', { key: replacement });
        assert.equal(replaced.status, 200, replaced.text);
      });

      test('Basic auth with the key as username works', async () => {
        const basic = `Basic ${Buffer.from(`${h.secretKey}:`).toString('base64')}`;
        const res = await h.fetch('/v1/customers?limit=100', { headers: { authorization: basic } });
        assert.equal(res.status, 200, res.text);
        assertListOf('customer', res.body, '/v1/customers');
        assert.ok((res.body.data as Body[]).some((c) => c.id === customer.id));

        const wrong = `Basic ${Buffer.from(`${randomKey('sk_test_')}:`).toString('base64')}`;
        const refused = await h.fetch('/v1/customers', { headers: { authorization: wrong } });
        expectError(refused, 401, { type: 'invalid_request_error', message: /^Invalid API Key provided/ });
      });

      test('Bearer auth works, raw and through the SDK', async () => {
        const res = await h.fetch('/v1/customers?limit=100', {
          headers: { authorization: `Bearer ${h.secretKey}` },
        });
        assert.equal(res.status, 200, res.text);
        assertListOf('customer', res.body, '/v1/customers');
        const fetched = await h.stripe().customers.retrieve(customer.id);
        assertMatchesSchema('customer', sent(fetched));
        assert.equal(fetched.id, customer.id);
      });

      test('a publishable key on a secret-only route is a 401 secret_key_required', async () => {
        const res = await h.fetch('/v1/customers', { key: h.publishableKey });
        expectError(res, 401, {
          type: 'invalid_request_error',
          code: 'secret_key_required',
          message: 'This API call cannot be made with a publishable API key. Please use a secret API key.',
        });
        await assert.rejects(
          h.stripe({ key: h.publishableKey }).customers.create({ name: 'nope' }),
          sdkError(Stripe.errors.StripeAuthenticationError, 401, { code: 'secret_key_required' }),
        );
      });

      test('a live key is a 401 saying live mode needs a live connector', async () => {
        const key = randomKey('sk_live_');
        const res = await h.fetch('/v1/customers', { key });
        const error = expectError(res, 401, { type: 'invalid_request_error', message: /live/i });
        assert.match(String(error.message), /live connector/);
        assert.equal(res.text.includes(key), false, `the full key appears in ${res.text}`);
      });

      test("another merchant's key cannot see this merchant's objects", async () => {
        const other = await h.otherMerchant();
        const session = await h.stripe().financialConnections.sessions.create({
          account_holder: { type: 'customer', customer: customer.id },
          permissions: ['balances'],
        });

        const res = await h.fetch(`/v1/customers/${customer.id}`, { key: other.secretKey });
        expectError(res, 404, {
          type: 'invalid_request_error',
          code: 'resource_missing',
          param: 'id',
          message: `No such customer: '${customer.id}'`,
        });
        await assert.rejects(
          h.stripe({ key: other.secretKey }).financialConnections.sessions.retrieve(session.id),
          sdkError(Stripe.errors.StripeInvalidRequestError, 404, { code: 'resource_missing' }),
        );
        const theirs = await h.fetch('/v1/customers?limit=100', { key: other.secretKey });
        assert.equal(theirs.status, 200, theirs.text);
        assertListOf('customer', theirs.body, '/v1/customers');
        assert.deepEqual(theirs.body.data, []);
        // Still visible to its owner.
        assert.equal((await h.stripe().financialConnections.sessions.retrieve(session.id)).id, session.id);
      });
    });

    describe('Request-Id', () => {
      test('every response carries its own req_ id', async () => {
        const responses: Array<[string, RawResponse, number]> = [
          ['success', await h.fetch('/v1/customers'), 200],
          ['4xx error', await h.fetch('/v1/customers?limit=abc'), 400],
          ['unknown URL', await h.fetch('/v1/nope'), 404],
          ['unauthenticated', await h.fetch('/v1/customers', { key: null }), 401],
        ];
        const ids = new Set<string>();
        for (const [what, res, status] of responses) {
          assert.equal(res.status, status, `${what}: ${res.text}`);
          const id = res.headers.get('request-id');
          assert.match(id ?? '', /^req_[A-Za-z0-9]+$/, `${what} has Request-Id ${id}`);
          ids.add(id as string);
          if (status >= 400) {
            assertStripeError(res.body);
            assert.equal((res.body.error as Body).request_log_url, `${h.url}/dashboard/logs/${id}`);
          }
        }
        assert.equal(ids.size, responses.length, 'request ids must differ');

        const created = await h.stripe().customers.create({ name: 'request id' });
        assert.match(created.lastResponse.requestId, /^req_[A-Za-z0-9]+$/);
      });
    });

    describe('Stripe-Version', () => {
      test('the requested version is echoed', async () => {
        for (const version of [previewVersion, gaVersion, '2026-07-29.preview']) {
          const res = await h.fetch('/v1/customers', { version });
          assert.equal(res.status, 200, res.text);
          assert.equal(res.headers.get('stripe-version'), version);
        }
      });

      test("without a Stripe-Version header the merchant's default applies", async () => {
        const res = await h.fetch('/v1/customers');
        assert.equal(res.status, 200, res.text);
        assert.equal(h.running.merchant.defaultApiVersion, '2026-03-04.preview');
        assert.equal(res.headers.get('stripe-version'), '2026-03-04.preview');
        // The default is a preview version, so preview-only routes answer.
        const institutions = await h.fetch(institutionsUrl);
        assert.equal(institutions.status, 200, institutions.text);
        assertListOf('financial_connections.institution', institutions.body, institutionsUrl);
      });

      test('an unknown version is a 400 naming it', async () => {
        const res = await h.fetch('/v1/customers', { version: '2099-01-01.bogus' });
        const error = expectError(res, 400, { type: 'invalid_request_error', message: /2099-01-01\.bogus/ });
        assert.match(String(error.message), /version/i);
      });

      test("the SDK's pinned GA version works", async () => {
        const ga = h.stripe({ apiVersion: gaVersion });
        const created = await ga.customers.create({ name: 'ga customer' });
        assertMatchesSchema('customer', sent(created));
        assert.equal(created.lastResponse.apiVersion, gaVersion);
        const session = await ga.financialConnections.sessions.create({
          account_holder: { type: 'customer', customer: created.id },
          permissions: ['payment_method'],
        });
        assertMatchesSchema('financial_connections.session', sent(session));
        assert.equal(session.lastResponse.apiVersion, gaVersion);
      });

      test('on a GA version the preview-only institutions route is a 404 mentioning preview', async () => {
        const res = await h.fetch(institutionsUrl, { version: gaVersion });
        const error = expectError(res, 404, {
          type: 'invalid_request_error',
          message: /^Unrecognized request URL \(GET: \/v1\/financial_connections\/institutions\)\./,
        });
        assert.match(String(error.message), /preview/);

        const preview = await h.fetch(institutionsUrl, { version: previewVersion });
        assert.equal(preview.status, 200, preview.text);
        assertListOf('financial_connections.institution', preview.body, institutionsUrl);
      });
    });

    describe('unknown URLs', () => {
      test('GET /v1/nope is a 404 naming method and path', async () => {
        const res = await h.fetch('/v1/nope');
        expectError(res, 404, {
          type: 'invalid_request_error',
          message: 'Unrecognized request URL (GET: /v1/nope).',
        });
        const withQuery = await h.fetch('/v1/nope?limit=3');
        expectError(withQuery, 404, {
          type: 'invalid_request_error',
          message: 'Unrecognized request URL (GET: /v1/nope).',
        });
        const viaPost = await post(h, '/v1/nope', 'a=1');
        expectError(viaPost, 404, {
          type: 'invalid_request_error',
          message: 'Unrecognized request URL (POST: /v1/nope).',
        });
      });
    });

    describe('parameters', () => {
      test('an unknown top-level parameter is parameter_unknown', async () => {
        const res = await post(h, sessionsUrl, `${holder}&permissions[]=balances&bogus=1`);
        expectError(res, 400, {
          type: 'invalid_request_error',
          code: 'parameter_unknown',
          param: 'bogus',
          message: 'Received unknown parameter: bogus',
        });
      });

      test('an unknown nested parameter is named in bracket form', async () => {
        const res = await post(h, sessionsUrl, `${holder}&permissions[]=balances&filters[bogus]=1`);
        expectError(res, 400, {
          type: 'invalid_request_error',
          code: 'parameter_unknown',
          param: 'filters[bogus]',
          message: 'Received unknown parameter: filters[bogus]',
        });
      });

      test('a missing required parameter is parameter_missing', async () => {
        const res = await post(h, sessionsUrl, holder);
        expectError(res, 400, {
          type: 'invalid_request_error',
          code: 'parameter_missing',
          param: 'permissions',
          message: 'Missing required param: permissions.',
        });
      });

      test('a bad enum value names the array item', async () => {
        const res = await post(h, sessionsUrl, `${holder}&permissions[0]=nope`);
        expectError(res, 400, {
          type: 'invalid_request_error',
          param: 'permissions[0]',
          message:
            'Invalid permissions[0]: must be one of balances, ownership, payment_method, or transactions',
        });
      });

      test('a non-integer limit is parameter_invalid_integer', async () => {
        for (const url of ['/v1/customers?limit=abc', `${institutionsUrl}?limit=abc`]) {
          const res = await h.fetch(url);
          expectError(res, 400, {
            type: 'invalid_request_error',
            code: 'parameter_invalid_integer',
            param: 'limit',
            message: 'Invalid integer: abc',
          });
        }
      });

      test('limit must be between 1 and 100', async () => {
        for (const limit of ['0', '101', '-1']) {
          const res = await h.fetch(`/v1/customers?limit=${limit}`);
          expectError(res, 400, {
            type: 'invalid_request_error',
            code: 'parameter_invalid_integer',
            param: 'limit',
            message: /1\b.*\b100\b/,
          });
        }
        for (const limit of [1, 100]) {
          const res = await h.fetch(`/v1/customers?limit=${limit}`);
          assert.equal(res.status, 200, res.text);
          assertListOf('customer', res.body, '/v1/customers');
        }
      });

      test('arrays are accepted as a[]= and as a[0]=', async () => {
        const empty = await post(h, sessionsUrl, `${holder}&permissions[]=balances&permissions[]=ownership`);
        const indexed = await post(
          h,
          sessionsUrl,
          `${holder}&permissions[0]=balances&permissions[1]=ownership`,
        );
        for (const res of [empty, indexed]) {
          assert.equal(res.status, 200, res.text);
          assertMatchesSchema('financial_connections.session', res.body);
        }
        assert.deepEqual(empty.body.permissions, ['balances', 'ownership']);
        assert.deepEqual(indexed.body.permissions, empty.body.permissions);
        assert.notEqual(indexed.body.id, empty.body.id);

        // The SDK sends the indexed form.
        const viaSdk = await h.stripe().financialConnections.sessions.create({
          account_holder: { type: 'customer', customer: customer.id },
          permissions: ['balances', 'ownership'],
        });
        assert.deepEqual(viaSdk.permissions, empty.body.permissions);
      });

      test('encoded and raw brackets are both accepted', async () => {
        const raw = `account_holder[type]=customer&account_holder[customer]=${customer.id}&permissions[0]=transactions&filters[countries][0]=US`;
        const encoded = raw.replaceAll('[', '%5B').replaceAll(']', '%5D');
        assert.notEqual(encoded, raw);
        const a = await post(h, sessionsUrl, raw);
        const b = await post(h, sessionsUrl, encoded);
        for (const res of [a, b]) {
          assert.equal(res.status, 200, res.text);
          assertMatchesSchema('financial_connections.session', res.body);
          assert.deepEqual(res.body.permissions, ['transactions']);
          assert.deepEqual(res.body.account_holder, { type: 'customer', customer: customer.id });
          assert.deepEqual((res.body.filters as Body).countries, ['US']);
        }

        // In a query string too.
        const rawQuery = await h.fetch('/v1/customers?created[gte]=0&limit=100');
        const encodedQuery = await h.fetch('/v1/customers?created%5Bgte%5D=0&limit=100');
        for (const res of [rawQuery, encodedQuery]) {
          assert.equal(res.status, 200, res.text);
          assertListOf('customer', res.body, '/v1/customers');
          assert.ok((res.body.data as Body[]).some((c) => c.id === customer.id));
        }
        const future = await h.fetch('/v1/customers?created%5Bgte%5D=99999999999');
        assert.equal(future.status, 200, future.text);
        assert.deepEqual(future.body.data, []);
      });
    });

    describe('bad bodies', () => {
      /** Sends a request that must be refused with a Stripe-shaped 4xx and must write nothing. */
      async function refusedWithoutWrites(
        send: () => Promise<RawResponse>,
        status: number,
        expected: ExpectedError,
      ): Promise<Body> {
        const before = await countCustomers(h);
        const res = await send();
        const error = expectError(res, status, expected);
        assert.equal(await countCustomers(h), before, 'no customer may be created');
        return error;
      }

      test('a body over 1 MB is a 413', async () => {
        await refusedWithoutWrites(
          () => post(h, '/v1/customers', `name=${'a'.repeat(1024 * 1024 + 1)}`),
          413,
          {
            type: 'invalid_request_error',
            message: 'Request body too large: at most 1 MB is accepted.',
          },
        );
        // Just under the limit is parsed (and refused for the name's length instead).
        const under = await post(h, '/v1/customers', `name=${'a'.repeat(1024 * 1024 - 10)}`);
        assert.equal(under.status, 400, under.text);
        assertStripeError(under.body);
        assert.equal((under.body.error as Body).param, 'name');
      });

      test('nesting deeper than 5 levels is a 400', async () => {
        await refusedWithoutWrites(
          () => post(h, '/v1/customers', 'name=deep&metadata[a][b][c][d][e][f]=1'),
          400,
          {
            type: 'invalid_request_error',
            message: /nested more than 5 levels/,
          },
        );
      });

      test('5,000 array items are a 400', async () => {
        const expand = Array.from({ length: 5000 }, () => 'expand[]=x').join('&');
        await refusedWithoutWrites(() => post(h, '/v1/customers', `name=many&${expand}`), 400, {
          type: 'invalid_request_error',
          message: /at most/,
        });
        const permissions = Array.from({ length: 5000 }, () => 'permissions[]=balances').join('&');
        await refusedWithoutWrites(() => post(h, sessionsUrl, `${holder}&${permissions}`), 400, {
          type: 'invalid_request_error',
          message: /at most/,
        });
        // Fewer pairs than the parameter limit, but still too many items for one array.
        const indexed = Array.from({ length: 300 }, (_, i) => `permissions[${i}]=balances`).join('&');
        await refusedWithoutWrites(() => post(h, sessionsUrl, `${holder}&${indexed}`), 400, {
          type: 'invalid_request_error',
          message: /array may hold at most/,
        });
        const sparse = await post(h, sessionsUrl, `${holder}&permissions[99999]=balances`);
        assert.equal(sparse.status, 400, sparse.text);
        assertStripeError(sparse.body);
      });

      test('keys reaching a prototype are a 400 and pollute nothing', async () => {
        for (const key of [
          '__proto__[x]',
          'constructor[prototype][x]',
          'metadata[__proto__]',
          '__proto__',
          'constructor',
          'metadata[constructor]',
        ]) {
          await refusedWithoutWrites(() => post(h, '/v1/customers', `name=proto&${key}=1`), 400, {
            type: 'invalid_request_error',
            param: key,
            message: `Invalid parameter name: '${key}' is not allowed.`,
          });
        }
        const encoded = await post(h, '/v1/customers', 'name=proto&%5F%5Fproto%5F%5F%5Bx%5D=1');
        expectError(encoded, 400, {
          type: 'invalid_request_error',
          param: '__proto__[x]',
          message: "Invalid parameter name: '__proto__[x]' is not allowed.",
        });
        const inQuery = await h.fetch('/v1/customers?__proto__[x]=1');
        expectError(inQuery, 400, {
          type: 'invalid_request_error',
          param: '__proto__[x]',
          message: "Invalid parameter name: '__proto__[x]' is not allowed.",
        });
        // openfc runs in this process: a polluted prototype would show here.
        assert.equal(({} as Record<string, unknown>).x, undefined);
        assert.equal(Object.hasOwn(Object.prototype, 'x'), false);
      });

      test('names every object inherits are unknown parameters or invalid values, never more', async () => {
        // `constructor` and `__proto__` as parameter names are refused above, as prototype keys.
        for (const name of ['toString', 'hasOwnProperty', 'valueOf']) {
          for (const [path, fields, param] of [
            ['/v1/customers', `name=x&${name}=1`, name],
            [sessionsUrl, `${holder}&permissions[]=balances&filters[${name}]=1`, `filters[${name}]`],
            [
              sessionsUrl,
              `${holder}&permissions[]=balances&account_holder[${name}]=1`,
              `account_holder[${name}]`,
            ],
          ] as const) {
            await refusedWithoutWrites(() => post(h, path, fields), 400, {
              type: 'invalid_request_error',
              code: 'parameter_unknown',
              param,
              message: `Received unknown parameter: ${param}`,
            });
          }
          // Metadata keys are the merchant's own: these are stored as given.
          const tagged = await post(h, '/v1/customers', `metadata[${name}]=v`);
          assert.equal(tagged.status, 200, tagged.text);
          assert.deepEqual(tagged.body.metadata, { [name]: 'v' });
        }
        for (const name of inheritedNames) {
          expectError(await post(h, sessionsUrl, `${holder}&permissions[0]=${name}`), 400, {
            type: 'invalid_request_error',
            param: 'permissions[0]',
            message: /^Invalid permissions\[0\]: must be one of /,
          });
          expectError(await h.fetch(`/v1/customers?limit=${name}`), 400, {
            type: 'invalid_request_error',
            code: 'parameter_invalid_integer',
            param: 'limit',
            message: `Invalid integer: ${name}`,
          });
          expectError(await h.fetch(`/v1/customers/${name}`), 404, {
            type: 'invalid_request_error',
            code: 'resource_missing',
            param: 'id',
            message: `No such customer: '${name}'`,
          });
          expectError(await h.fetch('/v1/customers', { version: name }), 400, {
            type: 'invalid_request_error',
            message: new RegExp(`^Invalid Stripe API version: ${name}\\. `),
          });
        }
      });

      test('invalid UTF-8 is a 400, as raw bytes and as %FF', async () => {
        const expected = {
          type: 'invalid_request_error',
          code: 'invalid_characters',
          message: 'Invalid request: the request parameters are not valid UTF-8.',
        };
        const bytes = new Uint8Array([...Buffer.from('name='), 0xff, 0xfe, ...Buffer.from('&email=a@b.co')]);
        await refusedWithoutWrites(() => post(h, '/v1/customers', bytes), 400, expected);
        await refusedWithoutWrites(() => post(h, '/v1/customers', 'name=%FF'), 400, expected);
        await refusedWithoutWrites(() => post(h, '/v1/customers', 'na%FFme=x'), 400, expected);
        expectError(await h.fetch('/v1/customers?email=%FF'), 400, expected);
        // Valid multi-byte UTF-8 is fine.
        const ok = await post(h, '/v1/customers', `name=${encodeURIComponent('Zoë ✓')}`);
        assert.equal(ok.status, 200, ok.text);
        assert.equal(ok.body.name, 'Zoë ✓');
      });

      test('a malformed percent escape is a 400', async () => {
        await refusedWithoutWrites(() => post(h, '/v1/customers', 'name=%E0%A4%A'), 400, {
          type: 'invalid_request_error',
          code: 'invalid_characters',
          message: 'Invalid request: the request parameters are not valid UTF-8.',
        });
      });

      test('a JSON body is a Stripe-shaped 4xx', async () => {
        await refusedWithoutWrites(
          () =>
            post(h, '/v1/customers', JSON.stringify({ name: 'json' }), {
              headers: { 'content-type': 'application/json' },
            }),
          415,
          {
            type: 'invalid_request_error',
            message: "Invalid request: bodies must be application/x-www-form-urlencoded, as in Stripe's API.",
          },
        );
      });
    });

    describe('idempotency', () => {
      test('the same key and parameters replay the first response', async () => {
        const stripe = h.stripe();
        const email = `idem-${randomUUID()}@example.com`;
        const idempotencyKey = randomUUID();
        const first = await stripe.customers.create({ name: 'Idem', email }, { idempotencyKey });
        const second = await stripe.customers.create({ name: 'Idem', email }, { idempotencyKey });
        assertMatchesSchema('customer', sent(first));
        assert.equal(second.id, first.id);
        assert.deepEqual(sent(second), sent(first));
        assert.equal(first.lastResponse.idempotencyKey, idempotencyKey);
        assert.equal(first.lastResponse.headers['idempotent-replayed'], undefined);
        assert.equal(second.lastResponse.headers['idempotent-replayed'], 'true');
        assert.equal(second.lastResponse.idempotencyKey, idempotencyKey);
        assert.equal((await customersWithEmail(h, email)).length, 1);

        // Raw: the replay is byte for byte the first body.
        const key = randomUUID();
        const a = await post(h, '/v1/customers', `name=raw&email=${encodeURIComponent(email)}`, {
          headers: { 'idempotency-key': key },
        });
        const b = await post(h, '/v1/customers', `name=raw&email=${encodeURIComponent(email)}`, {
          headers: { 'idempotency-key': key },
        });
        assert.equal(a.status, 200, a.text);
        assert.equal(b.status, 200, b.text);
        assert.equal(b.text, a.text);
        assert.equal(b.headers.get('idempotent-replayed'), 'true');
        assert.equal(b.headers.get('idempotency-key'), key);
        assert.equal((await customersWithEmail(h, email)).length, 2);
      });

      test('the same key with other parameters is an idempotency_error', async () => {
        const stripe = h.stripe();
        const email = `idem-${randomUUID()}@example.com`;
        const idempotencyKey = randomUUID();
        await stripe.customers.create({ name: 'First', email }, { idempotencyKey });
        await assert.rejects(
          stripe.customers.create({ name: 'Second', email }, { idempotencyKey }),
          sdkError(Stripe.errors.StripeIdempotencyError, 400, { type: 'idempotency_error' }),
        );
        const res = await post(h, '/v1/customers', `name=Third&email=${encodeURIComponent(email)}`, {
          headers: { 'idempotency-key': idempotencyKey },
        });
        expectError(res, 400, {
          type: 'idempotency_error',
          message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
        });
        const made = await customersWithEmail(h, email);
        assert.deepEqual(
          made.map((c) => c.name),
          ['First'],
        );
      });

      test('a request refused by parameter validation is not stored', async () => {
        const key = randomUUID();
        const email = `idem-${randomUUID()}@example.com`;
        const refused = await post(
          h,
          '/v1/customers',
          `name=x&nickname=y&email=${encodeURIComponent(email)}`,
          {
            headers: { 'idempotency-key': key },
          },
        );
        expectError(refused, 400, {
          type: 'invalid_request_error',
          code: 'parameter_unknown',
          param: 'nickname',
          message: 'Received unknown parameter: nickname',
        });
        const retried = await post(h, '/v1/customers', `name=x&email=${encodeURIComponent(email)}`, {
          headers: { 'idempotency-key': key },
        });
        assert.equal(retried.status, 200, retried.text);
        assertMatchesSchema('customer', retried.body);
        assert.equal(retried.headers.get('idempotent-replayed'), null);
        const replayed = await post(h, '/v1/customers', `name=x&email=${encodeURIComponent(email)}`, {
          headers: { 'idempotency-key': key },
        });
        assert.equal(replayed.headers.get('idempotent-replayed'), 'true');
        assert.equal(replayed.body.id, retried.body.id);
        assert.equal((await customersWithEmail(h, email)).length, 1);
      });

      test('a request refused for an invalid parameter value is not stored', async () => {
        const key = randomUUID();
        const refused = await post(h, '/v1/customers', 'email=not-an-email', {
          headers: { 'idempotency-key': key },
        });
        expectError(refused, 400, {
          type: 'invalid_request_error',
          code: 'email_invalid',
          param: 'email',
          message: 'Invalid email address: not-an-email',
        });
        const email = `idem-${randomUUID()}@example.com`;
        const retried = await post(h, '/v1/customers', `email=${encodeURIComponent(email)}`, {
          headers: { 'idempotency-key': key },
        });
        assert.equal(retried.status, 200, retried.text);
        assert.equal(retried.body.email, email);
        assert.equal((await customersWithEmail(h, email)).length, 1);
      });

      test('a key held by an in-flight request is a 409 idempotency_key_in_use', async () => {
        const key = randomUUID();
        const merchantId = h.running.merchant.id;
        const email = `idem-${randomUUID()}@example.com`;
        const raw = `name=inflight&email=${encodeURIComponent(email)}`;
        // The same request, still running elsewhere.
        const claim = await h.running.services.idempotency.claim(
          merchantId,
          key,
          requestHash('POST', '/v1/customers', raw),
          'req_elsewhere',
        );
        assert.equal(claim.kind, 'claimed');
        const res = await post(h, '/v1/customers', raw, { headers: { 'idempotency-key': key } });
        expectError(res, 409, {
          type: 'invalid_request_error',
          code: 'idempotency_key_in_use',
          message: /in-progress request/,
        });
        await assert.rejects(
          h.stripe().customers.create({ name: 'inflight', email }, { idempotencyKey: key }),
          (error: unknown) => {
            assert.ok(error instanceof Stripe.errors.StripeError, String(error));
            assert.equal(error.statusCode, 409);
            assert.equal(error.code, 'idempotency_key_in_use');
            return true;
          },
        );
        assert.equal((await customersWithEmail(h, email)).length, 0);

        // A different request under the held key is refused too, and runs nothing.
        const other = await post(h, '/v1/customers', `name=other&email=${encodeURIComponent(email)}`, {
          headers: { 'idempotency-key': key },
        });
        assert.ok(
          [400, 409].includes(other.status),
          `expected a refusal, got ${other.status}: ${other.text}`,
        );
        assertStripeError(other.body);
        assert.equal((await customersWithEmail(h, email)).length, 0);

        // Once the other request is gone, the key runs.
        assert.equal(await h.running.services.idempotency.release(merchantId, key, 'req_elsewhere'), true);
        const after = await post(h, '/v1/customers', raw, { headers: { 'idempotency-key': key } });
        assert.equal(after.status, 200, after.text);
        assert.equal((await customersWithEmail(h, email)).length, 1);
      });

      test("the SDK's automatic keys keep separate creates separate", async () => {
        const stripe = h.stripe();
        const email = `idem-${randomUUID()}@example.com`;
        const a = await stripe.customers.create({ name: 'auto', email });
        const b = await stripe.customers.create({ name: 'auto', email });
        assert.notEqual(a.id, b.id);
        assert.match(a.lastResponse.idempotencyKey ?? '', /^stripe-node-retry-/);
        assert.match(b.lastResponse.idempotencyKey ?? '', /^stripe-node-retry-/);
        assert.notEqual(a.lastResponse.idempotencyKey, b.lastResponse.idempotencyKey);
        assert.equal(b.lastResponse.headers['idempotent-replayed'], undefined);
        assert.equal((await customersWithEmail(h, email)).length, 2);
      });
    });

    describe('expand[]', () => {
      let sessionId: string;
      before(async () => {
        const session = await h.stripe().financialConnections.sessions.create({
          account_holder: { type: 'customer', customer: customer.id },
          permissions: ['balances'],
        });
        sessionId = session.id;
      });

      test('account_holder.customer is replaced by the customer object', async () => {
        const stripe = h.stripe();
        const plain = await stripe.financialConnections.sessions.retrieve(sessionId);
        assert.equal(plain.account_holder?.customer, customer.id);

        const expanded = await stripe.financialConnections.sessions.retrieve(sessionId, {
          expand: ['account_holder.customer'],
        });
        assertMatchesSchema('financial_connections.session', sent(expanded));
        const embedded = expanded.account_holder?.customer as Stripe.Customer;
        assert.equal(typeof embedded, 'object');
        assertMatchesSchema('customer', embedded);
        const fetched = await stripe.customers.retrieve(customer.id);
        assert.deepEqual(embedded, sent(fetched));
        assert.deepEqual(
          { ...sent(expanded), account_holder: undefined },
          { ...sent(plain), account_holder: undefined },
        );

        const raw = await h.fetch(`${sessionsUrl}/${sessionId}?expand[]=account_holder.customer`);
        assert.equal(raw.status, 200, raw.text);
        assert.equal(((raw.body.account_holder as Body).customer as Body).id, customer.id);
      });

      test('an unknown expand path is a 400 saying it cannot be expanded', async () => {
        const sessionPaths = ['bogus', 'account_holder.bogus', 'permissions', ...inheritedNames];
        const inherited = inheritedNames.flatMap((name) => [
          [`/v1/customers/${customer.id}`, name],
          ['/v1/customers', `data.${name}`],
          [`${sessionsUrl}/${sessionId}`, `accounts.${name}`],
        ]);
        for (const [url, path] of [
          ...sessionPaths.map((p) => [`${sessionsUrl}/${sessionId}`, p]),
          ...inherited,
        ]) {
          const res = await h.fetch(`${url}?expand[]=${path}`);
          expectError(res, 400, {
            type: 'invalid_request_error',
            param: 'expand',
            message: `This property cannot be expanded (${path}).`,
          });
        }
        await assert.rejects(
          h.stripe().financialConnections.sessions.retrieve(sessionId, { expand: ['bogus'] }),
          sdkError(Stripe.errors.StripeInvalidRequestError, 400, { param: 'expand' }),
        );
      });

      test('an unknown expand path on a create refuses it before anything is written', async () => {
        const before = await countCustomers(h);
        const res = await post(h, '/v1/customers', 'name=expand-on-create&expand[]=bogus');
        expectError(res, 400, {
          type: 'invalid_request_error',
          param: 'expand',
          message: 'This property cannot be expanded (bogus).',
        });
        assert.equal(await countCustomers(h), before, 'a refused create must not leave a customer behind');
      });

      test('more than 4 levels is a 400', async () => {
        const path = 'account_holder.customer.a.b.c';
        const res = await h.fetch(`${sessionsUrl}/${sessionId}?expand[]=${path}`);
        expectError(res, 400, {
          type: 'invalid_request_error',
          param: 'expand',
          message: `You cannot expand more than 4 levels of a property. Property: ${path}`,
        });
      });
    });
  });
}
