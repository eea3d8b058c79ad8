import { z } from 'zod';
import { invalidRequest } from '../../domain/errors.ts';
import type { Page } from '../../domain/paging.ts';
import type { TimeRange } from '../../store/filters.ts';
import { int, str } from './params.ts';

/** Stripe's pagination parameters, shared by every list endpoint. */
export const pageParams = {
  limit: int(1, 100).optional(),
  starting_after: str().optional(),
  ending_before: str().optional(),
};

export function toPage(params: {
  limit?: number | undefined;
  starting_after?: string | undefined;
  ending_before?: string | undefined;
}): Page {
  if (params.starting_after !== undefined && params.ending_before !== undefined) {
    throw invalidRequest(
      'You may only specify one of these parameters: starting_after, ending_before.',
      'ending_before',
      'parameters_exclusive',
    );
  }
  return {
    limit: params.limit ?? 10,
    startingAfter: params.starting_after,
    endingBefore: params.ending_before,
  };
}

export type ListEnvelope<T> = {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
};

export function listEnvelope<T>(url: string, data: T[], hasMore: boolean): ListEnvelope<T> {
  return { object: 'list', data, has_more: hasMore, url };
}

/** Stripe's range parameter (`created=…` or `created[gte]=…`), always read as a range. */
export const rangeParam = z
  .union([
    int(0),
    z.strictObject({
      gt: int(0).optional(),
      gte: int(0).optional(),
      lt: int(0).optional(),
      lte: int(0).optional(),
    }),
  ])
  .transform((value): TimeRange => (typeof value === 'number' ? { gte: value, lte: value } : value));
