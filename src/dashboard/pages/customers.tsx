import { useState } from 'preact/hooks';
import { ApiError, type DashboardApi } from '../api.ts';
import { FilterForm, isFiltered, TextFilter } from '../filters.tsx';
import { useLoad } from '../load.ts';
import { Link, type Route } from '../nav.tsx';
import { Facts, Loading, Page, PagedList } from '../page.tsx';
import type { Customer } from '../types.ts';
import { when } from '../words.ts';
import { AccountRows } from './accounts.tsx';

const path = '/dashboard/customers';

function customerName(customer: Customer): string {
  return customer.name ?? customer.email ?? customer.id;
}

export function CustomersList({ api, route, live }: { api: DashboardApi; route: Route; live: number }) {
  const [loaded] = useLoad(`${route.query}#${live}`, () => api.customers(Object.fromEntries(route.query)));
  return (
    <Page title="Customers">
      <FilterForm path={path} query={route.query} names={['email']} label="Filter customers">
        <TextFilter
          label="Email"
          name="email"
          query={route.query}
          placeholder="jenny@example.com"
          hint="The whole address, as the API’s customers list takes it: exact, and case-sensitive."
        />
      </FilterForm>
      <PagedList
        loaded={loaded}
        path={path}
        query={route.query}
        empty={
          isFiltered(route.query, ['email'])
            ? 'No customers match these filters.'
            : 'There are no customers yet.'
        }
      >
        {(items) => (
          <ul class="rows">
            {items.map((customer) => (
              <li key={customer.id}>
                <Link href={`${path}/${customer.id}`}>{customerName(customer)}</Link>
                <span class="muted">{customer.email ?? 'no email'}</span>
                <code class="id">{customer.id}</code>
              </li>
            ))}
          </ul>
        )}
      </PagedList>
    </Page>
  );
}

export function CustomerDetail({ api, id, live }: { api: DashboardApi; id: string; live: number }) {
  const [loaded] = useLoad(`${id}#${live}`, () => api.customer(id));
  const title = loaded.state === 'ready' ? customerName(loaded.value.customer) : 'Customer';
  return (
    <Page title={title}>
      <p>
        <Link href={path}>All customers</Link>
      </p>
      <Loading loaded={loaded}>
        {({ customer, accounts }) => (
          <>
            <Facts
              rows={[
                ['Id', <code key="id">{customer.id}</code>],
                ['Name', customer.name ?? 'none'],
                ['Email', customer.email ?? 'none'],
                ['Phone', customer.phone ?? 'none'],
                ['Description', customer.description ?? 'none'],
                ['Created', when(customer.created)],
              ]}
            />
            <h2>Accounts</h2>
            <LinkAccount api={api} customer={customer.id} />
            {accounts.data.length === 0 ? (
              <p>This customer holds no linked accounts.</p>
            ) : (
              <>
                <AccountRows accounts={accounts.data} />
                {accounts.has_more ? (
                  <p class="muted">Only the first {accounts.data.length} accounts are shown.</p>
                ) : null}
              </>
            )}
          </>
        )}
      </Loading>
    </Page>
  );
}

/** "Link a test account": a hosted session for the customer, opened here; it returns to this page. */
function LinkAccount({ api, customer }: { api: DashboardApi; customer: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  return (
    <>
      <button
        type="button"
        class="primary inline"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          setError(undefined);
          api.linkAccount(customer).then(
            ({ session }) => {
              if (session.url) window.location.assign(session.url);
            },
            (failure: unknown) => {
              setBusy(false);
              setError(failure instanceof ApiError ? failure.message : String(failure));
            },
          );
        }}
      >
        Link a test account
      </button>
      <p role="status" class={error ? 'error' : 'done'}>
        {busy ? 'Opening the hosted flow…' : (error ?? '')}
      </p>
    </>
  );
}
