import { useState } from 'preact/hooks';
import type { DashboardApi } from '../api.ts';
import { useLoad } from '../load.ts';
import { Link, navigate, type Route } from '../nav.tsx';
import { Facts, Loading, Page, PagedList } from '../page.tsx';
import type { LogFilters, LoggedBody } from '../types.ts';
import { when } from '../words.ts';

const path = '/dashboard/logs';
const filterNames = ['status', 'method', 'path', 'request_id'] as const;

function outcome(status: number): 'succeeded' | 'failed' {
  return status < 400 ? 'succeeded' : 'failed';
}

function StatusCode({ status }: { status: number }) {
  return <span class={`status status-${outcome(status)}`}>{status}</span>;
}

function filtersOf(query: URLSearchParams): LogFilters {
  const filters: LogFilters = {};
  for (const name of filterNames) {
    const value = query.get(name);
    if (value) filters[name] = value;
  }
  return filters;
}

/** The filters: applying them opens the list's first page with them in the address. */
function Filters({ current }: { current: LogFilters }) {
  const [filters, setFilters] = useState<LogFilters>(current);
  const set = (name: keyof LogFilters) => (event: { currentTarget: { value: string } }) =>
    setFilters({ ...filters, [name]: event.currentTarget.value });
  const active = filterNames.some((name) => current[name]);
  return (
    <form
      class="log-filters"
      aria-label="Filter logs"
      onSubmit={(event) => {
        event.preventDefault();
        const query = new URLSearchParams();
        for (const name of filterNames) {
          const value = filters[name]?.trim();
          if (value) query.set(name, value);
        }
        navigate(query.size > 0 ? `${path}?${query}` : path);
      }}
    >
      <label class="field">
        <span>Status</span>
        <select name="status" value={filters.status ?? ''} onChange={set('status')}>
          <option value="">All</option>
          <option value="succeeded">Succeeded (2xx)</option>
          <option value="failed">Failed (4xx, 5xx)</option>
        </select>
      </label>
      <label class="field">
        <span>Method</span>
        <select name="method" value={filters.method ?? ''} onChange={set('method')}>
          <option value="">All</option>
          <option value="GET">GET</option>
          <option value="POST">POST</option>
          <option value="DELETE">DELETE</option>
        </select>
      </label>
      <label class="field">
        <span>Path contains</span>
        <input name="path" type="text" value={filters.path ?? ''} onInput={set('path')} />
      </label>
      <label class="field">
        <span>Request id</span>
        <input
          name="request_id"
          type="text"
          spellcheck={false}
          value={filters.request_id ?? ''}
          onInput={set('request_id')}
        />
      </label>
      <div class="log-filter-actions">
        <button type="submit" class="primary inline">
          Apply filters
        </button>
        {active ? <Link href={path}>Clear filters</Link> : null}
      </div>
    </form>
  );
}

export function LogsList({ api, route, live }: { api: DashboardApi; route: Route; live: number }) {
  const [loaded] = useLoad(`${route.query}#${live}`, () => api.logs(Object.fromEntries(route.query)));
  const current = filtersOf(route.query);
  const filtered = filterNames.some((name) => current[name]);
  return (
    <Page title="Logs">
      <p class="muted">
        The API requests of the last 7 days, newest first. Secrets are redacted before a request is kept.
      </p>
      <Filters current={current} />
      <PagedList
        loaded={loaded}
        path={path}
        query={route.query}
        empty={filtered ? 'No request matches these filters.' : 'No API requests in the last 7 days.'}
      >
        {(items) => (
          <ul class="rows logs">
            {items.map((log) => (
              <li key={log.id}>
                <Link href={`${path}/${log.id}`}>
                  {log.method} {log.path}
                </Link>
                <StatusCode status={log.status} />
                <span class="muted">{when(log.created)}</span>
                <code class="id">{log.id}</code>
              </li>
            ))}
          </ul>
        )}
      </PagedList>
    </Page>
  );
}

/** A logged body, pretty-printed; the text kept when it was too large to keep whole. */
function Body({ body, empty, what }: { body: LoggedBody; empty: string; what: string }) {
  if (body.truncated && body.text !== null)
    return (
      <>
        <p class="muted">
          The {what} was {body.size.toLocaleString('en-US')} characters long: its first{' '}
          {body.text.length.toLocaleString('en-US')} are kept.
        </p>
        <pre class="log-json">{body.text}</pre>
      </>
    );
  if (body.text !== null) return <pre class="log-json">{body.text}</pre>;
  const json = body.json;
  if (json === null || (typeof json === 'object' && Object.keys(json).length === 0)) return <p>{empty}</p>;
  return <pre class="log-json">{JSON.stringify(json, null, 2)}</pre>;
}

export function LogDetail({ api, id }: { api: DashboardApi; id: string }) {
  const [loaded] = useLoad(id, () => api.log(id));
  const found = loaded.state === 'ready' ? loaded.value : undefined;
  const title =
    loaded.state !== 'ready' ? 'Request' : found ? `${found.method} ${found.path}` : 'Request not found';
  return (
    <Page title={title}>
      <p>
        <Link href={path}>All logs</Link>
      </p>
      <Loading loaded={loaded}>
        {(log) =>
          log === undefined ? (
            <p>
              No request <code>{id}</code> is in this account’s logs. Requests are kept for 7 days.
            </p>
          ) : (
            <>
              <Facts
                rows={[
                  ['Request id', <code key="id">{log.id}</code>],
                  [
                    'Status',
                    <span key="status">
                      <StatusCode status={log.status} /> ({outcome(log.status)})
                    </span>,
                  ],
                  ['Time', when(log.created)],
                  ['Duration', `${log.duration_ms} ms`],
                  ['API version', log.api_version ?? 'none'],
                  [
                    'Idempotency key',
                    log.idempotency_key ? <code key="key">{log.idempotency_key}</code> : 'none',
                  ],
                  ['Connected account', log.account ? <code key="account">{log.account}</code> : 'none'],
                ]}
              />
              <section aria-labelledby="params-heading">
                <h2 id="params-heading">Request parameters</h2>
                <Body body={log.params} empty="No parameters." what="request" />
              </section>
              <section aria-labelledby="response-heading">
                <h2 id="response-heading">Response body</h2>
                <Body body={log.response} empty="No response body." what="response" />
              </section>
            </>
          )
        }
      </Loading>
    </Page>
  );
}
