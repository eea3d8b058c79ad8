import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { KEY_FILE_NAME, loadOrCreateKey, parseKey, SecretBox } from '../../src/store/secrets.ts';

const GENERIC = { name: 'Error', message: 'secret could not be decrypted' };

function tamper(sealed: string, index: 1 | 2 | 3): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[index] ?? '', 'base64url');
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  parts[index] = bytes.toString('base64url');
  return parts.join('.');
}

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  test('round trips text, including empty and non-ASCII text', () => {
    for (const text of ['tok_bank_123', '', '000123456789', 'héllo ✓ 🏦']) {
      const sealed = box.seal(text);
      assert.match(sealed, /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]{22}$/);
      assert.ok(!sealed.includes(text) || text === '');
      assert.equal(box.open(sealed), text);
    }
  });

  test('two seals of the same text differ', () => {
    const a = box.seal('000123456789');
    const b = box.seal('000123456789');
    assert.notEqual(a, b);
    assert.notEqual(a.split('.')[1], b.split('.')[1]);
    assert.equal(box.open(a), box.open(b));
  });

  test('a wrong key fails with the generic message', () => {
    const sealed = box.seal('secret');
    const other = new SecretBox(randomBytes(32));
    assert.throws(() => other.open(sealed), GENERIC);
  });

  test('tampering with the iv, ciphertext or tag fails', () => {
    const sealed = box.seal('account 000123456789');
    for (const index of [1, 2, 3] as const) {
      const tampered = tamper(sealed, index);
      assert.notEqual(tampered, sealed);
      assert.throws(() => box.open(tampered), GENERIC, `part ${index}`);
    }
  });

  test('associated data binds a value to its row', () => {
    const sealed = box.seal('tok_bank_123', 'fca_row_1');
    assert.equal(box.open(sealed, 'fca_row_1'), 'tok_bank_123');
    assert.throws(() => box.open(sealed, 'fca_row_2'), GENERIC);
    assert.throws(() => box.open(sealed), GENERIC);
    const unbound = box.seal('tok_bank_123');
    assert.throws(() => box.open(unbound, 'fca_row_1'), GENERIC);
  });

  test('malformed values fail with the generic message, never echoing the input', () => {
    const good = box.seal('secret');
    const [, iv, ciphertext, tag] = good.split('.');
    const malformed = [
      '',
      'v1',
      'not-a-sealed-value',
      `v2.${iv}.${ciphertext}.${tag}`,
      `v1.${iv}.${ciphertext}`,
      `v1.${iv}.${ciphertext}.${tag}.extra`,
      `v1.${iv}!.${ciphertext}.${tag}`,
      `v1.${iv}.${ciphertext}.${tag}==`,
      `v1.${iv}.${ciphertext}.${tag?.slice(0, 10)}`,
      `v1.${iv?.slice(0, 8)}.${ciphertext}.${tag}`,
      `v1..${ciphertext}.${tag}`,
      ` ${good}`,
    ];
    for (const value of malformed) {
      assert.throws(
        () => box.open(value),
        (error: unknown) => {
          assert.ok(error instanceof Error);
          assert.equal(error.message, GENERIC.message);
          return true;
        },
        JSON.stringify(value),
      );
    }
  });

  test('refuses keys that are not 32 bytes', () => {
    assert.throws(() => new SecretBox(randomBytes(31)), /32 bytes/);
    assert.throws(() => new SecretBox(randomBytes(33)), /32 bytes/);
  });
});

describe('parseKey', () => {
  const key = randomBytes(32);

  test('accepts hex, base64 and base64url', () => {
    assert.deepEqual(parseKey(key.toString('hex')), key);
    assert.deepEqual(parseKey(key.toString('hex').toUpperCase()), key);
    assert.deepEqual(parseKey(key.toString('base64')), key);
    assert.deepEqual(parseKey(key.toString('base64').replace(/=+$/, '')), key);
    assert.deepEqual(parseKey(key.toString('base64url')), key);
    assert.deepEqual(parseKey(` ${key.toString('hex')}\n`), key);
  });

  test('refuses 31 bytes and other garbage without echoing the value', () => {
    const short = randomBytes(31);
    const bad = [
      short.toString('hex'),
      short.toString('base64'),
      short.toString('base64url'),
      randomBytes(33).toString('base64'),
      '',
      'correct horse battery staple',
      `${key.toString('hex')}00`,
    ];
    for (const value of bad) {
      assert.throws(
        () => parseKey(value),
        (error: unknown) => {
          assert.ok(error instanceof Error);
          assert.match(error.message, /64 hex characters or as base64\/base64url/);
          if (value !== '') assert.ok(!error.message.includes(value));
          return true;
        },
        `length ${value.length}`,
      );
    }
  });
});

describe('loadOrCreateKey', () => {
  const root = mkdtempSync(join(tmpdir(), 'openfc-secrets-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  test('generates once, then reads the same key back from the file', () => {
    const dataDir = join(root, 'nested', 'data');
    const first = loadOrCreateKey({ dataDir });
    assert.equal(first.source, 'generated');
    assert.equal(first.key.length, 32);

    const file = join(dataDir, KEY_FILE_NAME);
    assert.equal(readFileSync(file, 'utf8').trim(), first.key.toString('hex'));
    if (process.platform !== 'win32') assert.equal(statSync(file).mode & 0o777, 0o600);

    const second = loadOrCreateKey({ dataDir });
    assert.equal(second.source, 'file');
    assert.deepEqual(second.key, first.key);

    const box = new SecretBox(first.key);
    assert.equal(new SecretBox(second.key).open(box.seal('tok')), 'tok');
  });

  test('prefers a configured key over the file and does not write one', () => {
    const dataDir = join(root, 'configured');
    const generated = loadOrCreateKey({ dataDir });
    const configured = randomBytes(32);
    const result = loadOrCreateKey({ dataDir, configured: configured.toString('base64') });
    assert.equal(result.source, 'configured');
    assert.deepEqual(result.key, configured);
    assert.notDeepEqual(result.key, generated.key);

    const fresh = join(root, 'configured-only');
    const only = loadOrCreateKey({ dataDir: fresh, configured: configured.toString('hex') });
    assert.equal(only.source, 'configured');
    assert.throws(() => statSync(join(fresh, KEY_FILE_NAME)), { code: 'ENOENT' });
  });

  test('refuses an invalid configured key or key file without echoing it', () => {
    assert.throws(() => loadOrCreateKey({ dataDir: root, configured: 'too-short' }), /64 hex characters/);
    const dataDir = join(root, 'corrupt');
    loadOrCreateKey({ dataDir });
    writeFileSync(join(dataDir, KEY_FILE_NAME), 'abcdef\n');
    assert.throws(
      () => loadOrCreateKey({ dataDir }),
      (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.match(error.message, /key file .* is invalid/);
        assert.ok(!error.message.includes('abcdef'));
        return true;
      },
    );
  });
});
