// Encryption at rest for the secrets openfc keeps (bank tokens, account numbers).
//
// Values are sealed with AES-256-GCM under a single 32-byte key. A sealed value is a
// self-describing string `v1.<iv>.<ciphertext>.<tag>` (each part base64url), so the format
// can evolve later without guessing. Callers may bind a value to its row by passing the
// row id as associated data: a sealed value copied to another row then fails to open.

import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { privateDir, privateFileIfExists } from './private-files.ts';

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ALGORITHM = 'aes-256-gcm';

/** Name of the key file openfc keeps in its data folder when no key is configured. */
export const KEY_FILE_NAME = 'secret-key';

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function openFailure(): Error {
  return new Error('secret could not be decrypted');
}

/** Strict base64url decoding: `undefined` for anything that is not canonical base64url. */
function decodeBase64url(text: string): Buffer | undefined {
  if (!BASE64URL.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Uint8Array) {
    if (key.length !== KEY_BYTES) {
      throw new Error(`encryption key must be ${KEY_BYTES} bytes, got ${key.length}`);
    }
    this.#key = Buffer.from(key);
  }

  /** Encrypts `plaintext` with a fresh random IV, optionally bound to `associatedData`. */
  seal(plaintext: string, associatedData?: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#key, iv, { authTagLength: TAG_BYTES });
    if (associatedData !== undefined) cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [
      VERSION,
      iv.toString('base64url'),
      ciphertext.toString('base64url'),
      tag.toString('base64url'),
    ].join('.');
  }

  /**
   * A stable secret for `label`, derived from the key (HMAC-SHA256): the same in every process
   * that shares the key, and useless to anyone who does not hold it.
   */
  derive(label: string): Buffer {
    return createHmac('sha256', this.#key).update(`openfc derive:${label}`).digest();
  }

  /**
   * Verifies and decrypts a value produced by `seal`. Any failure (wrong key, tampering,
   * wrong associated data, malformed input) throws the same generic error, which never
   * includes the sealed value or the key.
   */
  open(sealed: string, associatedData?: string): string {
    if (typeof sealed !== 'string') throw openFailure();
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION) throw openFailure();
    const iv = decodeBase64url(parts[1] ?? '');
    const ciphertext = decodeBase64url(parts[2] ?? '');
    const tag = decodeBase64url(parts[3] ?? '');
    if (!iv || !ciphertext || !tag || iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw openFailure();
    try {
      const decipher = createDecipheriv(ALGORITHM, this.#key, iv, { authTagLength: TAG_BYTES });
      decipher.setAuthTag(tag);
      if (associatedData !== undefined) decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      const plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
      return plaintext.toString('utf8');
    } catch {
      throw openFailure();
    }
  }
}

const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const BASE64_KEY = /^[A-Za-z0-9+/_-]{43}={0,1}$/;

/**
 * Parses a 32-byte key written as 64 hex characters, or as base64 / base64url (padded or
 * not). Errors never echo the value, since it is a secret.
 */
export function parseKey(text: string): Buffer {
  const trimmed = text.trim();
  if (HEX_KEY.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (BASE64_KEY.test(trimmed)) {
    const normalized = trimmed.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
    const bytes = decodeBase64url(normalized);
    if (bytes && bytes.length === KEY_BYTES) return bytes;
  }
  throw new Error(
    `encryption key must be ${KEY_BYTES} bytes written as 64 hex characters or as base64/base64url`,
  );
}

export type KeySource = 'configured' | 'file' | 'generated';

function readKeyFile(path: string): Buffer {
  const text = readFileSync(path, 'utf8');
  try {
    return parseKey(text);
  } catch (error) {
    throw new Error(`key file ${path} is invalid: ${(error as Error).message}`);
  }
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

/**
 * Resolves the encryption key: the configured one when given; else the key kept in
 * `<dataDir>/secret-key`; else a freshly generated key, written to that file (mode 0600).
 *
 * The file fallback suits a single data folder (SQLite). With PostgreSQL, several openfc
 * processes on different hosts share one database, so the key must be configured and the
 * caller should refuse to start without it rather than calling this with no key.
 *
 * Generation is safe against concurrent processes sharing the data folder: the key is
 * written to a temporary file and hard-linked into place, so exactly one key wins and the
 * others read it back.
 */
export function loadOrCreateKey(options: { configured?: string; dataDir: string }): {
  key: Buffer;
  source: KeySource;
} {
  if (options.configured !== undefined) {
    return { key: parseKey(options.configured), source: 'configured' };
  }
  const path = join(options.dataDir, KEY_FILE_NAME);
  try {
    const key = readKeyFile(path);
    privateDir(options.dataDir);
    privateFileIfExists(path);
    return { key, source: 'file' };
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) throw error;
  }

  privateDir(options.dataDir);
  const key = randomBytes(KEY_BYTES);
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    privateFileIfExists(temporary);
    try {
      writeSync(fd, `${key.toString('hex')}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(temporary, path);
    } catch (error) {
      if (!isErrno(error, 'EEXIST')) throw error;
      // Another process generated the key first; use theirs.
      return { key: readKeyFile(path), source: 'file' };
    }
  } finally {
    try {
      unlinkSync(temporary);
    } catch {
      // Already gone; nothing to clean up.
    }
  }
  return { key, source: 'generated' };
}
