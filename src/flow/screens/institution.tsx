import { useEffect, useState } from 'preact/hooks';
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

  useEffect(() => {
    let current = true;
    const timer = setTimeout(
      () => {
        flow.api.institutions(query.trim()).then(
          (found) => current && setLists(found),
          () => current && flow.say('We could not load the list of banks. Please try again.'),
        );
      },
      query ? searchDelayMs : 0,
    );
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [query, flow.api, flow.say]);

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
      {lists === null ? (
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

function Bank({ institution, flow }: { institution: Institution; flow: Flow }) {
  const note = availability(institution);
  const noteId = `bank-note-${institution.id}`;
  return (
    <li>
      <button
        type="button"
        class={note ? 'bank down' : 'bank'}
        aria-label={institution.name}
        aria-describedby={note ? noteId : undefined}
        disabled={flow.busy}
        onClick={() => void flow.act(() => flow.api.post('institution', { institution: institution.id }))}
      >
        <span class="logo" aria-hidden="true">
          {institution.name.charAt(0)}
        </span>
        <span class="bank-text">
          <span class="bank-name">{institution.name}</span>
          {note ? (
            <span class="note" id={noteId}>
              {note}
            </span>
          ) : (
            <span class="url">{hostOf(institution.url)}</span>
          )}
        </span>
      </button>
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
