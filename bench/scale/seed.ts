/**
 * Seeds openfc's database with many customers, authorizations, linked accounts, transactions and
 * events, written straight into the tables rather than through the API (minutes, not days).
 *
 * Every row is a copy of a template openfc itself wrote: an account linked through a session
 * (with the `payment_method` and `transactions` permissions, its transactions refreshed), its
 * authorization, its customer, their events, and each event's webhook delivery and attempt. A
 * copy gets its own ids (`idAt`, the format of `newId`, at the copy's own time), its own holder,
 * times and amounts, and its own account number sealed with openfc's key and bound to its id, as
 * openfc seals numbers. Event snapshots are rendered from the copied rows as the event log renders
 * them. So the API reads the copies as it reads the rows it wrote.
 *
 * Times run over the 24 days before `now`, one millisecond per id, customer after customer, so
 * every table receives ids in increasing order, as openfc would have written them.
 */
import type { Selectable } from 'kysely';
import { customerIds } from '../../src/domain/customers/service.ts';
import { eventIds } from '../../src/domain/events/log.ts';
import { transactionRefreshIds } from '../../src/domain/financial-connections/account-data.ts';
import {
  accountFromRow,
  accountIds,
  authorizationIds,
} from '../../src/domain/financial-connections/accounts.ts';
import { transactionIds } from '../../src/domain/financial-connections/transactions.ts';
import { type IdKind, idAt } from '../../src/domain/ids.ts';
import { requestIds } from '../../src/domain/request-logs/log.ts';
import type { FcAccountsTable } from '../../src/store/schema.ts';
import type { SecretBox } from '../../src/store/secrets.ts';
import { attemptIds } from '../../src/webhooks/attempt-log.ts';
import { deliveryIds } from '../../src/webhooks/outbox.ts';
import type { BulkWriter, Row } from './bulk-writer.ts';

export interface SeedSize {
  customers: number;
  accounts: number;
  transactions: number;
}

export interface SeedCounts {
  customers: number;
  authorizations: number;
  accounts: number;
  transactions: number;
  events: number;
  deliveries: number;
  attempts: number;
}

/** A few of the rows written, for reading them back through the API. */
export interface SeedSample {
  customer: string;
  account: string;
  /** How many accounts `customer` holds. */
  customerAccounts: number;
  /** How many transactions `account` has. */
  accountTransactions: number;
  event: string;
}

export interface SeedResult {
  counts: SeedCounts;
  sample: SeedSample;
}

/** Accounts linked per authorization (one login at the bank shares a few accounts). */
const accountsPerAuthorization = 3;
const spanMs = 24 * 86_400_000;
const transactionHistorySeconds = 90 * 86_400;

interface Template {
  columns: readonly string[];
  row: Row;
}

interface EventTemplate extends Template {
  delivery: Template | undefined;
  attempt: Template | undefined;
}

interface Templates {
  customer: Template;
  customerCreated: EventTemplate | undefined;
  authorization: Template;
  account: Template;
  accountCreated: EventTemplate | undefined;
  refreshed: EventTemplate | undefined;
  transactions: Template[];
  numbers: Array<Record<string, unknown>>;
}

async function one(writer: BulkWriter, sql: string, params: unknown[], what: string): Promise<Template> {
  const row = (await writer.query(sql, params))[0];
  if (!row) throw new Error(`The seed template has no ${what}.`);
  return { columns: Object.keys(row), row };
}

async function eventTemplate(
  writer: BulkWriter,
  objectId: string,
  type: string,
): Promise<EventTemplate | undefined> {
  const event = (
    await writer.query('select * from events where object_id = ? and type = ? order by id limit 1', [
      objectId,
      type,
    ])
  )[0];
  if (!event) return undefined;
  const delivery = (
    await writer.query('select * from webhook_deliveries where event_id = ? order by id limit 1', [event.id])
  )[0];
  const attempt =
    delivery &&
    (
      await writer.query('select * from webhook_attempts where delivery_id = ? order by id limit 1', [
        delivery.id,
      ])
    )[0];
  const template = (row: Row | undefined) => row && { columns: Object.keys(row), row };
  return {
    columns: Object.keys(event),
    row: event,
    delivery: template(delivery),
    attempt: template(attempt),
  };
}

async function readTemplates(writer: BulkWriter, secrets: SecretBox, accountId: string): Promise<Templates> {
  const account = await one(writer, 'select * from fc_accounts where id = ?', [accountId], 'account');
  const sealed = account.row.account_numbers_sealed;
  if (typeof sealed !== 'string')
    throw new Error(
      `The template account ${accountId} has no account numbers (link it with payment_method).`,
    );
  const transactions = (
    await writer.query('select * from fc_transactions where account_id = ? order by id', [accountId])
  ).map((row) => ({ columns: Object.keys(row), row }));
  if (transactions.length === 0)
    throw new Error(`The template account ${accountId} has no transactions (refresh them first).`);
  const customerId = String(account.row.holder_id);
  return {
    account,
    numbers: JSON.parse(secrets.open(sealed, accountId)) as Array<Record<string, unknown>>,
    transactions,
    authorization: await one(
      writer,
      'select * from fc_authorizations where id = ?',
      [account.row.authorization_id],
      'authorization',
    ),
    customer: await one(writer, 'select * from customers where id = ?', [customerId], 'customer'),
    customerCreated: await eventTemplate(writer, customerId, 'customer.created'),
    accountCreated: await eventTemplate(writer, accountId, 'financial_connections.account.created'),
    refreshed: await eventTemplate(writer, accountId, 'financial_connections.account.refreshed_transactions'),
  };
}

/** The template's values with some columns replaced, in the template's column order. */
function copy(template: Template, changes: Row): unknown[] {
  return template.columns.map((c) => (c in changes ? changes[c] : template.row[c]));
}

/** A JSON column of the template with some fields replaced (null stays null). */
function patchJson(text: unknown, changes: Row): string | null {
  if (typeof text !== 'string') return null;
  const value = JSON.parse(text) as Row;
  for (const [key, v] of Object.entries(changes)) if (key in value) value[key] = v;
  return JSON.stringify(value);
}

/** A deterministic spread of values, so that runs seed the same shapes. */
function spread(i: number, modulo: number): number {
  return (Math.imul(i + 1, 2_654_435_761) >>> 0) % modulo;
}

/** `total` split over `parts` as evenly as whole numbers allow: the share of part `i`. */
function share(total: number, parts: number, i: number): number {
  return Math.floor(((i + 1) * total) / parts) - Math.floor((i * total) / parts);
}

export interface SeedOptions {
  writer: BulkWriter;
  secrets: SecretBox;
  /** The linked account (and through it its customer, authorization and events) to copy. */
  templateAccount: string;
  size: SeedSize;
  /** Unix milliseconds; the seeded history ends an hour before. */
  now?: number;
  progress?: (done: SeedCounts) => void;
}

export async function seed(options: SeedOptions): Promise<SeedResult> {
  const { writer, secrets, size } = options;
  const t = await readTemplates(writer, secrets, options.templateAccount);
  const end = (options.now ?? Date.now()) - 3_600_000;
  const start = end - spanMs;
  const slotMs = Math.floor(spanMs / size.customers);
  const counts: SeedCounts = {
    customers: 0,
    authorizations: 0,
    accounts: 0,
    transactions: 0,
    events: 0,
    deliveries: 0,
    attempts: 0,
  };
  let sample: SeedSample | undefined;
  let lastEvent = '';
  const checkedAt = Math.floor((options.now ?? Date.now()) / 1000);

  for (let c = 0; c < size.customers; c++) {
    let ms = start + c * slotMs;
    const slotEnd = ms + slotMs;
    const next = (kind: IdKind) => {
      if (ms >= slotEnd) throw new Error('Too many rows per customer for the seeded time span.');
      return idAt(kind, ms++);
    };
    const seconds = () => Math.floor(ms / 1000);

    const customerId = next(customerIds);
    const created = seconds();
    await writer.insert(
      'customers',
      t.customer.columns,
      copy(t.customer, { id: customerId, created, email: `holder${c}@example.com`, name: `Holder ${c}` }),
    );
    counts.customers++;
    await writeEvent(t.customerCreated, customerId, () => {
      const record = JSON.parse(String(t.customerCreated?.row.object_snapshot)) as Row;
      return JSON.stringify({
        ...record,
        id: customerId,
        created,
        email: `holder${c}@example.com`,
        name: `Holder ${c}`,
      });
    });

    const accounts = share(size.accounts, size.customers, c);
    let authorizationId = '';
    for (let a = 0; a < accounts; a++) {
      const accountIndex = counts.accounts;
      if (a % accountsPerAuthorization === 0) {
        authorizationId = next(authorizationIds);
        await writer.insert(
          'fc_authorizations',
          t.authorization.columns,
          copy(t.authorization, {
            id: authorizationId,
            created: seconds(),
            holder_id: customerId,
            // The bank's grant belongs to the template's holder at the sandbox bank: a copy keeps
            // none, so openfc's checks leave these connections alone.
            grant_sealed: null,
            bank_user_id: null,
            bank_checked_at: checkedAt,
          }),
        );
        counts.authorizations++;
      }
      const accountId = next(accountIds);
      const linked = seconds();
      const refreshId = next(transactionRefreshIds);
      const accountNumber = String(100_000_000_000 + accountIndex);
      const numbers = t.numbers.map((n) => ({ ...n, accountNumber }));
      const accountValues: Row = {
        id: accountId,
        created: linked,
        authorization_id: authorizationId,
        holder_id: customerId,
        bank_account_key: `${String(t.account.row.bank_account_key)}-${a}`,
        bank_account_id: `${String(t.account.row.bank_account_id)}-${accountIndex}`,
        last4: accountNumber.slice(-4),
        account_numbers_sealed: secrets.seal(JSON.stringify(numbers), accountId),
        balance: patchJson(t.account.row.balance, { as_of: linked }),
        balance_refresh: patchJson(t.account.row.balance_refresh, {
          last_attempted_at: linked,
          next_refresh_available_at: null,
        }),
        transaction_refresh: patchJson(t.account.row.transaction_refresh, {
          id: refreshId,
          last_attempted_at: linked,
          next_refresh_available_at: null,
        }),
        ownership_id: null,
        ownership_refresh: null,
      };
      const values = copy(t.account, accountValues);
      await writer.insert('fc_accounts', t.account.columns, values);
      counts.accounts++;
      const snapshot = JSON.stringify(
        accountFromRow(
          Object.fromEntries(
            t.account.columns.map((col, i) => [col, values[i]]),
          ) as Selectable<FcAccountsTable>,
        ),
      );
      await writeEvent(t.accountCreated, accountId, () => snapshot);

      const transactions = share(size.transactions, size.accounts, accountIndex);
      for (let k = 0; k < transactions; k++) {
        const template = t.transactions[k % t.transactions.length] as Template;
        const cycle = Math.floor(k / t.transactions.length);
        const transactedAt =
          linked -
          transactionHistorySeconds +
          Math.floor(((k + 1) * transactionHistorySeconds) / (transactions + 1));
        const posted = template.row.posted_at === null ? null : transactedAt + 86_400;
        await writer.insert(
          'fc_transactions',
          template.columns,
          copy(template, {
            id: next(transactionIds),
            account_id: accountId,
            bank_transaction_id:
              cycle === 0
                ? template.row.bank_transaction_id
                : `${String(template.row.bank_transaction_id)}-${cycle}`,
            amount: -(100 + spread(accountIndex * 31 + k, 50_000)),
            transacted_at: transactedAt,
            posted_at: posted,
            void_at: template.row.void_at === null ? null : transactedAt + 86_400,
            transaction_refresh: refreshId,
            updated: linked,
          }),
        );
        counts.transactions++;
      }
      await writeEvent(t.refreshed, accountId, () => snapshot);
      if (accountIndex === Math.floor(size.accounts / 2)) {
        sample = {
          customer: customerId,
          account: accountId,
          customerAccounts: accounts,
          accountTransactions: transactions,
          event: lastEvent,
        };
      }
    }
    if (c % 100 === 99) options.progress?.({ ...counts });

    // One event of the template's type about `objectId`, with its delivery and attempt.
    async function writeEvent(template: EventTemplate | undefined, objectId: string, snapshot: () => string) {
      if (!template) return;
      const eventId = next(eventIds);
      const at = ms;
      await writer.insert(
        'events',
        template.columns,
        copy(template, {
          id: eventId,
          created: Math.floor(at / 1000),
          object_id: objectId,
          object_snapshot: snapshot(),
          request_id: template.row.request_id === null ? null : next(requestIds),
        }),
      );
      counts.events++;
      lastEvent = eventId;
      if (template.delivery) {
        const deliveryId = next(deliveryIds);
        await writer.insert(
          'webhook_deliveries',
          template.delivery.columns,
          copy(template.delivery, {
            id: deliveryId,
            event_id: eventId,
            created: at,
            next_attempt_at: at + 50,
          }),
        );
        counts.deliveries++;
        if (template.attempt) {
          await writer.insert(
            'webhook_attempts',
            template.attempt.columns,
            copy(template.attempt, {
              id: next(attemptIds),
              delivery_id: deliveryId,
              event_id: eventId,
              attempted_at: at + 20,
              next_attempt_at: null,
            }),
          );
          counts.attempts++;
        }
      }
    }
  }
  await writer.flush();
  options.progress?.({ ...counts });
  if (!sample) throw new Error('Nothing was seeded.');
  return { counts, sample };
}
