import type { ComponentChildren } from 'preact';
import type { DashboardApi } from '../api.ts';
import { useLoad } from '../load.ts';
import { Link, type Route } from '../nav.tsx';
import { Facts, Loading, Page, PagedList } from '../page.tsx';
import type { Balance, ConnectedAccount, ExternalBankAccount, Payout, Transfer } from '../types.ts';
import { money, say, when } from '../words.ts';
import { Status } from './accounts.tsx';

/** Connect and funds, each with its page: the Connect area's tabs. */
const tabs = [
  { href: '/dashboard/balance', title: 'Balance' },
  { href: '/dashboard/topups', title: 'Top-ups' },
  { href: '/dashboard/transfers', title: 'Transfers' },
  { href: '/dashboard/connected-accounts', title: 'Connected accounts' },
] as const;

type Tab = (typeof tabs)[number]['title'];

function ConnectTabs({ current }: { current: Tab }) {
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
  topup: 'Top-up',
  transfer: 'Transfer',
  payout: 'Payout',
};

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

/** Whether a balance transaction's funds can be used yet, in words. */
const fundsStatuses: Record<string, string> = { available: 'Available', pending: 'Pending' };

/** What an external account's status means for payouts to it. */
export const externalStatuses: Record<string, string> = {
  new: 'New: payouts can be sent to it',
  errored: 'Errored: the linked account was closed; payouts to it fail',
  tokenized_account_number_deactivated: 'Tokenized numbers deactivated: relink the linked account',
};

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

function AccountLink({ id }: { id: string }) {
  return (
    <Link href={`/dashboard/connected-accounts/${id}`}>
      <code>{id}</code>
    </Link>
  );
}

/** A balance: available and pending funds, one row per currency. */
function Funds({ balance }: { balance: Balance }) {
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
  return (
    <Page title="Balance">
      <ConnectTabs current="Balance" />
      <Loading loaded={balance}>{({ balance: found }) => <Funds balance={found} />}</Loading>
      <h2>Balance transactions</h2>
      <PagedList
        loaded={transactions}
        path="/dashboard/balance"
        query={route.query}
        empty="No funds have moved yet."
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
      <PagedList loaded={loaded} path={path} query={route.query} empty="No top-ups yet.">
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
function TransferRows({ items, linkDestination }: { items: Transfer[]; linkDestination: boolean }) {
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
  return (
    <Page title="Transfers">
      <ConnectTabs current="Transfers" />
      <PagedList loaded={loaded} path="/dashboard/transfers" query={route.query} empty="No transfers yet.">
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
  const path = '/dashboard/connected-accounts';
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
        <Link href="/dashboard/connected-accounts">All connected accounts</Link>
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
              <TransferRows items={view.transfers.data} linkDestination={false} />
            )}
            <h2>Payouts</h2>
            {view.payouts.data.length === 0 ? (
              <p>No payouts from this account yet.</p>
            ) : (
              <PayoutRows account={view.account.id} items={view.payouts.data} />
            )}
            {view.transfers.has_more ? (
              <p>
                <Link href="/dashboard/transfers">All transfers</Link>
              </p>
            ) : null}
          </>
        )}
      </Loading>
    </Page>
  );
}

function PayoutRows({ account, items }: { account: string; items: Payout[] }) {
  return (
    <ul class="rows" aria-label="Payouts">
      {items.map((payout) => (
        <li key={payout.id}>
          <Link href={`/dashboard/connected-accounts/${account}/payouts/${payout.id}`}>{payout.id}</Link>
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
        <Link href={`/dashboard/connected-accounts/${account}`}>Back to the connected account</Link>
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
