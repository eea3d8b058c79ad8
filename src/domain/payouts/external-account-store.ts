import type { Kysely, Selectable } from 'kysely';
import type { Database, ExternalAccountsTable } from '../../store/schema.ts';
import { previousMetadata } from '../metadata.ts';
import { fetchPage, type Page, type PageResult } from '../paging.ts';
import type { AccountHolderType, BankAccountType } from '../payments/bank-account.ts';
import type { ExternalAccountStatus } from './bank-state.ts';

/** A connected account's bank account for payouts (Stripe's external account `bank_account`). */
export interface ExternalAccount {
  id: string;
  /** The connected account it belongs to. */
  accountId: string;
  fcAccountId: string;
  created: number;
  accountHolderName: string | null;
  accountHolderType: AccountHolderType | null;
  accountType: BankAccountType | null;
  bankName: string | null;
  last4: string;
  routingNumber: string;
  fingerprint: string;
  currency: string;
  defaultForCurrency: boolean;
  status: ExternalAccountStatus;
  metadata: Record<string, string>;
}

/** The bank accounts an account object shows: the first page, and how many there are. */
export type EmbeddedExternalAccounts = PageResult<ExternalAccount> & { total: number };

type Row = Selectable<ExternalAccountsTable>;

function fromRow(row: Row): ExternalAccount {
  return {
    id: row.id,
    accountId: row.account_id,
    fcAccountId: row.fc_account_id,
    created: Number(row.created),
    accountHolderName: row.account_holder_name,
    accountHolderType: row.account_holder_type,
    accountType: row.account_type,
    bankName: row.bank_name,
    last4: row.last4,
    routingNumber: row.routing_number,
    fingerprint: row.fingerprint,
    currency: row.currency,
    defaultForCurrency: Number(row.default_for_currency) === 1,
    status: row.status,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
  };
}

function toRow(e: ExternalAccount): Row {
  return {
    id: e.id,
    account_id: e.accountId,
    fc_account_id: e.fcAccountId,
    created: e.created,
    account_holder_name: e.accountHolderName,
    account_holder_type: e.accountHolderType,
    account_type: e.accountType,
    bank_name: e.bankName,
    last4: e.last4,
    routing_number: e.routingNumber,
    fingerprint: e.fingerprint,
    currency: e.currency,
    default_for_currency: e.defaultForCurrency ? 1 : 0,
    status: e.status,
    metadata: JSON.stringify(e.metadata),
  };
}

const wireNames: ReadonlyArray<[keyof ExternalAccount, string]> = [
  ['accountHolderName', 'account_holder_name'],
  ['accountHolderType', 'account_holder_type'],
  ['accountType', 'account_type'],
  ['bankName', 'bank_name'],
  ['last4', 'last4'],
  ['routingNumber', 'routing_number'],
  ['defaultForCurrency', 'default_for_currency'],
  ['status', 'status'],
];

/** The fields of `before` that differ in `after`, with their old values, as Stripe names them. */
export function changedFields(before: ExternalAccount, after: ExternalAccount): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, name] of wireNames) if (before[field] !== after[field]) out[name] = before[field];
  const metadata = previousMetadata(before.metadata, after.metadata);
  if (metadata) out.metadata = metadata;
  return out;
}

/** The one module that reads and writes `external_accounts`; `db` may be a transaction. */
export class ExternalAccountStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(db: Kysely<Database>, external: ExternalAccount): Promise<void> {
    await db.insertInto('external_accounts').values(toRow(external)).execute();
  }

  /** Writes every field a change may touch. */
  async write(db: Kysely<Database>, external: ExternalAccount): Promise<void> {
    const { id, account_id, ...columns } = toRow(external);
    await db
      .updateTable('external_accounts')
      .set(columns)
      .where('id', '=', id)
      .where('account_id', '=', account_id)
      .execute();
  }

  async remove(db: Kysely<Database>, accountId: string, id: string): Promise<void> {
    await db
      .deleteFrom('external_accounts')
      .where('id', '=', id)
      .where('account_id', '=', accountId)
      .execute();
  }

  async of(db: Kysely<Database>, accountId: string, id: string): Promise<ExternalAccount | undefined> {
    const row = await db
      .selectFrom('external_accounts')
      .selectAll()
      .where('id', '=', id)
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  /** One of `viewerId`'s own bank accounts, or one of its connected accounts'. */
  async visibleTo(viewerId: string, id: string): Promise<ExternalAccount | undefined> {
    const row = await this.db
      .selectFrom('external_accounts')
      .innerJoin('merchant_accounts', 'merchant_accounts.id', 'external_accounts.account_id')
      .selectAll('external_accounts')
      .where('external_accounts.id', '=', id)
      .where((eb) =>
        eb.or([
          eb('merchant_accounts.id', '=', viewerId),
          eb('merchant_accounts.platform_id', '=', viewerId),
        ]),
      )
      .executeTakeFirst();
    return row && fromRow(row);
  }

  async withFingerprint(db: Kysely<Database>, accountId: string, fingerprint: string) {
    const row = await db
      .selectFrom('external_accounts')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('fingerprint', '=', fingerprint)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  async inCurrency(db: Kysely<Database>, accountId: string, currency: string): Promise<ExternalAccount[]> {
    const rows = await db
      .selectFrom('external_accounts')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('currency', '=', currency)
      .orderBy('id')
      .execute();
    return rows.map(fromRow);
  }

  /** The bank accounts on a linked account, whoever they belong to. */
  async onLinkedAccount(db: Kysely<Database>, fcAccountId: string): Promise<ExternalAccount[]> {
    const rows = await db
      .selectFrom('external_accounts')
      .selectAll()
      .where('fc_account_id', '=', fcAccountId)
      .orderBy('id')
      .execute();
    return rows.map(fromRow);
  }

  /** A connected account's bank accounts, newest first. */
  async page(accountId: string, page: Page): Promise<PageResult<ExternalAccount>> {
    const result = await fetchPage(page, (w) => {
      let q = this.db.selectFrom('external_accounts').selectAll().where('account_id', '=', accountId);
      if (w.cursor !== undefined) q = q.where('id', w.direction, w.cursor);
      return q.orderBy('id', w.order).limit(w.limit).execute();
    });
    return { data: result.data.map(fromRow), hasMore: result.hasMore };
  }

  /** What an account object embeds: its first bank accounts, and how many it has. */
  async embedded(accountId: string): Promise<EmbeddedExternalAccounts> {
    const page = await this.page(accountId, { limit: 10 });
    return { ...page, total: await this.count(accountId) };
  }

  async count(accountId: string): Promise<number> {
    const counted = await this.db
      .selectFrom('external_accounts')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('account_id', '=', accountId)
      .executeTakeFirstOrThrow();
    return Number(counted.n);
  }
}

declare module '../events/log.ts' {
  interface EventObjectTypes {
    bank_account: ExternalAccount;
  }
}
