import { invalidRequest } from '../../domain/errors.ts';
import type { EventFilter } from '../../domain/events/log.ts';
import type { AccountFilter } from '../../domain/financial-connections/accounts.ts';
import { connectionStatuses } from '../../domain/financial-connections/types.ts';
import type { Page } from '../../domain/paging.ts';

/** How many rows a list's page shows unless the address asks for another number. */
export const pageSize = 20;

/** The dashboard's list pages: Stripe's cursors, 20 to a page unless asked (at most 100). */
export function pageFromQuery(query: URLSearchParams): Page {
  const limitText = query.get('limit');
  const limit = limitText === null ? pageSize : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw invalidRequest(
      'Invalid integer: limit must be between 1 and 100.',
      'limit',
      'parameter_invalid_integer',
    );
  }
  const startingAfter = query.get('starting_after') || undefined;
  const endingBefore = query.get('ending_before') || undefined;
  if (startingAfter && endingBefore) {
    throw invalidRequest(
      'You may only specify one of these parameters: starting_after, ending_before.',
      'ending_before',
      'parameters_exclusive',
    );
  }
  return { limit, startingAfter, endingBefore };
}

/** A field of a JSON body that must be one of `allowed`. */
export function oneOfField<T extends string>(body: unknown, name: string, allowed: readonly T[]): T {
  const value =
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  if (value === undefined || value === null || value === '') {
    throw invalidRequest(`Missing required param: ${name}.`, name, 'parameter_missing');
  }
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalidRequest(`Invalid ${name}: must be one of ${allowed.join(', ')}.`, name);
  }
  return value as T;
}

/** A string field of a JSON body, required. */
export function stringField(body: unknown, name: string): string {
  const value =
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    throw invalidRequest(`Missing required param: ${name}.`, name, 'parameter_missing');
  }
  return value.trim();
}

/** `seconds`: a whole number from 1 to `max`, given as a number or its digits. */
export function secondsField(body: unknown, max: number): number {
  const value =
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>).seconds : undefined;
  if (value === undefined || value === null || value === '') {
    throw invalidRequest('Missing required param: seconds.', 'seconds', 'parameter_missing');
  }
  const seconds = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1 || seconds > max) {
    throw invalidRequest(
      `Invalid integer: seconds must be between 1 and ${max}.`,
      'seconds',
      'parameter_invalid_integer',
    );
  }
  return seconds;
}

/** A list filter that must be one of `allowed` (absent or empty: no filter), refused as the API refuses one. */
export function choiceFromQuery<T extends string>(
  query: URLSearchParams,
  name: string,
  allowed: readonly T[],
): T | undefined {
  const value = query.get(name)?.trim() || undefined;
  if (value !== undefined && !(allowed as readonly string[]).includes(value)) {
    throw invalidRequest(`Invalid ${name}: must be one of ${allowed.join(', ')}.`, name);
  }
  return value as T | undefined;
}

/** A text filter: an id, an email, an event type (trimmed; absent or empty: no filter). */
export function textFromQuery(query: URLSearchParams, name: string): string | undefined {
  return query.get(name)?.trim() || undefined;
}

/** The accounts list's filters: `status`, `customer` (the holder) and `institution` (its id). */
export function accountFilter(query: URLSearchParams): AccountFilter {
  const customer = textFromQuery(query, 'customer');
  return {
    status: choiceFromQuery(query, 'status', connectionStatuses),
    holder: customer === undefined ? undefined : { type: 'customer', customer },
    institution: textFromQuery(query, 'institution'),
  };
}

/** The events list's filter: `type`, an exact type or a prefix ending in `*`, as `GET /v1/events` takes it. */
export function eventFilter(query: URLSearchParams): EventFilter {
  const type = textFromQuery(query, 'type');
  return { types: type === undefined ? undefined : [type] };
}
