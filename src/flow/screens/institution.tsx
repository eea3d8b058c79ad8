import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { Flow } from '../app.tsx';
import { Screen } from '../screen.tsx';
import type { Institution } from '../types.ts';

const searchDelayMs = 200;

function availability(institution: Institution): string | null {
  if (institution.status === 'up') return null;
  if (institution.expected_available_at === null) return 'Unavailable right now';
  const time = new Date(institution.expected_available_at * 1000).toLocaleTimeString([], {
    hour: 'numeric',
    minute: '2-digit',
  });
  return `Unavailable, expected back at ${time}`;
}

export function InstitutionScreen({ flow }: { flow: Flow }) {
  const [query, setQuery] = useState('');
  const [lists, setLists] = useState<{ featured: Institution[]; results: Institution[] } | null>(null);
  const [failed, setFailed] = useState(false);
  const latest = useRef(0);

  /** Only the answer to the latest search is shown, however the answers arrive. */
  const load = useCallback(
    (text: string) => {
      const id = ++latest.current;
      flow.api.institutions(text).then(
        (found) => {
          if (id !== latest.current) return;
          setLists(found);
          setFailed(false);
        },
        () => id === latest.current && setFailed(true),
      );
    },
    [flow.api],
  );

  useEffect(() => {
    const timer = setTimeout(() => load(query.trim()), query ? searchDelayMs : 0);
    return () => clearTimeout(timer);
  }, [query, load]);

  const searching = query.trim() !== '';
  const shown = lists ? (searching ? lists.results : lists.featured) : [];
  return (
    <Screen title="Select your bank">
      <label class="field search">
        <span>Search for your bank</span>
        <input
          type="search"
          value={query}
          autoComplete="off"
          onInput={(event) => setQuery(event.currentTarget.value)}
        />
      </label>
      <h2 class="sub">{searching ? 'Results' : 'Popular banks'}</h2>
      {failed ? (
        <div role="alert">
          <p>We could not load the list of banks.</p>
          <button type="button" class="secondary" onClick={() => load(query.trim())}>
            Try again
          </button>
        </div>
      ) : lists === null ? (
        <p role="status">Loading banks…</p>
      ) : shown.length === 0 ? (
        <p role="status">No banks match “{query.trim()}”.</p>
      ) : (
        <ul class="banks">
          {shown.map((institution) => (
            <Bank key={institution.id} institution={institution} flow={flow} />
          ))}
        </ul>
      )}
    </Screen>
  );
}

/**
 * The button holds the name only (its accessible name is exactly the bank's name); it covers the
 * whole card, and the address or the outage note below it is its description.
 */
function Bank({ institution, flow }: { institution: Institution; flow: Flow }) {
  const note = availability(institution);
  const noteId = `bank-note-${institution.id}`;
  return (
    <li class={note ? 'bank down' : 'bank'}>
      <span class="logo" aria-hidden="true">
        {institution.name.charAt(0)}
      </span>
      <span class="bank-text">
        <button
          type="button"
          class="bank-name"
          aria-describedby={noteId}
          disabled={flow.busy}
          onClick={() => void flow.act(() => flow.api.post('institution', { institution: institution.id }))}
        >
          {institution.name}
        </button>
        <span class={note ? 'note' : 'url'} id={noteId}>
          {note ?? hostOf(institution.url)}
        </span>
      </span>
    </li>
  );
}

function hostOf(url: string): string {
  try {
    return new URL(url).host.replace(/^www\./, '');
  } catch {
    return '';
  }
}
