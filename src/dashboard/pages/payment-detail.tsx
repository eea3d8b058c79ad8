import type { ComponentChildren } from 'preact';
import type { DashboardApi } from '../api.ts';
import { useLoad } from '../load.ts';
import { Link } from '../nav.tsx';
import { Facts, Loading, Page } from '../page.tsx';
import type { PaymentKind, PaymentObject, PaymentView } from '../types.ts';
import { money, when } from '../words.ts';
import { Status } from './accounts.tsx';
import { paymentKinds } from './payments.tsx';

type Row = [string, ComponentChildren];

/** A link to an object's page by its id, or "none". */
function idLink(kind: string, id: string | null | undefined): ComponentChildren {
  if (!id) return 'none';
  return (
    <Link href={`/dashboard/${kind}/${id}`}>
      <code>{id}</code>
    </Link>
  );
}

/** Links to a list filtered to this object: `[name, kind, filter]`. */
function Related({
  label,
  id,
  lists,
}: {
  label: string;
  id: string;
  lists: [string, PaymentKind, string][];
}) {
  return (
    <nav aria-label={label}>
      <ul class="inline">
        {lists.map(([name, kind, filter]) => (
          <li key={kind}>
            <Link href={`/dashboard/${kind}?${filter}=${encodeURIComponent(id)}`}>{name}</Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function rows({ object, financial_connections_account: account }: PaymentView): Row[] {
  const customer: Row = ['Customer', idLink('customers', object.customer)];
  const linked: Row = ['Linked account', idLink('accounts', account)];
  const paymentMethod: Row = ['Payment method', idLink('payment-methods', object.payment_method)];
  const status: Row = ['Status', <Status key="status" status={object.status ?? ''} />];
  const amount: Row = [
    'Amount',
    object.amount !== undefined ? money(object.amount, object.currency ?? 'usd') : '',
  ];
  switch (object.object) {
    case 'payment_method': {
      const bank = object.us_bank_account;
      return [
        customer,
        ['Bank', bank?.bank_name ?? 'unknown'],
        ['Account', `${bank?.account_type ?? ''} ••••${bank?.last4 ?? ''}`],
        ['Routing number', bank?.routing_number ?? 'none'],
        linked,
        ['Blocked', bank?.status_details?.blocked?.reason ?? 'no'],
        [
          'Built on it',
          <Related
            key="related"
            label="Built on this PaymentMethod"
            id={object.id}
            lists={[
              ['Its SetupIntents', 'setup-intents', 'payment_method'],
              ['Its PaymentIntents', 'payment-intents', 'payment_method'],
              ['Its mandates', 'mandates', 'payment_method'],
              ['Its charges', 'charges', 'payment_method'],
            ]}
          />,
        ],
      ];
    }
    case 'mandate':
      return [
        status,
        paymentMethod,
        linked,
        [
          'Accepted',
          object.customer_acceptance
            ? `${object.customer_acceptance.type}, ${when(object.customer_acceptance.accepted_at)}`
            : 'no',
        ],
      ];
    case 'charge':
      return [
        status,
        amount,
        customer,
        ['PaymentIntent', idLink('payment-intents', object.payment_intent)],
        paymentMethod,
        ['Mandate', idLink('mandates', object.payment_method_details?.us_bank_account?.mandate)],
        linked,
        [
          'Balance transaction',
          object.balance_transaction ? <code key="txn">{object.balance_transaction}</code> : 'none',
        ],
        ['Failure', object.failure_message ?? 'none'],
      ];
    case 'payment_intent':
      return [
        status,
        amount,
        customer,
        paymentMethod,
        linked,
        // A PaymentIntent names no mandate: its charge does (beside "Mandate" on the charge's page).
        ['Latest charge', idLink('charges', object.latest_charge)],
        [
          'Charges',
          <Related
            key="related"
            label="Charges of this PaymentIntent"
            id={object.id}
            lists={[['All its charges', 'charges', 'payment_intent']]}
          />,
        ],
        ['Last error', object.last_payment_error?.message ?? 'none'],
      ];
    default:
      return [
        status,
        customer,
        paymentMethod,
        ['Mandate', idLink('mandates', object.mandate)],
        linked,
        ['Usage', object.usage ?? ''],
        ['Cancelled because', object.cancellation_reason ?? '—'],
      ];
  }
}

function created(object: PaymentObject): Row[] {
  return object.created === undefined ? [] : [['Created', when(object.created)]];
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
        {(view) => (
          <Facts
            rows={[['Id', <code key="id">{view.object.id}</code>], ...rows(view), ...created(view.object)]}
          />
        )}
      </Loading>
    </Page>
  );
}
