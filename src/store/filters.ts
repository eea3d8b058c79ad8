import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';

/** Stripe's range filter on a Unix-time column (`created[gte]=…`). */
export interface TimeRange {
  gt?: number | undefined;
  gte?: number | undefined;
  lt?: number | undefined;
  lte?: number | undefined;
}

/** The bounds of a range, in a fixed order, and the comparison each makes. */
export const rangeKeys = ['gt', 'gte', 'lt', 'lte'] as const;
export const rangeOperators = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/** The conditions a range puts on a column (true when the range is empty). */
export function within<DB, TB extends keyof DB>(
  eb: ExpressionBuilder<DB, TB>,
  column: string,
  range: TimeRange | undefined,
): Expression<SqlBool> {
  const conditions = rangeKeys.flatMap((key) => {
    const value = range?.[key];
    return value === undefined ? [] : [eb(sql.ref(column), rangeOperators[key], value)];
  });
  return eb.and(conditions);
}
