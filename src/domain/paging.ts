/** A page request: newest first, with Stripe's cursors. */
export interface Page {
  limit: number;
  startingAfter?: string | undefined;
  endingBefore?: string | undefined;
}

export interface PageResult<T> {
  data: T[];
  hasMore: boolean;
}

/** The slice of a query a repository runs for one page: ids are time-sortable, so the cursor is an id. */
export interface PageWindow {
  /** Rows with ids strictly below (`<`) or above (`>`) `cursor`. */
  direction: '<' | '>';
  cursor: string | undefined;
  order: 'asc' | 'desc';
  limit: number;
}

/** Runs one page of a query newest-first, fetching one extra row to learn `hasMore`. */
export async function fetchPage<T>(
  page: Page,
  run: (window: PageWindow) => Promise<T[]>,
): Promise<PageResult<T>> {
  if (page.endingBefore !== undefined) {
    const rows = await run({
      direction: '>',
      cursor: page.endingBefore,
      order: 'asc',
      limit: page.limit + 1,
    });
    const hasMore = rows.length > page.limit;
    return { data: rows.slice(0, page.limit).reverse(), hasMore };
  }
  const rows = await run({
    direction: '<',
    cursor: page.startingAfter,
    order: 'desc',
    limit: page.limit + 1,
  });
  return { data: rows.slice(0, page.limit), hasMore: rows.length > page.limit };
}

/** The same paging over items already in memory, listed newest first. */
export function pageArray<T extends { id: string }>(items: readonly T[], page: Page): PageResult<T> {
  if (page.endingBefore !== undefined) {
    const end = items.findIndex((i) => i.id === page.endingBefore);
    const before = end === -1 ? [] : items.slice(0, end);
    const data = before.slice(Math.max(0, before.length - page.limit));
    return { data, hasMore: before.length > data.length };
  }
  if (page.startingAfter === undefined) {
    return { data: items.slice(0, page.limit), hasMore: items.length > page.limit };
  }
  const start = items.findIndex((i) => i.id === page.startingAfter);
  const rest = start === -1 ? [] : items.slice(start + 1);
  return { data: rest.slice(0, page.limit), hasMore: rest.length > page.limit };
}
