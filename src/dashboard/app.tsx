import { useEffect, useState } from 'preact/hooks';
import { currentSession, DashboardApi } from './api.ts';
import { useLiveVersion } from './live.ts';
import { Link, navigate, type Route, useRoute } from './nav.tsx';
import { Page } from './page.tsx';
import { AccountDetail, AccountsList } from './pages/accounts.tsx';
import { AuthorizationDetail, SessionDetail } from './pages/authorizations.tsx';
import { BalancePage, TopupDetail, TopupsList, TransferDetail, TransfersList } from './pages/connect.tsx';
import {
  AccountPayoutsList,
  ConnectedAccountDetail,
  ConnectedAccountsList,
  PayoutDetail,
} from './pages/connected-accounts.tsx';
import { AuthorizationsList, SessionsList } from './pages/connections.tsx';
import { CustomerDetail, CustomersList } from './pages/customers.tsx';
import { EventDetail, EventsList } from './pages/events.tsx';
import { LogDetail, LogsList } from './pages/logs.tsx';
import { PaymentDetail } from './pages/payment-detail.tsx';
import { PaymentsList } from './pages/payments.tsx';
import { SandboxClock } from './pages/sandbox-clock.tsx';
import { SignIn } from './pages/sign-in.tsx';
import { WebhookEndpointDetail, WebhookEndpointsList } from './pages/webhook-endpoints.tsx';
import type { PaymentKind, SessionInfo } from './types.ts';

/** The dashboard: sign-in, then the merchant's pages. */
export function App() {
  const [session, setSession] = useState<SessionInfo | null | undefined>(undefined);
  const [failure, setFailure] = useState<string | undefined>();
  useEffect(() => {
    currentSession().then(
      (found) => setSession(found ?? null),
      (error: unknown) => setFailure(error instanceof Error ? error.message : String(error)),
    );
  }, []);
  if (failure)
    return (
      <main class="narrow">
        <Page title="The dashboard is not available">
          <p role="alert">{failure}</p>
        </Page>
      </main>
    );
  if (session === undefined) return <p class="muted narrow">Loading…</p>;
  if (session === null)
    return (
      <SignIn
        onSignedIn={(signedIn) => {
          setSession(signedIn);
          if (
            !/^\/dashboard\/(accounts|customers|authorizations|sessions|events|webhook-endpoints|logs|sandbox-clock|payment-methods|setup-intents|payment-intents|mandates|charges)/.test(
              window.location.pathname,
            ) &&
            !connectPath.test(window.location.pathname)
          )
            navigate('/dashboard/accounts', true);
        }}
      />
    );
  return <SignedIn session={session} onSignedOut={() => setSession(null)} />;
}

function SignedIn({ session, onSignedOut }: { session: SessionInfo; onSignedOut: () => void }) {
  const route = useRoute();
  const live = useLiveVersion();
  const [api] = useState(() => new DashboardApi(session.csrf_token));
  useEffect(() => {
    if (route.path === '/dashboard' || route.path === '') navigate('/dashboard/accounts', true);
  }, [route.path]);
  let section: string = route.path.startsWith('/dashboard/events')
    ? 'events'
    : route.path.startsWith('/dashboard/logs')
      ? 'logs'
      : route.path.startsWith('/dashboard/customers')
        ? 'customers'
        : /^\/dashboard\/(payment-methods|setup-intents|payment-intents|mandates|charges)/.test(route.path)
          ? 'payments'
          : route.path.startsWith('/dashboard/sandbox-clock')
            ? 'clock'
            : 'accounts';
  if (route.path.startsWith('/dashboard/webhook-endpoints')) section = 'webhooks';
  if (connectPath.test(route.path)) section = 'connect';
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">openfc · {session.merchant.name}</span>
        <nav aria-label="Dashboard">
          <Link href="/dashboard/accounts" current={section === 'accounts'}>
            Accounts
          </Link>
          <Link href="/dashboard/customers" current={section === 'customers'}>
            Customers
          </Link>
          <Link href="/dashboard/payment-methods" current={section === 'payments'}>
            Payments
          </Link>
          <Link href="/dashboard/events" current={section === 'events'}>
            Events
          </Link>
          <Link href="/dashboard/webhook-endpoints" current={section === 'webhooks'}>
            Webhooks
          </Link>
          <Link href="/dashboard/logs" current={section === 'logs'}>
            Logs
          </Link>
          <Link href="/dashboard/sandbox-clock" current={section === 'clock'}>
            Sandbox clock
          </Link>
          <Link href="/dashboard/balance" current={section === 'connect'}>
            Connect
          </Link>
        </nav>
        <button type="button" class="link" onClick={() => void api.signOut().finally(onSignedOut)}>
          Sign out
        </button>
      </header>
      <main id="main">
        <Screen api={api} route={route} live={live} />
      </main>
    </>
  );
}

/** List pages that take the same props, by path. */
const listPages: Record<string, typeof SessionsList> = {
  '/dashboard/sessions': SessionsList,
  '/dashboard/authorizations': AuthorizationsList,
  '/dashboard/webhook-endpoints': WebhookEndpointsList,
  '/dashboard/balance': BalancePage,
  '/dashboard/topups': TopupsList,
  '/dashboard/transfers': TransfersList,
  '/dashboard/connected-accounts': ConnectedAccountsList,
};

/** The Connect area's pages: funds, and the platform's connected accounts. */
const connectPath = /^\/dashboard\/(balance|topups|transfers|connected-accounts)(\/|$)/;

/** Detail pages that take the same props, by the list they belong to. */
const detailPages: Record<string, typeof TopupDetail> = {
  topups: TopupDetail,
  transfers: TransferDetail,
  'connected-accounts': ConnectedAccountDetail,
};

function Screen({ api, route, live }: { api: DashboardApi; route: Route; live: number }) {
  const detail =
    /^\/dashboard\/(accounts|customers|authorizations|sessions|events|webhook-endpoints|logs|payment-methods|setup-intents|payment-intents|mandates|charges)\/([^/]+)$/.exec(
      route.path,
    );
  const id = detail?.[2] && decodeURIComponent(detail[2]);
  const payout = /^\/dashboard\/connected-accounts\/([^/]+)\/payouts\/([^/]+)$/.exec(route.path);
  if (payout?.[1] && payout[2]) {
    const [account, payoutId] = [decodeURIComponent(payout[1]), decodeURIComponent(payout[2])];
    return <PayoutDetail key={payoutId} api={api} account={account} id={payoutId} live={live} />;
  }
  const payouts = /^\/dashboard\/connected-accounts\/([^/]+)\/payouts$/.exec(route.path)?.[1];
  if (payouts) {
    const account = decodeURIComponent(payouts);
    return (
      <AccountPayoutsList
        key={`${account}?${route.query}`}
        api={api}
        account={account}
        route={route}
        live={live}
      />
    );
  }
  const connectDetail = /^\/dashboard\/(topups|transfers|connected-accounts)\/([^/]+)$/.exec(route.path);
  const ConnectDetail = connectDetail?.[1] ? detailPages[connectDetail[1]] : undefined;
  if (ConnectDetail && connectDetail?.[2]) {
    const connectId = decodeURIComponent(connectDetail[2]);
    return <ConnectDetail key={connectId} api={api} id={connectId} live={live} />;
  }
  const payment = /^\/dashboard\/(payment-methods|setup-intents|payment-intents|mandates|charges)$/.exec(
    route.path,
  )?.[1] as PaymentKind | undefined;
  if (
    detail?.[1] &&
    id &&
    /^(payment-methods|setup-intents|payment-intents|mandates|charges)$/.test(detail[1])
  )
    return <PaymentDetail key={id} api={api} kind={detail[1] as PaymentKind} id={id} live={live} />;
  if (payment)
    return (
      <PaymentsList key={`${payment}?${route.query}`} api={api} kind={payment} route={route} live={live} />
    );
  if (detail?.[1] === 'customers' && id) return <CustomerDetail key={id} api={api} id={id} live={live} />;
  if (detail?.[1] === 'authorizations' && id)
    return <AuthorizationDetail key={id} api={api} id={id} live={live} />;
  if (detail?.[1] === 'sessions' && id) return <SessionDetail key={id} api={api} id={id} live={live} />;
  if (detail?.[1] === 'accounts' && detail[2])
    return <AccountDetail key={detail[2]} api={api} id={decodeURIComponent(detail[2])} live={live} />;
  if (detail?.[1] === 'events' && detail[2])
    return <EventDetail key={detail[2]} api={api} id={decodeURIComponent(detail[2])} live={live} />;
  if (detail?.[1] === 'logs' && id) return <LogDetail key={id} api={api} id={id} />;
  if (route.path === '/dashboard/logs')
    return <LogsList key={`logs?${route.query}`} api={api} route={route} live={live} />;
  if (route.path === '/dashboard/sandbox-clock') return <SandboxClock api={api} live={live} />;
  const List = listPages[route.path];
  if (List) return <List key={`${route.path}?${route.query}`} api={api} route={route} live={live} />;
  if (detail?.[1] === 'webhook-endpoints' && id)
    return <WebhookEndpointDetail key={id} api={api} id={id} live={live} />;
  if (route.path === '/dashboard/customers')
    return <CustomersList key={`customers?${route.query}`} api={api} route={route} live={live} />;
  if (route.path === '/dashboard/events')
    return <EventsList key={`events?${route.query}`} api={api} route={route} live={live} />;
  return <AccountsList key={`accounts?${route.query}`} api={api} route={route} live={live} />;
}
