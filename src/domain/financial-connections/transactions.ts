import type { Kysely, Selectable } from 'kysely';
import type { Transaction as BankTransaction } from '../../bank/connector.ts';
import { rangeKeys, rangeOperators, type TimeRange } from '../../store/filters.ts';
import { QueryTemplates } from '../../store/query-templates.ts';
import type { Database, FcAccountOwnersTable, FcTransactionsTable } from '../../store/schema.ts';
import { resourceMissing } from '../errors.ts';
import { idKind, newId } from '../ids.ts';
import { fetchPage, type Page, type PageResult } from '../paging.ts';
import type { AccountService } from './accounts.ts';
import { requirePermission } from './data-access.ts';

export const transactionIds = idKind('fctxn');

/**
 * The columns a transaction is shown with. The list reads only these, not the merchant nor the
 * bank's id: better-sqlite3's cost grows with the values read, and a page reads 100 rows.
 */
const transactionColumns = [
  'id',
  'account_id',
  'amount',
  'currency',
  'description',
  'status',
  'transacted_at',
  'posted_at',
  'void_at',
  'transaction_refresh',
  'updated',
] as const satisfies readonly (keyof FcTransactionsTable)[];

export type FcTransaction = Pick<Selectable<FcTransactionsTable>, (typeof transactionColumns)[number]>;
export type FcOwner = Selectable<FcAccountOwnersTable>;

export interface FcOwnership {
  id: string;
  accountId: string;
  created: number;
  owners: FcOwner[];
}

export interface TransactionFilter {
  account: string;
  transactedAt?: TimeRange | undefined;
  /** Only transactions created or updated by a refresh after this one. */
  refreshedAfter?: string | undefined;
}

const insertChunk = 200;

function changed(row: FcTransaction, t: BankTransaction): boolean {
  return (
    row.status !== t.status ||
    row.amount !== t.amount ||
    row.description !== t.description ||
    row.posted_at !== t.postedAt ||
    row.transacted_at !== t.transactedAt
  );
}

/**
 * Keeps what a transaction refresh fetched: one row per bank transaction and account, so a re-fetch
 * (or a relink) updates in place; a pending transaction the bank no longer reports became void.
 */
export async function storeTransactions(
  db: Kysely<Database>,
  merchantId: string,
  accountId: string,
  refreshId: string,
  fetched: BankTransaction[],
  at: number,
): Promise<void> {
  const existing = await db
    .selectFrom('fc_transactions')
    .selectAll()
    .where('account_id', '=', accountId)
    .execute();
  const byBankId = new Map(existing.map((r) => [r.bank_transaction_id, r]));
  const seen = new Set(fetched.map((t) => t.id));
  const fresh = [];
  // Oldest first, so that ids (time-sortable) follow the order transactions happened.
  const ordered = [...fetched].sort((a, b) => a.transactedAt - b.transactedAt || a.id.localeCompare(b.id));
  for (const t of ordered) {
    const fields = {
      amount: t.amount,
      currency: t.currency,
      description: t.description,
      status: t.status,
      transacted_at: t.transactedAt,
      posted_at: t.postedAt,
      transaction_refresh: refreshId,
      updated: at,
    };
    const row = byBankId.get(t.id);
    if (!row) {
      fresh.push({
        id: newId(transactionIds),
        merchant_id: merchantId,
        account_id: accountId,
        bank_transaction_id: t.id,
        void_at: null,
        ...fields,
      });
    } else if (changed(row, t)) {
      await db.updateTable('fc_transactions').set(fields).where('id', '=', row.id).execute();
    }
  }
  for (let i = 0; i < fresh.length; i += insertChunk) {
    await db
      .insertInto('fc_transactions')
      .values(fresh.slice(i, i + insertChunk))
      .execute();
  }
  const vanished = existing.filter((r) => r.status === 'pending' && !seen.has(r.bank_transaction_id));
  for (const row of vanished) {
    await db
      .updateTable('fc_transactions')
      .set({ status: 'void', void_at: at, transaction_refresh: refreshId, updated: at })
      .where('id', '=', row.id)
      .execute();
  }
}

/** Reading what refreshes stored: transactions and ownership snapshots. */
export class TransactionService {
  private readonly queries: QueryTemplates;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly accounts: AccountService,
  ) {
    this.queries = new QueryTemplates(db);
  }

  async list(merchantId: string, filter: TransactionFilter, page: Page): Promise<PageResult<FcTransaction>> {
    const account = await this.accounts.get(merchantId, filter.account, 'account');
    requirePermission(account, 'transactions', 'account');
    const range = filter.transactedAt ?? {};
    const bounds = rangeKeys.filter((k) => range[k] !== undefined);
    const refreshed = filter.refreshedAfter;
    return fetchPage(page, (w) => {
      const cursor = w.cursor === undefined ? '' : w.direction;
      const shape = `${bounds.join(',')}/${refreshed === undefined ? '' : 'refreshed'}/${cursor}/${w.order}`;
      const values = [
        account.id,
        merchantId,
        range.gt,
        range.gte,
        range.lt,
        range.lte,
        refreshed,
        w.cursor,
        w.limit,
      ];
      return this.queries.rows(shape, values, (slot) => {
        let q = this.db
          .selectFrom('fc_transactions')
          .select(transactionColumns)
          .where('account_id', '=', slot<string>(0))
          .where('merchant_id', '=', slot<string>(1));
        for (const key of bounds)
          q = q.where('transacted_at', rangeOperators[key], slot<number>(2 + rangeKeys.indexOf(key)));
        if (refreshed !== undefined) q = q.where('transaction_refresh', '>', slot<string>(6));
        if (w.cursor !== undefined) q = q.where('id', w.direction, slot<string>(7));
        return q.orderBy('id', w.order).limit(slot<number>(8));
      });
    });
  }

  async get(merchantId: string, id: string): Promise<FcTransaction> {
    const row = await this.db
      .selectFrom('fc_transactions')
      .selectAll()
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    if (!row) throw resourceMissing('financial_connections.transaction', id, 'transaction');
    requirePermission(await this.accounts.get(merchantId, row.account_id), 'transactions', 'transaction');
    return row;
  }

  async listOwners(
    merchantId: string,
    accountId: string,
    ownershipId: string,
    page: Page,
  ): Promise<PageResult<FcOwner>> {
    const ownership = await this.findOwnership(merchantId, ownershipId);
    const account = await this.accounts.get(merchantId, accountId);
    requirePermission(account, 'ownership', 'ownership');
    if (!ownership || ownership.account_id !== account.id) {
      throw resourceMissing('financial_connections.account_ownership', ownershipId, 'ownership');
    }
    return fetchPage(page, (w) => {
      let q = this.db.selectFrom('fc_account_owners').selectAll().where('ownership_id', '=', ownershipId);
      if (w.cursor !== undefined) q = q.where('id', w.direction, w.cursor);
      return q.orderBy('id', w.order).limit(w.limit).execute();
    });
  }

  /** An ownership snapshot with its owners, when the merchant may see it. */
  async ownership(merchantId: string, id: string): Promise<FcOwnership | undefined> {
    const row = await this.findOwnership(merchantId, id);
    if (!row) return undefined;
    const account = await this.accounts.find(merchantId, row.account_id);
    if (!account?.permissions.includes('ownership')) return undefined;
    const owners = await this.db
      .selectFrom('fc_account_owners')
      .selectAll()
      .where('ownership_id', '=', id)
      .orderBy('id', 'desc')
      .execute();
    return { id: row.id, accountId: row.account_id, created: row.created, owners };
  }

  private findOwnership(merchantId: string, id: string) {
    return this.db
      .selectFrom('fc_account_ownerships')
      .selectAll()
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
  }
}
