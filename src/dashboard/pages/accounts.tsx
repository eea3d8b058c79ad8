import { useState } from 'preact/hooks';
import { ApiError, type DashboardApi } from '../api.ts';
import { FilterForm, InstitutionFilter, isFiltered, SelectFilter, TextFilter } from '../filters.tsx';
import { useLoad } from '../load.ts';
import { Link, type Route } from '../nav.tsx';
import { Facts, Loading, Page, PagedList } from '../page.tsx';
import type { Account, AccountView, RefreshState } from '../types.ts';
import {
  accountName,
  actions,
  choices,
  inactiveCauses,
  list,
  money,
  say,
  statuses,
  upcomingCauses,
  when,
} from '../words.ts';
import { ConnectionKinds } from './connections.tsx';

const path = '/dashboard/accounts';

export function AccountsList({ api, route, live }: { api: DashboardApi; route: Route; live: number }) {
  const [loaded] = useLoad(`${route.query}#${live}`, () => api.accounts(Object.fromEntries(route.query)));
  return (
    <Page title="Financial Connections accounts">
      <ConnectionKinds current="Accounts" />
      <FilterForm path={path} query={route.query} names={accountFilters} label="Filter accounts">
        <SelectFilter
          label="Status"
          name="status"
          query={route.query}
          any="Any status"
          options={choices(['active', 'inactive', 'disconnected'])}
        />
        <TextFilter label="Customer id" name="customer" query={route.query} placeholder="cus_…" />
        <InstitutionFilter api={api} query={route.query} />
      </FilterForm>
      <PagedList
        loaded={loaded}
        path={path}
        query={route.query}
        empty={
          isFiltered(route.query, accountFilters)
            ? 'No accounts match these filters.'
            : 'No accounts are linked yet.'
        }
      >
        {(items) => <AccountRows accounts={items} />}
      </PagedList>
    </Page>
  );
}

/** Status, customer and institution: the accounts list's filters, in the page's address. */
const accountFilters = ['status', 'customer', 'institution'] as const;

/** Accounts as rows: a link to each, its bank, its status and its id. */
export function AccountRows({ accounts }: { accounts: Account[] }) {
  return (
    <ul class="rows">
      {accounts.map((account) => (
        <li key={account.id}>
          <Link href={`${path}/${account.id}`}>{accountName(account)}</Link>
          <span class="muted">{account.institution_name}</span>
          <Status status={account.status} />
          <code class="id">{account.id}</code>
        </li>
      ))}
    </ul>
  );
}

export function Status({ status }: { status: string }) {
  return <span class={`status status-${status}`}>{say(statuses, status)}</span>;
}

/** Who holds an account, an authorization or a session; a customer links to their page. */
export function Holder({ holder }: { holder: Account['account_holder'] }) {
  if (holder?.type === 'customer')
    return (
      <Link href={`/dashboard/customers/${holder.customer}`}>
        customer <code>{holder.customer}</code>
      </Link>
    );
  if (holder?.type === 'account') return <span>account {holder.account}</span>;
  return <span>none</span>;
}

function refresh(state: RefreshState | null): string {
  return state
    ? `${say(statuses, state.status)}, last tried ${when(state.last_attempted_at)}`
    : 'never asked for';
}

function balance(account: Account): string {
  const found = account.balance;
  if (!found) return 'not refreshed yet';
  const amounts = Object.entries(found.current).map(([currency, amount]) => money(amount, currency));
  return `${amounts.join(', ')} (${found.type}, as of ${when(found.as_of)})`;
}

function statusRows(account: Account): [string, string][] {
  const { inactive, active } = account.status_details;
  if (inactive) {
    return [
      ['Why it is inactive', say(inactiveCauses, inactive.cause)],
      ['What to do', say(actions, inactive.action)],
    ];
  }
  if (active) {
    return [
      [
        'Upcoming deactivation',
        `${say(upcomingCauses, active.cause)} Expected ${when(active.expected_deactivation_date)}.`,
      ],
      ['What to do', say(actions, active.action)],
    ];
  }
  return [];
}

/** The sandbox controls: each makes a fact happen at the sandbox bank, as the API's test helpers do. */
const controls = [
  { target: 'authorization', event: 'consent_expired', label: 'Expire consent' },
  { target: 'authorization', event: 'access_revoked', label: 'Revoke access' },
  { target: 'authorization', event: 'reauthentication_required', label: 'Require reauthentication' },
  { target: 'authorization', event: 'holder_disconnected', label: 'Holder disconnects' },
  { target: 'account', event: 'account_closed', label: 'Close account' },
  { target: 'account', event: 'account_unavailable', label: 'Make account unavailable' },
  { target: 'account', event: 'account_reopened', label: 'Reopen account' },
  { target: 'account', event: 'account_numbers_rotated', label: 'Rotate account numbers' },
  { target: 'account', event: 'account_numbers_deactivated', label: 'Deactivate account numbers' },
] as const;

function Controls({
  api,
  id,
  onView,
}: {
  api: DashboardApi;
  id: string;
  onView: (view: AccountView) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ text: string; error: boolean } | undefined>();
  return (
    <section aria-labelledby="controls-heading">
      <h2 id="controls-heading">Sandbox controls</h2>
      <p class="muted">
        Each makes a fact happen at the sandbox bank; openfc notices it as it would a real bank’s.
      </p>
      <div class="controls">
        {controls.map((control) => (
          <button
            key={control.event}
            type="button"
            class="secondary"
            disabled={busy}
            onClick={() => {
              setBusy(true);
              setMessage(undefined);
              api.simulate(id, control.target, control.event).then(
                (view) => {
                  setBusy(false);
                  onView(view);
                  setMessage({
                    text: `${control.label}: done. The account is ${say(statuses, view.account.status).toLowerCase()}.`,
                    error: false,
                  });
                },
                (failure: unknown) => {
                  setBusy(false);
                  setMessage({
                    text: failure instanceof ApiError ? failure.message : String(failure),
                    error: true,
                  });
                },
              );
            }}
          >
            {control.label}
          </button>
        ))}
      </div>
      <p role="status" class={message?.error ? 'error' : 'done'}>
        {message?.text ?? ''}
      </p>
    </section>
  );
}

/** "Start relink": a hosted relink session for the account, its link shown to open or to share. */
function Relink({ api, id }: { api: DashboardApi; id: string }) {
  const [busy, setBusy] = useState(false);
  const [url, setUrl] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  return (
    <section aria-labelledby="relink-heading">
      <h2 id="relink-heading">Relink</h2>
      <p class="muted">A hosted relink session: the holder reconnects, and the account keeps its id.</p>
      <button
        type="button"
        class="primary inline"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          setError(undefined);
          api.startRelink(id).then(
            ({ session }) => {
              setBusy(false);
              setUrl(session.url ?? undefined);
            },
            (failure: unknown) => {
              setBusy(false);
              setError(failure instanceof ApiError ? failure.message : String(failure));
            },
          );
        }}
      >
        Start relink
      </button>
      {url ? (
        <div>
          <a href={url}>Open the relink flow</a>
          <label class="field">
            <span>Relink link to share with the holder</span>
            <input type="text" readOnly value={url} />
          </label>
        </div>
      ) : null}
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
    </section>
  );
}

export function AccountDetail({ api, id, live }: { api: DashboardApi; id: string; live: number }) {
  const [loaded, show] = useLoad(`${id}#${live}`, () => api.account(id));
  const title = loaded.state === 'ready' ? accountName(loaded.value.account) : 'Account';
  return (
    <Page title={title}>
      <p>
        <Link href={path}>All accounts</Link>
      </p>
      <Loading loaded={loaded}>
        {({ account, authorization, sessions }) => (
          <>
            <Facts
              rows={[
                ['Id', <code key="id">{account.id}</code>],
                ['Status', <Status key="status" status={account.status} />],
                ...statusRows(account),
                [
                  'Authorization',
                  <span key="authz">
                    <Link href={`/dashboard/authorizations/${account.authorization}`}>
                      <code>{account.authorization}</code>
                    </Link>
                    {authorization ? ` (${say(statuses, authorization.status).toLowerCase()})` : ''}
                  </span>,
                ],
                [
                  'Linked and relinked by',
                  sessions.length === 0 ? (
                    'no session'
                  ) : (
                    <ul key="sessions" class="inline">
                      {sessions.map((session) => (
                        <li key={session}>
                          <Link href={`/dashboard/sessions/${session}`}>
                            <code>{session}</code>
                          </Link>
                        </li>
                      ))}
                    </ul>
                  ),
                ],
              ]}
            />
            {account.status_details.inactive?.action === 'relink_required' ? (
              <Relink api={api} id={account.id} />
            ) : null}
            <Controls api={api} id={account.id} onView={show} />
            <h2>Details</h2>
            <Facts
              rows={[
                ['Institution', account.institution_name],
                ['Kind', `${account.category}, ${account.subcategory}`],
                ['Permissions', list(account.permissions)],
                ['Balance', balance(account)],
                ['Subscriptions', list(account.subscriptions)],
                ['Balance refresh', refresh(account.balance_refresh)],
                ['Ownership refresh', refresh(account.ownership_refresh)],
                ['Transaction refresh', refresh(account.transaction_refresh)],
                ['Payment methods', list(account.supported_payment_method_types)],
                [
                  'Payments',
                  <Link key="payments" href={`/dashboard/payment-methods?account=${account.id}`}>
                    PaymentMethods made from this account
                  </Link>,
                ],
                ['Holder', <Holder key="holder" holder={account.account_holder} />],
                ['Linked', when(account.created)],
              ]}
            />
          </>
        )}
      </Loading>
    </Page>
  );
}
