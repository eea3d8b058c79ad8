import type { ComponentChildren } from 'preact';
import type { DashboardApi } from '../api.ts';
import { FilterForm, isFiltered, SelectFilter, TextFilter } from '../filters.tsx';
import { useLoad } from '../load.ts';
import { Link, type Route } from '../nav.tsx';
import { Facts, Loading, Page, PagedList } from '../page.tsx';
import type { Balance, Transfer } from '../types.ts';
import { choices, money, say, when } from '../words.ts';
import { Status } from './accounts.tsx';

/** Connect and funds, each with its page: the Connect area's tabs. */
const tabs = [
  { href: '/dashboard/balance', title: 'Balance' },
  { href: '/dashboard/topups', title: 'Top-ups' },
  { href: '/dashboard/transfers', title: 'Transfers' },
  { href: '/dashboard/connected-accounts', title: 'Connected accounts' },
] as const;

type Tab = (typeof tabs)[number]['title'];

export function ConnectTabs({ current }: { current: Tab }) {
  return (
    <nav aria-label="Connect" class="kinds">
      {tabs.map((tab) => (
        <Link key={tab.href} href={tab.href} current={tab.title === current}>
          {tab.title}
        </Link>
      ))}
    </nav>
  );
}

/** Balance transaction types, in words. */
const transactionTypes: Record<string, string> = {
  charge: 'Charge',
  payment: 'Payment',
  payout: 'Payout',
  payout_cancel: 'Payout canceled',
  payout_failure: 'Payout failed',
  topup: 'Top-up',
  transfer: 'Transfer',
};

/** Whether a balance transaction's funds can be used yet, in words. */
const fundsStatuses: Record<string, string> = { available: 'Available', pending: 'Pending' };

const pageFor: Record<string, string> = { tu: 'topups', tr: 'transfers', ch: 'charges' };

/** An id, linked to its page where the dashboard has one. */
function ObjectLink({ id }: { id: string | null }) {
  if (!id) return <>none</>;
  const page = pageFor[id.split('_')[0] ?? ''];
  if (!page) return <code>{id}</code>;
  return (
    <Link href={`/dashboard/${page}/${id}`}>
      <code>{id}</code>
    </Link>
  );
}

export function AccountLink({ id }: { id: string }) {
  return (
    <Link href={`/dashboard/connected-accounts/${id}`}>
      <code>{id}</code>
    </Link>
  );
}

/** A balance: available and pending funds, one row per currency. */
export function Funds({ balance }: { balance: Balance }) {
  const rows: [string, ComponentChildren][] = [];
  for (const funds of balance.available) {
    const pending = balance.pending.find((p) => p.currency === funds.currency);
    const currency = funds.currency.toUpperCase();
    rows.push([`Available (${currency})`, money(funds.amount, funds.currency)]);
    rows.push([`Pending (${currency})`, money(pending?.amount ?? 0, funds.currency)]);
  }
  return <Facts rows={rows} />;
}

export function BalancePage({ api, route, live }: { api: DashboardApi; route: Route; live: number }) {
  const [balance] = useLoad(`balance#${live}`, () => api.balance());
  const [transactions] = useLoad(`${route.query}#${live}`, () =>
    api.balanceTransactions(Object.fromEntries(route.query)),
  );
  const path = '/dashboard/balance';
  return (
    <Page title="Balance">
      <ConnectTabs current="Balance" />
      <Loading loaded={balance}>{({ balance: found }) => <Funds balance={found} />}</Loading>
      <h2>Balance transactions</h2>
      <FilterForm path={path} query={route.query} names={['type']} label="Filter balance transactions">
        <SelectFilter
          label="Type"
          name="type"
          query={route.query}
          any="Any type"
          options={choices(Object.keys(transactionTypes), transactionTypes)}
        />
      </FilterForm>
      <PagedList
        loaded={transactions}
        path={path}
        query={route.query}
        empty={
          isFiltered(route.query, ['type'])
            ? 'No balance transactions match these filters.'
            : 'No funds have moved yet.'
        }
      >
        {(items) => (
          <ul class="rows" aria-label="Balance transactions">
            {items.map((txn) => (
              <li key={txn.id}>
                <span>
                  <strong>{say(transactionTypes, txn.type)}</strong> <ObjectLink id={txn.source} />
                </span>
                <span>
                  {money(txn.amount, txn.currency)}
                  <span class="muted"> · net {money(txn.net, txn.currency)}</span>
                </span>
                <span class={`status status-${txn.status}`}>{say(fundsStatuses, txn.status)}</span>
                <span class="muted">available on {when(txn.available_on)}</span>
              </li>
            ))}
          </ul>
        )}
      </PagedList>
    </Page>
  );
}

export function TopupsList({ api, route, live }: { api: DashboardApi; route: Route; live: number }) {
  const [loaded] = useLoad(`${route.query}#${live}`, () => api.topups(Object.fromEntries(route.query)));
  const path = '/dashboard/topups';
  return (
    <Page title="Top-ups">
      <ConnectTabs current="Top-ups" />
      <FilterForm path={path} query={route.query} names={['status']} label="Filter top-ups">
        <SelectFilter
          label="Status"
          name="status"
          query={route.query}
          any="Any status"
          options={choices(['pending', 'succeeded', 'canceled'])}
        />
      </FilterForm>
      <PagedList
        loaded={loaded}
        path={path}
        query={route.query}
        empty={isFiltered(route.query, ['status']) ? 'No top-ups match these filters.' : 'No top-ups yet.'}
      >
        {(items) => (
          <ul class="rows">
            {items.map((topup) => (
              <li key={topup.id}>
                <Link href={`${path}/${topup.id}`}>{topup.id}</Link>
                <span>{money(topup.amount, topup.currency)}</span>
                <Status status={topup.status} />
                <span class="muted">{when(topup.created)}</span>
              </li>
            ))}
          </ul>
        )}
      </PagedList>
    </Page>
  );
}

export function TopupDetail({ api, id, live }: { api: DashboardApi; id: string; live: number }) {
  const [loaded] = useLoad(`${id}#${live}`, () => api.topup(id));
  return (
    <Page title="Top-up">
      <p>
        <Link href="/dashboard/topups">All top-ups</Link>
      </p>
      <Loading loaded={loaded}>
        {({ topup }) => (
          <Facts
            rows={[
              ['Id', <code key="id">{topup.id}</code>],
              ['Status', <Status key="status" status={topup.status} />],
              ['Amount', money(topup.amount, topup.currency)],
              [
                'Expected available',
                topup.expected_availability_date ? when(topup.expected_availability_date) : 'never',
              ],
              [
                'Balance transaction',
                topup.balance_transaction ? <code>{topup.balance_transaction}</code> : 'none',
              ],
              ['Description', topup.description ?? 'none'],
              ['Statement descriptor', topup.statement_descriptor ?? 'none'],
              ['Transfer group', topup.transfer_group ?? 'none'],
              ['Created', when(topup.created)],
            ]}
          />
        )}
      </Loading>
    </Page>
  );
}

/** Transfers; `linkDestination`: each destination links to its page (not on that page itself). */
export function TransferRows({ items, linkDestination }: { items: Transfer[]; linkDestination: boolean }) {
  return (
    <ul class="rows">
      {items.map((transfer) => (
        <li key={transfer.id}>
          <Link href={`/dashboard/transfers/${transfer.id}`}>{transfer.id}</Link>
          <span>{money(transfer.amount, transfer.currency)}</span>
          <span class="muted">
            to{' '}
            {linkDestination ? (
              <AccountLink id={transfer.destination} />
            ) : (
              <code>{transfer.destination}</code>
            )}
          </span>
          <span class="muted">{when(transfer.created)}</span>
        </li>
      ))}
    </ul>
  );
}

export function TransfersList({ api, route, live }: { api: DashboardApi; route: Route; live: number }) {
  const [loaded] = useLoad(`${route.query}#${live}`, () => api.transfers(Object.fromEntries(route.query)));
  const path = '/dashboard/transfers';
  return (
    <Page title="Transfers">
      <ConnectTabs current="Transfers" />
      <FilterForm path={path} query={route.query} names={['destination']} label="Filter transfers">
        <TextFilter
          label="Destination account id"
          name="destination"
          query={route.query}
          placeholder="acct_…"
        />
      </FilterForm>
      <PagedList
        loaded={loaded}
        path={path}
        query={route.query}
        empty={
          isFiltered(route.query, ['destination']) ? 'No transfers match these filters.' : 'No transfers yet.'
        }
      >
        {(items) => <TransferRows items={items} linkDestination />}
      </PagedList>
    </Page>
  );
}

export function TransferDetail({ api, id, live }: { api: DashboardApi; id: string; live: number }) {
  const [loaded] = useLoad(`${id}#${live}`, () => api.transfer(id));
  return (
    <Page title="Transfer">
      <p>
        <Link href="/dashboard/transfers">All transfers</Link>
      </p>
      <Loading loaded={loaded}>
        {({ transfer }) => (
          <Facts
            rows={[
              ['Id', <code key="id">{transfer.id}</code>],
              ['Status', 'Paid: the funds are available to the connected account'],
              ['Amount', money(transfer.amount, transfer.currency)],
              ['Destination', <AccountLink key="destination" id={transfer.destination} />],
              ['Destination payment', <code key="payment">{transfer.destination_payment}</code>],
              ['Balance transaction', <code key="txn">{transfer.balance_transaction}</code>],
              ['Description', transfer.description ?? 'none'],
              ['Transfer group', transfer.transfer_group ?? 'none'],
              ['Created', when(transfer.created)],
            ]}
          />
        )}
      </Loading>
    </Page>
  );
}
