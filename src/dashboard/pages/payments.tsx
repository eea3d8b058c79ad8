import type { DashboardApi } from '../api.ts';
import { FilterForm, isFiltered, SelectFilter, TextFilter } from '../filters.tsx';
import { useLoad } from '../load.ts';
import { Link, type Route } from '../nav.tsx';
import { Page, PagedList } from '../page.tsx';
import type { PaymentKind, PaymentObject } from '../types.ts';
import { choices, money, when } from '../words.ts';
import { Status } from './accounts.tsx';

type Filter = 'customer' | 'account' | 'payment_method' | 'payment_intent' | 'status';

/**
 * The payment objects built on linked accounts, each kind with its list and detail pages, and the
 * filters its list takes (as the dashboard's API reads them).
 */
export const paymentKinds: Record<
  PaymentKind,
  { title: string; one: string; filters: readonly Filter[]; statuses: readonly string[] }
> = {
  'payment-methods': {
    title: 'PaymentMethods',
    one: 'PaymentMethod',
    filters: ['customer', 'account'],
    statuses: [],
  },
  'setup-intents': {
    title: 'SetupIntents',
    one: 'SetupIntent',
    filters: ['customer', 'payment_method', 'status'],
    statuses: [
      'requires_payment_method',
      'requires_confirmation',
      'requires_action',
      'succeeded',
      'canceled',
    ],
  },
  'payment-intents': {
    title: 'PaymentIntents',
    one: 'PaymentIntent',
    filters: ['customer', 'payment_method', 'status'],
    statuses: [
      'requires_payment_method',
      'requires_confirmation',
      'requires_action',
      'processing',
      'succeeded',
      'canceled',
    ],
  },
  mandates: {
    title: 'Mandates',
    one: 'Mandate',
    filters: ['payment_method', 'status'],
    statuses: ['active', 'inactive', 'pending'],
  },
  charges: {
    title: 'Charges',
    one: 'Charge',
    filters: ['customer', 'payment_method', 'payment_intent', 'status'],
    statuses: ['pending', 'succeeded', 'failed'],
  },
};

const filterFields: Record<Exclude<Filter, 'status'>, { label: string; placeholder: string }> = {
  customer: { label: 'Customer id', placeholder: 'cus_…' },
  account: { label: 'Linked account id', placeholder: 'fca_…' },
  payment_method: { label: 'PaymentMethod id', placeholder: 'pm_…' },
  payment_intent: { label: 'PaymentIntent id', placeholder: 'pi_…' },
};

/** What a row of the list says about the object. */
function summary(object: PaymentObject): string {
  if (object.object === 'payment_method') {
    const bank = object.us_bank_account;
    return `${bank?.bank_name ?? 'Bank account'}${bank?.last4 ? ` ••••${bank.last4}` : ''}`;
  }
  if ((object.object === 'payment_intent' || object.object === 'charge') && object.amount !== undefined)
    return money(object.amount, object.currency ?? 'usd');
  if (object.object === 'mandate') return `multi-use, ${object.customer_acceptance?.type ?? ''} acceptance`;
  return object.usage ? `for ${object.usage.replace('_', ' ')} use` : '';
}

/** Links between payment kinds: the Payments section's tabs. */
export function PaymentKinds({ current }: { current?: PaymentKind }) {
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

function PaymentFilters({ kind, query }: { kind: PaymentKind; query: URLSearchParams }) {
  const { title, filters, statuses: kindStatuses } = paymentKinds[kind];
  return (
    <FilterForm path={`/dashboard/${kind}`} query={query} names={filters} label={`Filter ${title}`}>
      {filters.map((name) =>
        name === 'status' ? (
          <SelectFilter
            key={name}
            label="Status"
            name="status"
            query={query}
            any="Any status"
            options={choices(kindStatuses)}
          />
        ) : (
          <TextFilter key={name} name={name} query={query} {...filterFields[name]} />
        ),
      )}
    </FilterForm>
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
  const { title, filters } = paymentKinds[kind];
  return (
    <Page title={title}>
      <PaymentKinds current={kind} />
      <PaymentFilters kind={kind} query={route.query} />
      <PagedList
        loaded={loaded}
        path={path}
        query={route.query}
        empty={
          isFiltered(route.query, filters) ? `No ${title} match these filters.` : `There are no ${title} yet.`
        }
      >
        {(items) => (
          <ul class="rows">
            {items.map((object) => (
              <li key={object.id}>
                <Link href={`${path}/${object.id}`}>{object.id}</Link>
                <span class="muted">{summary(object)}</span>
                {object.status ? <Status status={object.status} /> : <span />}
                <span class="muted">
                  {when(object.created ?? object.customer_acceptance?.accepted_at ?? 0)}
                </span>
              </li>
            ))}
          </ul>
        )}
      </PagedList>
    </Page>
  );
}
