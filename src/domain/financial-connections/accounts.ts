import type { CompiledQuery, Kysely, Selectable } from 'kysely';
import type { BankAccount } from '../../bank/connector.ts';
import { QueryTemplates } from '../../store/query-templates.ts';
import type { Database, FcAccountsTable, FcAuthorizationsTable } from '../../store/schema.ts';
import { resourceMissing } from '../errors.ts';
import type { EventLog, RequestRef } from '../events/log.ts';
import { idKind } from '../ids.ts';
import { fetchPage, type Page, type PageResult } from '../paging.ts';
import {
  type AccountHolder,
  type BankDetails,
  type FcAccount,
  type FcAuthorization,
  holderColumns,
  holderFromColumns,
  type Permission,
  type StatusDetails,
} from './types.ts';

export const accountIds = idKind('fca');
export const authorizationIds = idKind('fcauthz');

/**
 * The columns `accountFromRow` reads: the hot reads select only these, not the sealed account
 * numbers (opened only where a payment needs them) nor the bookkeeping of expiry notices.
 */
export const accountColumns = [
  'id',
  'created',
  'authorization_id',
  'institution_id',
  'bank_account_key',
  'bank_account_id',
  'holder_type',
  'holder_id',
  'status',
  'status_details',
  'permissions',
  'subscriptions',
  'balance',
  'balance_refresh',
  'ownership_refresh',
  'transaction_refresh',
  'ownership_id',
  'account_numbers',
  'institution_name',
  'display_name',
  'last4',
  'category',
  'subcategory',
  'supported_payment_method_types',
] as const satisfies readonly (keyof FcAccountsTable)[];

export type AccountRow = Pick<Selectable<FcAccountsTable>, (typeof accountColumns)[number]>;

const qualifiedAccountColumns = accountColumns.map((c) => `fc_accounts.${c}` as const);

export function accountFromRow(row: AccountRow): FcAccount {
  return {
    id: row.id,
    created: row.created,
    authorizationId: row.authorization_id,
    institutionId: row.institution_id,
    bankAccountKey: row.bank_account_key,
    bankAccountId: row.bank_account_id,
    holder: holderFromColumns(row.holder_type, row.holder_id),
    status: row.status,
    statusDetails: JSON.parse(row.status_details) as StatusDetails,
    permissions: JSON.parse(row.permissions) as Permission[],
    subscriptions: JSON.parse(row.subscriptions) as string[],
    balance: parseJson(row.balance),
    balanceRefresh: parseJson(row.balance_refresh),
    ownershipRefresh: parseJson(row.ownership_refresh),
    transactionRefresh: parseJson(row.transaction_refresh),
    ownershipId: row.ownership_id,
    accountNumbers: parseJson(row.account_numbers),
    institutionName: row.institution_name,
    displayName: row.display_name,
    last4: row.last4,
    category: row.category,
    subcategory: row.subcategory,
    supportedPaymentMethodTypes: JSON.parse(
      row.supported_payment_method_types,
    ) as BankDetails['supportedPaymentMethodTypes'],
  };
}

/** The columns that keep what the bank reported about an account at an institution. */
export function bankDetailColumns(
  institutionName: string,
  account: Pick<BankAccount, 'name' | 'last4' | 'category' | 'subcategory' | 'supportedPaymentMethodTypes'>,
) {
  return {
    institution_name: institutionName,
    display_name: account.name,
    last4: account.last4,
    category: account.category,
    subcategory: account.subcategory,
    supported_payment_method_types: JSON.stringify(account.supportedPaymentMethodTypes),
  };
}

function parseJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

export function authorizationFromRow(row: Selectable<FcAuthorizationsTable>): FcAuthorization {
  return {
    id: row.id,
    created: row.created,
    institutionId: row.institution_id,
    institutionName: row.institution_name,
    bankUserId: row.bank_user_id,
    holder: holderFromColumns(row.holder_type, row.holder_id),
    status: row.status,
    statusDetails: JSON.parse(row.status_details) as StatusDetails,
  };
}

export interface AccountFilter {
  holder?: AccountHolder | undefined;
  session?: string | undefined;
  status?: FcAccount['status'] | undefined;
  /** The institution the account was linked at (its `fcinst_` id). */
  institution?: string | undefined;
}

export interface AuthorizationFilter {
  status?: FcAuthorization['status'] | undefined;
  /** The institution the holder logged in at (its `fcinst_` id). */
  institution?: string | undefined;
}

/** Linked accounts: reading, listing and disconnecting. */
export class AccountService {
  /**
   * The read by id, built and compiled once: building and compiling it on every retrieve cost
   * about half as much as the read itself. Its parameters are `[id, merchantId]`, in the order
   * of the wheres.
   */
  private readonly findQuery: CompiledQuery<AccountRow>;
  private readonly queries: QueryTemplates;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly events: EventLog,
  ) {
    this.queries = new QueryTemplates(db);
    this.findQuery = db
      .selectFrom('fc_accounts')
      .select(accountColumns)
      .where('id', '=', '')
      .where('merchant_id', '=', '')
      .compile();
  }

  async find(merchantId: string, id: string): Promise<FcAccount | undefined> {
    const { rows } = await this.db.executeQuery<AccountRow>({
      ...this.findQuery,
      parameters: [id, merchantId],
    });
    const row = rows[0];
    return row && accountFromRow(row);
  }

  async get(merchantId: string, id: string, param = 'account'): Promise<FcAccount> {
    const account = await this.find(merchantId, id);
    if (!account) throw resourceMissing('financial_connections.account', id, param);
    return account;
  }

  async list(merchantId: string, filter: AccountFilter, page: Page): Promise<PageResult<FcAccount>> {
    const holder = filter.holder && holderColumns(filter.holder);
    const { session, status, institution } = filter;
    const result = await fetchPage(page, (w) => {
      const cursor = w.cursor === undefined ? '' : w.direction;
      const filters = [
        holder ? 'holder' : '',
        session === undefined ? '' : 'session',
        status === undefined ? '' : 'status',
        institution === undefined ? '' : 'institution',
      ];
      const shape = `${filters.join('/')}/${cursor}/${w.order}`;
      const values = [
        merchantId,
        holder?.holder_type,
        holder?.holder_id,
        session,
        w.cursor,
        w.limit,
        status,
        institution,
      ];
      return this.queries.rows(shape, values, (slot) => {
        let q = this.db
          .selectFrom('fc_accounts')
          .select(qualifiedAccountColumns)
          .where('fc_accounts.merchant_id', '=', slot<string>(0));
        if (holder) {
          q = q
            .where('fc_accounts.holder_type', '=', slot<AccountHolder['type']>(1))
            .where('fc_accounts.holder_id', '=', slot<string>(2));
        }
        if (session !== undefined) {
          q = q
            .innerJoin('fc_session_accounts', 'fc_session_accounts.account_id', 'fc_accounts.id')
            .where('fc_session_accounts.session_id', '=', slot<string>(3));
        }
        if (status !== undefined) q = q.where('fc_accounts.status', '=', slot<FcAccount['status']>(6));
        if (institution !== undefined) q = q.where('fc_accounts.institution_id', '=', slot<string>(7));
        if (w.cursor !== undefined) q = q.where('fc_accounts.id', w.direction, slot<string>(4));
        return q.orderBy('fc_accounts.id', w.order).limit(slot<number>(5));
      });
    });
    return { data: result.data.map(accountFromRow), hasMore: result.hasMore };
  }

  /** Accounts in the given order (as a session lists them). */
  async getMany(merchantId: string, ids: readonly string[]): Promise<FcAccount[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('fc_accounts')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('id', 'in', ids)
      .execute();
    const byId = new Map(rows.map((r) => [r.id, accountFromRow(r)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /** The accounts an authorization gives access to. */
  async ofAuthorization(merchantId: string, authorizationId: string): Promise<FcAccount[]> {
    const rows = await this.db
      .selectFrom('fc_accounts')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('authorization_id', '=', authorizationId)
      .orderBy('id', 'asc')
      .execute();
    return rows.map(accountFromRow);
  }

  /** Ends access to the account for good; data read before stays readable. */
  async disconnect(merchantId: string, id: string, request?: RequestRef): Promise<FcAccount> {
    const account = await this.get(merchantId, id);
    if (account.status === 'disconnected') return account;
    await this.db.transaction().execute(async (trx) => {
      const moved = await trx
        .updateTable('fc_accounts')
        .set({ status: 'disconnected', status_details: '{}', subscriptions: '[]' })
        .where('id', '=', id)
        .where('merchant_id', '=', merchantId)
        .where('status', '=', account.status)
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) === 1)
        await this.events.recordAccounts(trx, 'financial_connections.account.disconnected', [id], request);
    });
    return this.get(merchantId, id);
  }
}

/** Authorizations: one per login at an institution. */
export class AuthorizationService {
  constructor(private readonly db: Kysely<Database>) {}

  async find(merchantId: string, id: string): Promise<FcAuthorization | undefined> {
    const row = await this.db
      .selectFrom('fc_authorizations')
      .selectAll()
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    return row && authorizationFromRow(row);
  }

  async get(merchantId: string, id: string, param = 'authorization'): Promise<FcAuthorization> {
    const authorization = await this.find(merchantId, id);
    if (!authorization) throw resourceMissing('financial_connections.authorization', id, param);
    return authorization;
  }

  /** The merchant's authorizations, newest first. */
  async list(
    merchantId: string,
    filter: AuthorizationFilter,
    page: Page,
  ): Promise<PageResult<FcAuthorization>> {
    const result = await fetchPage(page, (w) => {
      let q = this.db.selectFrom('fc_authorizations').selectAll().where('merchant_id', '=', merchantId);
      if (filter.status !== undefined) q = q.where('status', '=', filter.status);
      if (filter.institution !== undefined) q = q.where('institution_id', '=', filter.institution);
      if (w.cursor !== undefined) q = q.where('id', w.direction, w.cursor);
      return q.orderBy('id', w.order).limit(w.limit).execute();
    });
    return { data: result.data.map(authorizationFromRow), hasMore: result.hasMore };
  }
}
