import { randomFillSync, timingSafeEqual } from 'node:crypto';

/** A kind of id openfc issues: the prefix its ids start with. */
export interface IdKind {
  readonly prefix: string;
}

const prefixes = new Set<string>();

/**
 * Declares a kind of id, next to the records that carry it. No two kinds share a prefix: a second
 * declaration of one fails when its module loads.
 */
export function idKind(prefix: string): IdKind {
  if (!/^[a-z]+$/.test(prefix)) throw new Error(`id prefix '${prefix}' is not lowercase letters`);
  if (prefixes.has(prefix)) throw new Error(`id prefix '${prefix}' is declared twice`);
  prefixes.add(prefix);
  return { prefix };
}

// ASCII order, so that ids compare in the order they were made (byte-wise collation).
const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const timeChars = 8;
const randomChars = 16;

let lastMillis = 0;
let sequence = 0;

function encodeTime(millis: number, seq: number): string {
  // 8 base62 chars hold milliseconds for the next few thousand years; the sequence breaks ties
  // between ids made in the same millisecond by this process.
  let n = millis * 62 + seq;
  let out = '';
  for (let i = 0; i < timeChars + 1; i++) {
    out = alphabet[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

// Random bytes are drawn from a pool refilled in bulk: one system call per few hundred ids.
const pool = Buffer.alloc(8192);
let poolOffset = pool.length;

function randomByte(): number {
  if (poolOffset >= pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  return pool[poolOffset++] as number;
}

function randomChars62(count: number): string {
  let out = '';
  while (out.length < count) {
    const b = randomByte();
    // 248 = 4 × 62: rejecting the rest keeps every character equally likely.
    if (b < 248) out += alphabet[b % 62];
  }
  return out;
}

/** A new id of the given kind: prefix, then time-sortable characters, then randomness. */
export function newId(kind: IdKind): string {
  const now = Date.now();
  if (now === lastMillis) {
    sequence = Math.min(sequence + 1, 61);
  } else {
    lastMillis = now;
    sequence = 0;
  }
  return `${kind.prefix}_${encodeTime(now, sequence)}${randomChars62(randomChars - 1)}`;
}

/**
 * An id of the given kind as `newId` would have made it at `millis` (first in its millisecond):
 * for rows written in bulk with times of their own, such as a seeded database.
 */
export function idAt(kind: IdKind, millis: number): string {
  return `${kind.prefix}_${encodeTime(Math.max(0, Math.floor(millis)), 0)}${randomChars62(randomChars - 1)}`;
}

/**
 * The smallest id of the given kind that `newId` can make at or after `millis`: ids compare in
 * the order they were made, so `id >= idFloor(kind, t)` selects the ids made since `t`.
 */
export function idFloor(kind: IdKind, millis: number): string {
  return `${kind.prefix}_${encodeTime(Math.max(0, Math.floor(millis)), 0)}`;
}

/** A secret of the given prefix with enough randomness to be unguessable. */
export function newSecret(prefix: string, length = 32): string {
  return `${prefix}${randomChars62(length)}`;
}

/** Compares a secret without telling by timing how much of it matched. */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
