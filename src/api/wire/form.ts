import qs from 'qs';
import { ApiError, invalidRequest } from '../../domain/errors.ts';

const forbiddenSegments = new Set(['__proto__', 'constructor', 'prototype']);
const utf8 = new TextDecoder('utf-8', { fatal: true });

export const formLimits = {
  /** Deepest bracket nesting accepted (`a[b][c][d][e]`). */
  depth: 5,
  /** Most key=value pairs in one request. */
  parameters: 1000,
  /** Most items in one array. */
  arrayItems: 250,
} as const;

function badEncoding(): ApiError {
  return invalidRequest(
    'Invalid request: the request parameters are not valid UTF-8.',
    undefined,
    'invalid_characters',
  );
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw badEncoding();
  }
}

/** Rejects keys that would reach an object's prototype, before any object is built from them. */
function checkKeys(raw: string): void {
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decode(eq === -1 ? pair : pair.slice(0, eq));
    for (const segment of key.split(/[[\]]+/)) {
      if (forbiddenSegments.has(segment)) {
        throw invalidRequest(`Invalid parameter name: '${key}' is not allowed.`, key);
      }
    }
  }
}

/** Decodes a body's bytes as UTF-8, refusing invalid sequences. */
export function decodeBody(body: Buffer): string {
  try {
    return utf8.decode(body);
  } catch {
    throw badEncoding();
  }
}

/**
 * Parses Stripe's form encoding (also used for query strings): bracket nesting, arrays as `a[]=`
 * or `a[0]=`, with limits on depth, count and array size.
 */
export function parseForm(raw: string): Record<string, unknown> {
  if (raw === '') return {};
  checkKeys(raw);
  try {
    return qs.parse(raw, {
      depth: formLimits.depth,
      strictDepth: true,
      parameterLimit: formLimits.parameters,
      arrayLimit: formLimits.arrayItems,
      throwOnLimitExceeded: true,
      allowPrototypes: false,
      plainObjects: true,
      decoder: (text) => decode(text),
    }) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof ApiError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    if (/depth/i.test(message)) {
      throw invalidRequest(
        `Invalid request: parameters are nested more than ${formLimits.depth} levels deep.`,
      );
    }
    if (/array/i.test(message)) {
      throw invalidRequest(`Invalid request: an array may hold at most ${formLimits.arrayItems} items.`);
    }
    if (/parameter/i.test(message)) {
      throw invalidRequest(`Invalid request: at most ${formLimits.parameters} parameters are accepted.`);
    }
    throw invalidRequest('Invalid request: the parameters could not be parsed.');
  }
}
