import type { ComponentChildren } from 'preact';
import type { DashboardApi } from '../api.ts';
import { useLoad } from '../load.ts';
import { Link, type Route } from '../nav.tsx';
import { Facts, Loading, Page, PagedList } from '../page.tsx';
import type { PaymentKind, PaymentObject } from '../types.ts';
import { money, when } from '../words.ts';
import { Status } from './accounts.tsx';

/** The payment objects built on linked accounts, each kind with its list and detail pages. */
export const paymentKinds: Record<PaymentKind, { title: string; one: string }> = {
  'payment-methods': { title: 'PaymentMethods', one: 'PaymentMethod' },
  'setup-intents': { title: 'SetupIntents', one: 'SetupIntent' },
  'payment-intents': { title: 'PaymentIntents', one: 'PaymentIntent' },
};

function idLink(kind: string, id: string | null | undefined): ComponentChildren {
  if (!id) return 'none';
  return (
    <Link href={`/dashboard/${kind}/${id}`}>
      <code>{id}</code>
    </Link>
  );
}

/** What a row of the list says about the object. */
function summary(object: PaymentObject): string {
  if (object.object === 'payment_method') {
    const bank = object.us_bank_account;
    return `${bank?.bank_name ?? 'Bank account'}${bank?.last4 ? ` ••••${bank.last4}` : ''}`;
  }
  if (object.object === 'payment_intent' && object.amount !== undefined && object.currency)
    return money(object.amount, object.currency);
  return object.usage ? `for ${object.usage.replace('_', ' ')} use` : '';
}

/** Links between payment kinds: a list's tabs. */
function Kinds({ current }: { current: PaymentKind }) {
  return (
    <nav aria-label="Payment objects" class="kinds">
      {(Object.keys(paymentKinds) as PaymentKind[]).map((kind) => (
        <Link key={kind} href={`/dashboard/${kind}`} current={kind === current}>
          {paymentKinds[kind].title}
        </Link>
      ))}
    </nav>
  );
}

export function PaymentsList({
  api,
  kind,
  route,
  live,
}: {
  api: DashboardApi;
  kind: PaymentKind;
  route: Route;
  live: number;
}) {
  const [loaded] = useLoad(`${kind}?${route.query}#${live}`, () =>
    api.payments(kind, Object.fromEntries(route.query)),
  );
  const path = `/dashboard/${kind}`;
  return (
    <Page title={paymentKinds[kind].title}>
      <Kinds current={kind} />
      <PagedList
        loaded={loaded}
        path={path}
        query={route.query}
        empty={`There are no ${paymentKinds[kind].title} yet.`}
      >
        {(items) => (
          <ul class="rows">
            {items.map((object) => (
              <li key={object.id}>
                <Link href={`${path}/${object.id}`}>{object.id}</Link>
                <span class="muted">{summary(object)}</span>
                {object.status ? <Status status={object.status} /> : <span />}
                <span class="muted">{when(object.created)}</span>
              </li>
            ))}
          </ul>
        )}
      </PagedList>
    </Page>
  );
}

function rows(object: PaymentObject): [string, ComponentChildren][] {
  const customer: [string, ComponentChildren] = [
    'Customer',
    object.customer ? (
      <Link key="customer" href={`/dashboard/customers/${object.customer}`}>
        <code>{object.customer}</code>
      </Link>
    ) : (
      'none'
    ),
  ];
  if (object.object === 'payment_method') {
    const bank = object.us_bank_account;
    return [
      customer,
      ['Bank', bank?.bank_name ?? 'unknown'],
      ['Account', `${bank?.account_type ?? ''} ••••${bank?.last4 ?? ''}`],
      ['Routing number', bank?.routing_number ?? 'none'],
      [
        'Linked account',
        bank?.financial_connections_account ? (
          <Link key="fca" href={`/dashboard/accounts/${bank.financial_connections_account}`}>
            <code>{bank.financial_connections_account}</code>
          </Link>
        ) : (
          'none'
        ),
      ],
      ['Blocked', bank?.status_details?.blocked?.reason ?? 'no'],
    ];
  }
  const common: [string, ComponentChildren][] = [
    ['Status', <Status key="status" status={object.status ?? ''} />],
    customer,
    ['Payment method', idLink('payment-methods', object.payment_method)],
    ['Mandate', object.mandate ? <code key="mandate">{object.mandate}</code> : 'none'],
  ];
  if (object.object === 'payment_intent') {
    return [
      ...common,
      ['Amount', object.amount !== undefined && object.currency ? money(object.amount, object.currency) : ''],
      ['Latest charge', object.latest_charge ? <code key="charge">{object.latest_charge}</code> : 'none'],
      ['Last error', object.last_payment_error?.message ?? 'none'],
    ];
  }
  return [...common, ['Usage', object.usage ?? ''], ['Cancelled because', object.cancellation_reason ?? '—']];
}

export function PaymentDetail({
  api,
  kind,
  id,
  live,
}: {
  api: DashboardApi;
  kind: PaymentKind;
  id: string;
  live: number;
}) {
  const [loaded] = useLoad(`${kind}/${id}#${live}`, () => api.payment(kind, id));
  return (
    <Page title={paymentKinds[kind].one}>
      <p>
        <Link href={`/dashboard/${kind}`}>All {paymentKinds[kind].title}</Link>
      </p>
      <Loading loaded={loaded}>
        {({ object }) => (
          <Facts
            rows={[
              ['Id', <code key="id">{object.id}</code>],
              ...rows(object),
              ['Created', when(object.created)],
            ]}
          />
        )}
      </Loading>
    </Page>
  );
}
