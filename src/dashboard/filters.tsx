import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { DashboardApi } from './api.ts';
import { useLoad } from './load.ts';
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
  const filtered = isFiltered(query, names);
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

/** Whether any of a list's filters is set in the page's address. */
export function isFiltered(query: URLSearchParams, names: readonly string[]): boolean {
  return names.some((name) => query.get(name));
}

/**
 * A filter chosen from a closed set: `any` (no filter) or one of `options` (value and words). A
 * value in the address that is not among them stays shown, so the list's refusal of it makes sense.
 */
export function SelectFilter({
  label,
  name,
  query,
  any,
  options,
  wide = false,
}: {
  label: string;
  name: string;
  query: URLSearchParams;
  any: string;
  options: readonly (readonly [value: string, words: string])[];
  /** Long choices (names): the field takes a line of its own on a narrow screen. */
  wide?: boolean;
}) {
  // Controlled: options that arrive after the page opens (institutions) still show the chosen one.
  const [chosen, setChosen] = useState(query.get(name) ?? '');
  return (
    <label class={wide ? 'field wide' : 'field'}>
      <span>{label}</span>
      <select name={name} value={chosen} onChange={(event) => setChosen(event.currentTarget.value)}>
        <option value="">{any}</option>
        {chosen && !options.some(([value]) => value === chosen) ? (
          <option value={chosen}>{chosen}</option>
        ) : null}
        {options.map(([value, words]) => (
          <option key={value} value={value}>
            {words}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A filter typed in: an id, an email, an event type; `hint` says how it matches. */
export function TextFilter({
  label,
  name,
  query,
  placeholder,
  hint,
}: {
  label: string;
  name: string;
  query: URLSearchParams;
  placeholder?: string;
  hint?: string;
}) {
  const hintId = `${name}-hint`;
  const field = (
    <label class={hint ? undefined : 'field'}>
      <span>{label}</span>
      <input
        type="text"
        name={name}
        defaultValue={query.get(name) ?? ''}
        placeholder={placeholder}
        aria-describedby={hint ? hintId : undefined}
        spellcheck={false}
        autocomplete="off"
      />
    </label>
  );
  if (!hint) return field;
  return (
    <div class="field">
      {field}
      <small id={hintId} class="muted">
        {hint}
      </small>
    </div>
  );
}

/** The institution an account or authorization was linked at, chosen by name. */
export function InstitutionFilter({ api, query }: { api: DashboardApi; query: URLSearchParams }) {
  const [institutions] = useLoad('institutions', () => api.institutions());
  const known = institutions.state === 'ready' ? institutions.value.data : [];
  return (
    <SelectFilter
      label="Institution"
      name="institution"
      query={query}
      any="Any institution"
      wide
      options={known.map((institution) => [institution.id, institution.name] as const)}
    />
  );
}
