import type { Kysely, Selectable } from 'kysely';
import type { Database, ExternalAccountsTable } from '../../store/schema.ts';
import { ApiError, invalidRequest, resourceMissing } from '../errors.ts';
import type { EventLog, RequestRef } from '../events/log.ts';
import type { ConnectedAccountService } from '../merchants/connected-accounts.ts';
import type { Merchant } from '../merchants/service.ts';
import { mergeMetadata, previousMetadata } from '../metadata.ts';
import { fetchPage, type Page, type PageResult } from '../paging.ts';
import type { AccountHolderType, BankAccountType } from '../payments/bank-account.ts';
import type { BankAccountTokens } from './bank-account-tokens.ts';
import type { ExternalAccountStatus } from './bank-state.ts';
import type { LinkedBankStates } from './linked-bank-states.ts';

/** Every account openfc pays out to is a US bank account in dollars. */
export const payoutCurrency = 'usd';

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

type Row = Selectable<ExternalAccountsTable>;

export function externalAccountFromRow(row: Row): ExternalAccount {
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

export interface ExternalAccountChanges {
  defaultForCurrency?: boolean | undefined;
  accountHolderName?: string | undefined;
  /** null clears it. */
  accountHolderType?: AccountHolderType | null | undefined;
  metadata?: Record<string, string | null> | undefined;
}

/** Whether a bank account can be paid out to now; if not, the failure code a payout to it gets. */
export type PayoutDestination =
  | { ok: true; externalAccount: ExternalAccount }
  | {
      ok: false;
      failureCode: 'no_account' | 'account_closed' | 'invalid_account_number' | 'could_not_process';
      message: string;
    };

/** The fields of `before` that differ in `after`, with their old values, as Stripe names them. */
function changedFields(before: ExternalAccount, after: ExternalAccount): Record<string, unknown> {
  const wire: Array<[keyof ExternalAccount, string]> = [
    ['accountHolderName', 'account_holder_name'],
    ['accountHolderType', 'account_holder_type'],
    ['accountType', 'account_type'],
    ['bankName', 'bank_name'],
    ['last4', 'last4'],
    ['routingNumber', 'routing_number'],
    ['defaultForCurrency', 'default_for_currency'],
    ['status', 'status'],
  ];
  const out: Record<string, unknown> = {};
  for (const [field, name] of wire) if (before[field] !== after[field]) out[name] = before[field];
  const metadata = previousMetadata(before.metadata, after.metadata);
  if (metadata) out.metadata = metadata;
  return out;
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

/**
 * Connected accounts' bank accounts for payouts, made from bank account tokens. Each change is
 * the connected account's event (`account.external_account.*`), which its platform hears
 * through a Connect endpoint.
 */
export class ExternalAccountService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly connectedAccounts: ConnectedAccountService,
    private readonly tokens: BankAccountTokens,
    private readonly states: LinkedBankStates,
    private readonly events: EventLog,
  ) {}

  /** A connected account the viewer manages: one of its platform's, not deleted. */
  private async managed(viewer: Merchant, accountId: string): Promise<string> {
    const account = await this.connectedAccounts.find(viewer, accountId);
    if (!account || account.deleted || account.platformId !== viewer.id)
      throw resourceMissing('account', accountId, 'account');
    return account.id;
  }

  async attach(
    viewer: Merchant,
    accountId: string,
    tokenId: string,
    options: {
      defaultForCurrency?: boolean | undefined;
      metadata?: Record<string, string | null> | undefined;
    },
    request?: RequestRef,
  ): Promise<ExternalAccount> {
    const account = await this.managed(viewer, accountId);
    return this.db.transaction().execute(async (trx) => {
      const token = await this.tokens.use(trx, viewer.id, account, tokenId);
      const same = await trx
        .selectFrom('external_accounts')
        .select('id')
        .where('account_id', '=', account)
        .where('fingerprint', '=', token.fingerprint)
        .executeTakeFirst();
      if (same) {
        throw new ApiError({
          status: 400,
          type: 'invalid_request_error',
          code: 'bank_account_exists',
          message: `A bank account with that routing number and account number already exists for this account: ${same.id}.`,
          param: 'external_account',
        });
      }
      const now = await this.states.stateOf(trx, account, token.fcAccountId);
      const others = await this.inCurrency(trx, account, payoutCurrency);
      const external: ExternalAccount = {
        id: token.bankAccountId,
        accountId: account,
        fcAccountId: token.fcAccountId,
        created: Math.floor(Date.now() / 1000),
        accountHolderName: null,
        accountHolderType: token.accountHolderType,
        accountType: token.accountType,
        bankName: now?.bankName ?? token.bankName,
        last4: now?.last4 ?? token.last4,
        routingNumber: now?.routingNumber ?? token.routingNumber,
        fingerprint: token.fingerprint,
        currency: payoutCurrency,
        defaultForCurrency: others.length === 0 || options.defaultForCurrency === true,
        status: now?.status ?? 'errored',
        metadata: mergeMetadata({}, options.metadata),
      };
      if (external.defaultForCurrency) await this.dropDefault(trx, others, request);
      await trx.insertInto('external_accounts').values(toRow(external)).execute();
      await this.events.record(
        trx,
        account,
        { type: 'account.external_account.created', object: { kind: 'bank_account', record: external } },
        request,
      );
      return external;
    });
  }

  /** The other bank accounts in a currency lose their default, each with its event. */
  private async dropDefault(trx: Kysely<Database>, others: ExternalAccount[], request?: RequestRef) {
    for (const other of others.filter((o) => o.defaultForCurrency)) {
      await this.save(trx, other, { ...other, defaultForCurrency: false }, request);
    }
  }

  private async inCurrency(trx: Kysely<Database>, accountId: string, currency: string) {
    const rows = await trx
      .selectFrom('external_accounts')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('currency', '=', currency)
      .orderBy('id')
      .execute();
    return rows.map(externalAccountFromRow);
  }

  /** Writes a change and its `account.external_account.updated` event, if anything changed. */
  private async save(
    trx: Kysely<Database>,
    before: ExternalAccount,
    after: ExternalAccount,
    request?: RequestRef | null,
  ): Promise<void> {
    const previous = changedFields(before, after);
    if (Object.keys(previous).length === 0) return;
    const { id, account_id, ...columns } = toRow(after);
    await trx
      .updateTable('external_accounts')
      .set(columns)
      .where('id', '=', id)
      .where('account_id', '=', account_id)
      .execute();
    await this.events.record(
      trx,
      after.accountId,
      {
        type: 'account.external_account.updated',
        object: { kind: 'bank_account', record: after },
        previous,
      },
      request,
    );
  }

  /** A bank account of a connected account the viewer manages, or of the viewer itself. */
  async find(
    viewer: Merchant,
    id: string,
    db: Kysely<Database> = this.db,
  ): Promise<ExternalAccount | undefined> {
    const row = await db
      .selectFrom('external_accounts')
      .innerJoin('merchant_accounts', 'merchant_accounts.id', 'external_accounts.account_id')
      .selectAll('external_accounts')
      .where('external_accounts.id', '=', id)
      .where((eb) =>
        eb.or([
          eb('merchant_accounts.id', '=', viewer.id),
          eb('merchant_accounts.platform_id', '=', viewer.id),
        ]),
      )
      .executeTakeFirst();
    return row && externalAccountFromRow(row);
  }

  async get(viewer: Merchant, accountId: string, id: string): Promise<ExternalAccount> {
    return this.of(await this.managed(viewer, accountId), id, this.db);
  }

  /** A bank account of a managed account, as `db` (a transaction) sees it. */
  private async of(accountId: string, id: string, db: Kysely<Database>): Promise<ExternalAccount> {
    const row = await db
      .selectFrom('external_accounts')
      .selectAll()
      .where('id', '=', id)
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    if (!row) throw resourceMissing('external account', id, 'id');
    return externalAccountFromRow(row);
  }

  async update(
    viewer: Merchant,
    accountId: string,
    id: string,
    changes: ExternalAccountChanges,
    request?: RequestRef,
  ): Promise<ExternalAccount> {
    const account = await this.managed(viewer, accountId);
    return this.db.transaction().execute(async (trx) => {
      const current = await this.of(account, id, trx);
      if (changes.defaultForCurrency === false && current.defaultForCurrency) {
        throw invalidRequest(
          'You cannot unset the default external account for a currency. Make another external account the default for this currency instead.',
          'default_for_currency',
        );
      }
      const next: ExternalAccount = {
        ...current,
        accountHolderName: changes.accountHolderName ?? current.accountHolderName,
        accountHolderType:
          changes.accountHolderType === undefined ? current.accountHolderType : changes.accountHolderType,
        defaultForCurrency: current.defaultForCurrency || changes.defaultForCurrency === true,
        metadata: mergeMetadata(current.metadata, changes.metadata),
      };
      if (next.defaultForCurrency && !current.defaultForCurrency) {
        const others = await this.inCurrency(trx, current.accountId, current.currency);
        await this.dropDefault(
          trx,
          others.filter((o) => o.id !== id),
          request,
        );
      }
      await this.save(trx, current, next, request);
      return next;
    });
  }

  /** Deletes a bank account; the default for its currency goes only when it is the last one. */
  async delete(
    viewer: Merchant,
    accountId: string,
    id: string,
    request?: RequestRef,
  ): Promise<ExternalAccount> {
    const account = await this.managed(viewer, accountId);
    return this.db.transaction().execute(async (trx) => {
      const current = await this.of(account, id, trx);
      const others = (await this.inCurrency(trx, current.accountId, current.currency)).filter(
        (o) => o.id !== id,
      );
      if (current.defaultForCurrency && others.length > 0) {
        throw invalidRequest(
          'You cannot delete the default external account for your default currency. Please make another one the default and try again.',
        );
      }
      await trx
        .deleteFrom('external_accounts')
        .where('id', '=', id)
        .where('account_id', '=', accountId)
        .execute();
      await this.events.record(
        trx,
        current.accountId,
        { type: 'account.external_account.deleted', object: { kind: 'bank_account', record: current } },
        request,
      );
      return current;
    });
  }

  async list(
    viewer: Merchant,
    accountId: string,
    filter: { object?: 'bank_account' | 'card' | undefined },
    page: Page,
  ): Promise<PageResult<ExternalAccount>> {
    const account = await this.managed(viewer, accountId);
    // openfc keeps bank accounts only: there are no cards to list.
    if (filter.object === 'card') return { data: [], hasMore: false };
    return this.listOf(account, page);
  }

  /** A connected account's bank accounts, newest first (what its account object embeds). */
  async listOf(accountId: string, page: Page): Promise<PageResult<ExternalAccount>> {
    const result = await fetchPage(page, (w) => {
      let q = this.db.selectFrom('external_accounts').selectAll().where('account_id', '=', accountId);
      if (w.cursor !== undefined) q = q.where('id', w.direction, w.cursor);
      return q.orderBy('id', w.order).limit(w.limit).execute();
    });
    return { data: result.data.map(externalAccountFromRow), hasMore: result.hasMore };
  }

  /** What an account object embeds: its first bank accounts, and how many it has. */
  async embedded(accountId: string): Promise<{ data: ExternalAccount[]; hasMore: boolean; total: number }> {
    const page = await this.listOf(accountId, { limit: 10 });
    const counted = await this.db
      .selectFrom('external_accounts')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('account_id', '=', accountId)
      .executeTakeFirstOrThrow();
    return { ...page, total: Number(counted.n) };
  }

  /**
   * Whether a payout to bank account `id` of `accountId` would reach it now, judged from the
   * linked account under it; if not, the failure code Stripe gives such a payout.
   */
  async payoutDestination(accountId: string, id: string): Promise<PayoutDestination> {
    const row = await this.db
      .selectFrom('external_accounts')
      .selectAll()
      .where('id', '=', id)
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    if (!row) {
      return { ok: false, failureCode: 'no_account', message: `The bank account '${id}' does not exist.` };
    }
    const external = externalAccountFromRow(row);
    const closed = await this.states.closed(this.db, external.fcAccountId);
    if (closed) {
      return { ok: false, failureCode: 'account_closed', message: 'The bank account has been closed.' };
    }
    if (external.status === 'tokenized_account_number_deactivated') {
      return {
        ok: false,
        failureCode: 'invalid_account_number',
        message: 'The tokenized account number of the bank account was deactivated.',
      };
    }
    if (external.status === 'errored') {
      return {
        ok: false,
        failureCode: 'could_not_process',
        message: 'The bank could not process this payout.',
      };
    }
    return { ok: true, externalAccount: external };
  }
}

declare module '../events/log.ts' {
  interface EventObjectTypes {
    bank_account: ExternalAccount;
  }
}
