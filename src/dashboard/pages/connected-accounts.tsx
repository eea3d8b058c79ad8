import type { ComponentChildren } from 'preact';
import type { DashboardApi } from '../api.ts';
import { FilterForm, isFiltered, SelectFilter } from '../filters.tsx';
import { useLoad } from '../load.ts';
import { Link, type Route } from '../nav.tsx';
import { Facts, Loading, Page, PagedList, Pager } from '../page.tsx';
import type { ConnectedAccount, ExternalBankAccount, List, Payout } from '../types.ts';
import { choices, money, say, when } from '../words.ts';
import { AccountLink, ConnectTabs, Funds, TransferRows } from './connect.tsx';

const accountsPath = '/dashboard/connected-accounts';

/** A payout's status, in words. */
const payoutStatuses: Record<string, string> = {
  pending: 'Pending',
  in_transit: 'In transit',
  paid: 'Paid',
  failed: 'Failed',
  canceled: 'Canceled',
};

function PayoutStatus({ status }: { status: string }) {
  return <span class={`status status-${status}`}>{say(payoutStatuses, status)}</span>;
}

/** What an external account's status means for payouts to it. */
const externalStatuses: Record<string, string> = {
  new: 'New: payouts can be sent to it',
  errored: 'Errored: the linked account was closed; payouts to it fail',
  tokenized_account_number_deactivated: 'Tokenized numbers deactivated: relink the linked account',
};

function accountSummary(account: ConnectedAccount): string {
  return `${account.type}${account.business_type ? `, ${account.business_type}` : ''}`;
}

export function ConnectedAccountsList({
  api,
  route,
  live,
}: {
  api: DashboardApi;
  route: Route;
  live: number;
}) {
  const [loaded] = useLoad(`${route.query}#${live}`, () =>
    api.connectedAccounts(Object.fromEntries(route.query)),
  );
  const path = accountsPath;
  return (
    <Page title="Connected accounts">
      <ConnectTabs current="Connected accounts" />
      <PagedList loaded={loaded} path={path} query={route.query} empty="No connected accounts yet.">
        {(items) => (
          <ul class="rows">
            {items.map((account) => (
              <li key={account.id}>
                <Link href={`${path}/${account.id}`}>{account.id}</Link>
                <span class="muted">{account.email ?? accountSummary(account)}</span>
                <span>{account.payouts_enabled ? 'Payouts enabled' : 'No bank account for payouts'}</span>
                <span class="muted">{when(account.created)}</span>
              </li>
            ))}
          </ul>
        )}
      </PagedList>
    </Page>
  );
}

function ExternalAccountRows({
  items,
}: {
  items: { external_account: ExternalBankAccount; financial_connections_account: string }[];
}) {
  return (
    <ul class="rows" aria-label="Bank accounts for payouts">
      {items.map(({ external_account: bank, financial_connections_account: linked }) => (
        <li key={bank.id}>
          <span>
            <strong>
              {bank.bank_name ?? 'Bank account'} ••••{bank.last4}
            </strong>{' '}
            <span class="muted">{bank.id}</span>
          </span>
          <span class={`status status-${bank.status}`}>{say(externalStatuses, bank.status)}</span>
          <span>
            {bank.default_for_currency
              ? `Default for ${bank.currency.toUpperCase()}`
              : `Not the default for ${bank.currency.toUpperCase()}`}
          </span>
          <Link href={`/dashboard/accounts/${linked}`}>
            Linked account <code>{linked}</code>
          </Link>
        </li>
      ))}
    </ul>
  );
}

export function ConnectedAccountDetail({ api, id, live }: { api: DashboardApi; id: string; live: number }) {
  const [loaded] = useLoad(`${id}#${live}`, () => api.connectedAccount(id));
  return (
    <Page title="Connected account">
      <p>
        <Link href={accountsPath}>All connected accounts</Link>
      </p>
      <Loading loaded={loaded}>
        {(view) => (
          <>
            <Facts
              rows={[
                ['Id', <code key="id">{view.account.id}</code>],
                ['Type', accountSummary(view.account)],
                ['Email', view.account.email ?? 'none'],
                ['Country', view.account.country],
                ['Capabilities', Object.keys(view.account.capabilities).join(', ') || 'none'],
                ['Payouts', view.account.payouts_enabled ? 'enabled' : 'not enabled: no bank account'],
                ['Created', when(view.account.created)],
              ]}
            />
            <h2>Balance</h2>
            <Funds balance={view.balance} />
            <h2>Bank accounts for payouts</h2>
            {view.external_accounts.data.length === 0 ? (
              <p>No bank accounts yet.</p>
            ) : (
              <ExternalAccountRows items={view.external_accounts.data} />
            )}
            <h2>Transfers to this account</h2>
            {view.transfers.data.length === 0 ? (
              <p>No transfers to this account yet.</p>
            ) : (
              <FirstPage
                list={view.transfers}
                path="/dashboard/transfers"
                query={new URLSearchParams({ destination: view.account.id })}
                name="transfers to this account"
              >
                <TransferRows items={view.transfers.data} linkDestination={false} />
              </FirstPage>
            )}
            <h2>Payouts</h2>
            {view.payouts.data.length === 0 ? (
              <p>No payouts from this account yet.</p>
            ) : (
              <FirstPage
                list={view.payouts}
                path={`${accountsPath}/${view.account.id}/payouts`}
                query={new URLSearchParams()}
                name="payouts of this account"
              >
                <PayoutRows account={view.account.id} items={view.payouts.data} />
              </FirstPage>
            )}
          </>
        )}
      </Loading>
    </Page>
  );
}

/**
 * The first page of one of the account's lists: its rows, the pages after it (on the list's own
 * page, which `path` and `query` open) and a link to that list, where it can be filtered.
 */
function FirstPage<T extends { id: string }>({
  list,
  path,
  query,
  name,
  children,
}: {
  list: List<T>;
  path: string;
  query: URLSearchParams;
  /** What the list holds, as in "All {name}". */
  name: string;
  children: ComponentChildren;
}) {
  return (
    <>
      {children}
      <Pager
        path={path}
        query={query}
        first={list.data[0]?.id}
        last={list.data.at(-1)?.id}
        hasMore={list.has_more}
        label={`Pages of ${name}`}
      />
      <p>
        <Link href={query.size > 0 ? `${path}?${query}` : path}>All {name}</Link>
      </p>
    </>
  );
}

function PayoutRows({ account, items }: { account: string; items: Payout[] }) {
  return (
    <ul class="rows" aria-label="Payouts">
      {items.map((payout) => (
        <li key={payout.id}>
          <Link href={`${accountsPath}/${account}/payouts/${payout.id}`}>{payout.id}</Link>
          <span>{money(payout.amount, payout.currency)}</span>
          <PayoutStatus status={payout.status} />
          <span class="muted">arrives {when(payout.arrival_date)}</span>
        </li>
      ))}
    </ul>
  );
}

export function PayoutDetail({
  api,
  account,
  id,
  live,
}: {
  api: DashboardApi;
  account: string;
  id: string;
  live: number;
}) {
  const [loaded] = useLoad(`${account}/${id}#${live}`, () => api.payout(account, id));
  return (
    <Page title="Payout">
      <p>
        <Link href={`${accountsPath}/${account}`}>Back to the connected account</Link>
      </p>
      <Loading loaded={loaded}>
        {({ payout }) => (
          <Facts
            rows={[
              ['Id', <code key="id">{payout.id}</code>],
              ['Status', <PayoutStatus key="status" status={payout.status} />],
              ['Amount', money(payout.amount, payout.currency)],
              ['Arrival date', when(payout.arrival_date)],
              ['Failure code', payout.failure_code ?? 'none'],
              ['Failure message', payout.failure_message ?? 'none'],
              [
                'Destination',
                payout.destination ? <code key="destination">{payout.destination}</code> : 'none',
              ],
              ['Account', <AccountLink key="account" id={account} />],
              [
                'Balance transaction',
                payout.balance_transaction ? <code key="txn">{payout.balance_transaction}</code> : 'none',
              ],
              ['Description', payout.description ?? 'none'],
              ['Created', when(payout.created)],
            ]}
          />
        )}
      </Loading>
    </Page>
  );
}

const payoutFilters = ['status'] as const;

/** A connected account's payouts, newest first, as `GET /v1/payouts` with `Stripe-Account` lists them. */
export function AccountPayoutsList({
  api,
  account,
  route,
  live,
}: {
  api: DashboardApi;
  account: string;
  route: Route;
  live: number;
}) {
  const [loaded] = useLoad(`${account}?${route.query}#${live}`, () =>
    api.accountPayouts(account, Object.fromEntries(route.query)),
  );
  const path = `${accountsPath}/${account}/payouts`;
  return (
    <Page title="Payouts">
      <ConnectTabs current="Connected accounts" />
      <p>
        <Link href={`${accountsPath}/${account}`}>Back to the connected account</Link>
      </p>
      <p class="muted">
        The payouts of connected account <code>{account}</code>, newest first.
      </p>
      <FilterForm path={path} query={route.query} names={payoutFilters} label="Filter payouts">
        <SelectFilter
          label="Status"
          name="status"
          query={route.query}
          any="Any status"
          options={choices(Object.keys(payoutStatuses), payoutStatuses)}
        />
      </FilterForm>
      <PagedList
        loaded={loaded}
        path={path}
        query={route.query}
        empty={
          isFiltered(route.query, payoutFilters)
            ? 'No payouts match these filters.'
            : 'No payouts from this account yet.'
        }
      >
        {(items) => <PayoutRows account={account} items={items} />}
      </PagedList>
    </Page>
  );
}
