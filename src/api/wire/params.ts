import { z } from 'zod';
import { type ErrorCode, invalidRequest } from '../../domain/errors.ts';

/**
 * Field builders for Stripe's form-encoded parameters (every value arrives as a string) and the
 * translation of validation issues into Stripe's error shape.
 */
type Issue = { code: ErrorCode | undefined; message: string };

function fail(ctx: z.RefinementCtx, issue: Issue): typeof z.NEVER {
  ctx.addIssue({ code: 'custom', message: issue.message, params: { stripeCode: issue.code } });
  return z.NEVER;
}

export function paramName(path: ReadonlyArray<PropertyKey>): string {
  const [first, ...rest] = path.map(String);
  return (first ?? '') + rest.map((p) => `[${p}]`).join('');
}

function emptyIssue(): Issue {
  return { code: 'parameter_invalid_empty', message: '' };
}

/** A non-empty string of at most `max` characters. */
export function str(max = 5000) {
  return z.string().transform((value, ctx) => {
    if (value === '') return fail(ctx, emptyIssue());
    if (value.length > max) {
      return fail(ctx, { code: undefined, message: `Invalid string: must be at most ${max} characters` });
    }
    return value;
  });
}

/** A string that may be empty to unset it; empty becomes null. */
export function emptyableStr(max = 5000) {
  return z.string().transform((value, ctx) => {
    if (value === '') return null;
    if (value.length > max) {
      return fail(ctx, { code: undefined, message: `Invalid string: must be at most ${max} characters` });
    }
    return value;
  });
}

function parseInteger(value: string, ctx: z.RefinementCtx, min: number, max: number): number {
  if (value === '') return fail(ctx, emptyIssue());
  if (!/^-?\d{1,15}$/.test(value))
    return fail(ctx, { code: 'parameter_invalid_integer', message: `Invalid integer: ${value}` });
  const n = Number(value);
  if (n < min || n > max) {
    return fail(ctx, {
      code: 'parameter_invalid_integer',
      message: `This value must be greater than or equal to ${min} and less than or equal to ${max}.`,
    });
  }
  return n;
}

export function int(min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) {
  return z.string().transform((value, ctx) => parseInteger(value, ctx, min, max));
}

/** An integer that may be sent empty to unset it; empty becomes null. */
export function emptyableInt(min: number, max: number) {
  return z.string().transform((value, ctx) => (value === '' ? null : parseInteger(value, ctx, min, max)));
}

/** Stripe's form booleans: `true` or `false`. */
export function bool() {
  return z.string().transform((value, ctx) => {
    if (value === 'true') return true;
    if (value === 'false') return false;
    if (value === '') return fail(ctx, emptyIssue());
    return fail(ctx, { code: undefined, message: `Invalid boolean: ${value}` });
  });
}

function listOf(values: readonly string[]): string {
  if (values.length <= 1) return values.join('');
  return `${values.slice(0, -1).join(', ')}, or ${values[values.length - 1]}`;
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.string().transform((value, ctx) => {
    if (value === '') return fail(ctx, emptyIssue());
    if (!(values as readonly string[]).includes(value)) {
      return fail(ctx, { code: undefined, message: `must be one of ${listOf(values)}` });
    }
    return value as T[number];
  });
}

export function arrayOf<T extends z.ZodType>(item: T) {
  return z.array(item);
}

export function obj<T extends z.core.$ZodLooseShape>(shape: T) {
  return z.strictObject(shape);
}

/** Stripe's metadata: up to 50 keys; '' as the whole hash clears it, '' as a value deletes a key. */
export function metadata() {
  return z.union([z.literal(''), z.record(z.string(), z.string())]).transform((value, ctx) => {
    if (value === '') return {} as Record<string, string | null>;
    const entries = Object.entries(value);
    if (entries.length > 50)
      return fail(ctx, { code: undefined, message: 'Invalid metadata: at most 50 keys' });
    const out: Record<string, string | null> = {};
    for (const [k, v] of entries) {
      if (k.length > 40)
        return fail(ctx, {
          code: undefined,
          message: `Invalid metadata key: '${k}' is longer than 40 characters`,
        });
      if (v.length > 500)
        return fail(ctx, {
          code: undefined,
          message: `Invalid metadata value for '${k}': longer than 500 characters`,
        });
      out[k] = v === '' ? null : v;
    }
    return out;
  });
}

export const expandParam = z.array(str()).max(50).optional();

function describeType(expected: string): string {
  switch (expected) {
    case 'array':
      return 'Invalid array';
    case 'object':
      return 'Invalid object';
    default:
      return `Invalid ${expected === 'string' ? 'string' : expected}`;
  }
}

/** Validates parameters, throwing the first problem as a Stripe-shaped error. */
export function validate<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0] as z.core.$ZodIssue;
  const param = paramName(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const name = paramName([...issue.path, issue.keys[0] ?? '']);
      throw invalidRequest(`Received unknown parameter: ${name}`, name, 'parameter_unknown');
    }
    case 'invalid_type':
      if (issue.input === undefined) {
        throw invalidRequest(`Missing required param: ${param}.`, param, 'parameter_missing');
      }
      throw invalidRequest(`${describeType(issue.expected)}: ${param}`, param);
    case 'invalid_union':
      throw invalidRequest(`Invalid value for ${param}.`, param);
    case 'too_big':
      throw invalidRequest(`Invalid ${param}: too many items (at most ${String(issue.maximum)}).`, param);
    case 'custom': {
      const stripeCode = (issue.params as { stripeCode?: ErrorCode } | undefined)?.stripeCode;
      if (stripeCode === 'parameter_invalid_empty') {
        throw invalidRequest(
          `You passed an empty string for '${param}'. We assume empty values are an attempt to unset a parameter; however '${param}' cannot be unset. You should remove '${param}' from your request or supply a non-empty value.`,
          param,
          stripeCode,
        );
      }
      const message = issue.message.startsWith('must be')
        ? `Invalid ${param}: ${issue.message}`
        : issue.message;
      throw invalidRequest(message, param, stripeCode);
    }
    default:
      throw invalidRequest(`Invalid value for ${param}.`, param);
  }
}
