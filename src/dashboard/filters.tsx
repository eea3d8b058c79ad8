import type { ComponentChildren } from 'preact';
import { Link, navigate } from './nav.tsx';

/**
 * A list's filters, kept in the page's address so that a filtered view can be linked. Applying
 * them starts the list again from its newest rows (cursors are dropped; a chosen page size stays).
 */
export function FilterForm({
  path,
  query,
  names,
  label,
  children,
}: {
  path: string;
  query: URLSearchParams;
  /** The filters' field names, as the list's API takes them. */
  names: readonly string[];
  /** The form's accessible name. */
  label: string;
  children: ComponentChildren;
}) {
  const filtered = names.some((name) => query.get(name));
  const cleared = new URLSearchParams(query);
  for (const name of [...names, 'starting_after', 'ending_before']) cleared.delete(name);
  const href = (params: URLSearchParams) => (params.size > 0 ? `${path}?${params}` : path);
  return (
    <form
      class="filters"
      aria-label={label}
      action={path}
      method="get"
      onSubmit={(event) => {
        event.preventDefault();
        const next = new URLSearchParams(cleared);
        const form = new FormData(event.currentTarget);
        for (const name of names) {
          const value = String(form.get(name) ?? '').trim();
          if (value) next.set(name, value);
        }
        navigate(href(next));
      }}
    >
      <div class="pair">{children}</div>
      <div class="filter-actions">
        <button type="submit" class="secondary">
          Apply filters
        </button>
        {filtered ? <Link href={href(cleared)}>Clear filters</Link> : null}
      </div>
    </form>
  );
}
