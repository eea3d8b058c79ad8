/** The bank's secrets: made at random, kept only as digests, compared in constant time. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const digest = (text: string) => createHash('sha256').update(text).digest('hex');

export const secret = (prefix: string) => `${prefix}${randomBytes(24).toString('base64url')}`;

export function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
