import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { Loaded } from './load.ts';
import { Link } from './nav.tsx';

/**
 * One page. Its heading takes focus when the page opens (not when it reads again), so keyboard and
 * screen reader users start there.
 */
export function Page({ title, children }: { title: string; children: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <>
      <h1 ref={heading} tabIndex={-1}>
        {title}
      </h1>
      {children}
    </>
  );
}

/** What a page shows while it reads, or when reading failed. */
export function Loading<T>({
  loaded,
  children,
}: {
  loaded: Loaded<T>;
  children: (value: T) => ComponentChildren;
}) {
  if (loaded.state === 'loading') return <p class="muted">Loading…</p>;
  if (loaded.state === 'failed')
    return (
      <p class="error" role="alert">
        {loaded.message}
      </p>
    );
  return <>{children(loaded.value)}</>;
}

/** Links to the previous and next pages of a list (newest first, Stripe's cursors). */
export function Pager({
  path,
  first,
  last,
  hasMore,
  query,
  label = 'Pages',
}: {
  path: string;
  first: string | undefined;
  last: string | undefined;
  hasMore: boolean;
  query: URLSearchParams;
  /** The navigation's name: a page with more than one list names each list's pages. */
  label?: string;
}) {
  const backwards = query.has('ending_before');
  const atStart = !query.has('starting_after') && !(backwards && hasMore);
  const atEnd = backwards ? !query.has('ending_before') : !hasMore;
  // A page size chosen in the address is kept from page to page.
  const href = (cursor: 'starting_after' | 'ending_before', id: string) => {
    const next = new URLSearchParams(query);
    next.delete('starting_after');
    next.delete('ending_before');
    next.set(cursor, id);
    return `${path}?${next}`;
  };
  return (
    <nav class="pager" aria-label={label}>
      {!atStart && first ? <Link href={href('ending_before', first)}>Previous page</Link> : null}
      {!atEnd && last ? <Link href={href('starting_after', last)}>Next page</Link> : null}
    </nav>
  );
}

/** Term and description pairs. */
export function Facts({ rows }: { rows: [string, ComponentChildren][] }) {
  return (
    <dl class="facts">
      {rows.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A page of a list: `empty` when it has nothing, else its items and the Pager. */
export function PagedList<T extends { id: string }>({
  loaded,
  path,
  query,
  empty,
  children,
}: {
  loaded: Loaded<{ data: T[]; has_more: boolean }>;
  path: string;
  query: URLSearchParams;
  empty: string;
  children: (items: T[]) => ComponentChildren;
}) {
  return (
    <Loading loaded={loaded}>
      {(page) =>
        page.data.length === 0 ? (
          <p>{empty}</p>
        ) : (
          <>
            {children(page.data)}
            <Pager
              path={path}
              first={page.data[0]?.id}
              last={page.data.at(-1)?.id}
              hasMore={page.has_more}
              query={query}
            />
          </>
        )
      }
    </Loading>
  );
}
