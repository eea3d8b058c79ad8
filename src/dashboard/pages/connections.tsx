import type { DashboardApi } from '../api.ts';
import { FilterForm, InstitutionFilter, isFiltered, SelectFilter } from '../filters.tsx';
import { useLoad } from '../load.ts';
import { Link, type Route } from '../nav.tsx';
import { Page, PagedList } from '../page.tsx';
import type { Authorization, Session } from '../types.ts';
import { choices } from '../words.ts';
import { Status } from './accounts.tsx';

/** The Financial Connections objects, each with its list: a list's tabs. */
const kinds = [
  { href: '/dashboard/accounts', title: 'Accounts' },
  { href: '/dashboard/authorizations', title: 'Authorizations' },
  { href: '/dashboard/sessions', title: 'Sessions' },
] as const;

export function ConnectionKinds({ current }: { current: (typeof kinds)[number]['title'] }) {
  return (
    <nav aria-label="Financial Connections objects" class="kinds">
      {kinds.map((kind) => (
        <Link key={kind.href} href={kind.href} current={kind.title === current}>
          {kind.title}
        </Link>
      ))}
    </nav>
  );
}

function holderText(holder: Session['account_holder']): string {
  if (holder?.type === 'customer') return `customer ${holder.customer}`;
  if (holder?.type === 'account') return `account ${holder.account}`;
  return 'no holder';
}

/** What a session did: linked, relinked (or failed to), or is still waiting. */
function outcome(session: Session): string {
  const accounts = session.accounts.data.length;
  if (session.relink_options) {
    // A relink session carries an empty result (all null) until it ends.
    if (session.relink_result?.failure_reason)
      return `relink failed: ${session.relink_result.failure_reason}`;
    if (session.relink_result?.authorization) return 'relinked';
    return 'relink';
  }
  return accounts === 0 ? 'no accounts' : `${accounts} account${accounts === 1 ? '' : 's'}`;
}

/** Status and kind (relink or not): the sessions list's filters, in the page's address. */
const sessionFilters = ['status', 'relink'] as const;

export function SessionsList({ api, route, live }: { api: DashboardApi; route: Route; live: number }) {
  const [loaded] = useLoad(`${route.query}#${live}`, () => api.sessions(Object.fromEntries(route.query)));
  const path = '/dashboard/sessions';
  return (
    <Page title="Financial Connections sessions">
      <ConnectionKinds current="Sessions" />
      <FilterForm path={path} query={route.query} names={sessionFilters} label="Filter sessions">
        <SelectFilter
          label="Status"
          name="status"
          query={route.query}
          any="Any status"
          options={choices(['pending', 'succeeded', 'failed', 'cancelled'])}
        />
        <SelectFilter
          label="Kind"
          name="relink"
          query={route.query}
          any="Any kind"
          options={[
            ['true', 'Relinks'],
            ['false', 'New links'],
          ]}
        />
      </FilterForm>
      <PagedList
        loaded={loaded}
        path={path}
        query={route.query}
        empty={
          isFiltered(route.query, sessionFilters) ? 'No sessions match these filters.' : 'No sessions yet.'
        }
      >
        {(items) => (
          <ul class="rows">
            {items.map((session) => (
              <li key={session.id}>
                <Link href={`${path}/${session.id}`}>{session.id}</Link>
                <span class="muted">{holderText(session.account_holder)}</span>
                <Status status={session.status} />
                <span class="muted">{outcome(session)}</span>
              </li>
            ))}
          </ul>
        )}
      </PagedList>
    </Page>
  );
}

/** Status and institution: the authorizations list's filters, in the page's address. */
const authorizationFilters = ['status', 'institution'] as const;

export function AuthorizationsList({ api, route, live }: { api: DashboardApi; route: Route; live: number }) {
  const [loaded] = useLoad(`${route.query}#${live}`, () =>
    api.authorizations(Object.fromEntries(route.query)),
  );
  const path = '/dashboard/authorizations';
  return (
    <Page title="Financial Connections authorizations">
      <ConnectionKinds current="Authorizations" />
      <FilterForm path={path} query={route.query} names={authorizationFilters} label="Filter authorizations">
        <SelectFilter
          label="Status"
          name="status"
          query={route.query}
          any="Any status"
          options={choices(['active', 'inactive', 'disconnected'])}
        />
        <InstitutionFilter api={api} query={route.query} />
      </FilterForm>
      <PagedList<Authorization>
        loaded={loaded}
        path={path}
        query={route.query}
        empty={
          isFiltered(route.query, authorizationFilters)
            ? 'No authorizations match these filters.'
            : 'No authorizations yet.'
        }
      >
        {(items) => (
          <ul class="rows">
            {items.map((authorization) => (
              <li key={authorization.id}>
                <Link href={`${path}/${authorization.id}`}>{authorization.id}</Link>
                <span class="muted">{authorization.institution_name}</span>
                <Status status={authorization.status} />
                <span class="muted">{holderText(authorization.account_holder)}</span>
              </li>
            ))}
          </ul>
        )}
      </PagedList>
    </Page>
  );
}
