import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Fastify from 'fastify';
import { registerFlowPages } from '../../src/api/flow-pages.ts';
import { backends } from '../support/backends.ts';
import { type Harness, startHarness } from '../support/harness.ts';

// The files `npm run build` (run before the tests) left in dist/.
const built = {
  index: readFileSync('dist/flow/index.html', 'utf8'),
  assets: readdirSync('dist/flow/assets'),
  js: readFileSync('dist/client/openfc.js', 'utf8'),
  mjs: readFileSync('dist/client/openfc.mjs', 'utf8'),
};

const csp = (ancestors: string) =>
  `default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors ${ancestors}`;

function headersOf(response: Response, names: string[]) {
  return Object.fromEntries(names.map((name) => [name, response.headers.get(name)]));
}

describe('the flow pages and the client library', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness(backends[0] as (typeof backends)[number]);
  });
  after(() => h?.close());

  test('GET /flow/: the app, frameable by any merchant, with a self-only CSP', async () => {
    const response = await fetch(`${h.url}/flow/`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), built.index);
    assert.deepEqual(
      headersOf(response, [
        'content-type',
        'content-security-policy',
        'referrer-policy',
        'x-content-type-options',
        'x-frame-options',
        'cache-control',
      ]),
      {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': csp('*'),
        'referrer-policy': 'no-referrer',
        'x-content-type-options': 'nosniff',
        'x-frame-options': null,
        'cache-control': 'no-cache',
      },
    );
  });

  test('GET /hosted/fc/:token: the same app, never framed, never cached', async () => {
    const response = await fetch(`${h.url}/hosted/fc/hl_token_123`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), built.index);
    assert.deepEqual(
      headersOf(response, [
        'content-security-policy',
        'referrer-policy',
        'x-content-type-options',
        'x-frame-options',
        'cache-control',
      ]),
      {
        'content-security-policy': csp("'none'"),
        'referrer-policy': 'no-referrer',
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'cache-control': 'no-store',
      },
    );
  });

  test('GET /flow/assets/<hashed name>: cached for a year; an unknown name is a 404', async () => {
    assert.ok(
      built.assets.some((name) => name.endsWith('.js')) && built.assets.some((n) => n.endsWith('.css')),
    );
    for (const name of built.assets) {
      const response = await fetch(`${h.url}/flow/assets/${name}`);
      assert.equal(response.status, 200, name);
      assert.equal(await response.text(), readFileSync(`dist/flow/assets/${name}`, 'utf8'));
      assert.deepEqual(headersOf(response, ['content-type', 'cache-control', 'x-content-type-options']), {
        'content-type': name.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8',
        'cache-control': 'public, max-age=31536000, immutable',
        'x-content-type-options': 'nosniff',
      });
    }
    const missing = await fetch(`${h.url}/flow/assets/nothing-here.js`);
    assert.equal(missing.status, 404);
    assert.equal(await missing.text(), 'Not found');
  });

  test('GET /js/v1/openfc.js and openfc.mjs: the library builds, loadable from any origin', async () => {
    for (const [path, body] of [
      ['/js/v1/openfc.js', built.js],
      ['/js/v1/openfc.mjs', built.mjs],
    ] as const) {
      const response = await fetch(`${h.url}${path}`);
      assert.equal(response.status, 200, path);
      assert.equal(await response.text(), body);
      assert.deepEqual(
        headersOf(response, [
          'content-type',
          'access-control-allow-origin',
          'x-content-type-options',
          'cache-control',
        ]),
        {
          'content-type': 'text/javascript; charset=utf-8',
          'access-control-allow-origin': '*',
          'x-content-type-options': 'nosniff',
          'cache-control': 'public, max-age=300',
        },
      );
    }
    assert.match(built.mjs, /export\s*\{[^}]*as default/);
  });
});

test('without a build, the pages answer a 503 page that says how to build', async () => {
  const app = Fastify();
  const empty = mkdtempSync(path.join(tmpdir(), 'openfc-no-build-'));
  try {
    registerFlowPages(app, empty);
    for (const url of ['/flow/', '/hosted/fc/hl_token_123', '/js/v1/openfc.js', '/js/v1/openfc.mjs']) {
      const response = await app.inject({ url });
      assert.equal(response.statusCode, 503, url);
      assert.equal(response.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(response.headers['cache-control'], 'no-store');
      assert.match(response.body, /<h1>The account holder's flow is not available<\/h1>/);
      assert.match(response.body, /Run <code>npm run build<\/code> and restart it/);
    }
  } finally {
    await app.close();
    rmSync(empty, { recursive: true, force: true });
  }
});
