import type { Kysely, Selectable } from 'kysely';
import { QueryTemplates } from '../../store/query-templates.ts';
import type { Database, FcSessionsTable } from '../../store/schema.ts';
import type { CustomerService } from '../customers/service.ts';
import { invalidRequest, resourceMissing } from '../errors.ts';
import { madeObject } from '../idempotency/scope.ts';
import { idKind, newId, newSecret } from '../ids.ts';
import type { ConnectedAccountService } from '../merchants/connected-accounts.ts';
import type { Merchant } from '../merchants/service.ts';
import { fetchPage, type Page, type PageResult } from '../paging.ts';
import { type AccountService, type AuthorizationService, accountFromRow } from './accounts.ts';
import type { DeliveryMethod } from './hosted-eligibility.ts';
import type { HostedSessions } from './hosted-sessions.ts';
import type { InstitutionService } from './institutions.ts';
import {
  type AccountHolder,
  type FcAuthorization,
  type FcSession,
  holderColumns,
  holderFromColumns,
  type Permission,
  type RelinkResult,
  type SessionFilters,
  type SessionStatus,
  sameHolder,
} from './types.ts';

export const sessionIds = idKind('fcsess');

/** The sessions list's filters (Stripe has no such list; the dashboard has). */
export interface SessionListFilter {
  status?: SessionStatus | undefined;
  /** Relink sessions only (`true`), or sessions that link new accounts only (`false`). */
  relink?: boolean | undefined;
}

export interface CreateSessionInput {
  holder: AccountHolder | null;
  permissions: Permission[];
  filters?: Partial<SessionFilters> | undefined;
  limitsAccounts?: number | null | undefined;
  prefetch?: string[] | undefined;
  returnUrl?: string | undefined;
  manualEntryMode?: string | undefined;
  relink?: { authorization: string; account?: string | undefined } | undefined;
  /** A hosted session: how its link reaches the holder, and where the hosted page is served. */
  hosted?: { deliveryMethod: DeliveryMethod | null; base: string } | undefined;
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

/** Financial Connections sessions: creation with Stripe's validation, and reading them back. */
export class SessionService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly customers: CustomerService,
    private readonly connectedAccounts: ConnectedAccountService,
    private readonly accounts: AccountService,
    private readonly authorizations: AuthorizationService,
    private readonly institutions: InstitutionService,
    private readonly hosted: HostedSessions,
  ) {
    this.queries = new QueryTemplates(db);
  }

  /** The session's insert, built and compiled once: every create makes one. */
  private readonly queries: QueryTemplates;

  private async checkHolder(merchant: Merchant, holder: AccountHolder | null): Promise<void> {
    if (!holder) return;
    if (holder.type === 'customer') {
      await this.customers.getLive(merchant.id, holder.customer, 'account_holder[customer]');
    } else if ((await this.connectedAccounts.actingAs(merchant, holder.account)) === undefined) {
      // The merchant's own account, or a connected account of the platform that is not deleted.
      throw resourceMissing('account', holder.account, 'account_holder[account]');
    }
  }

  private async checkRelink(
    merchant: Merchant,
    holder: AccountHolder | null,
    relink: NonNullable<CreateSessionInput['relink']>,
  ): Promise<FcAuthorization> {
    const authorization = await this.authorizations.get(
      merchant.id,
      relink.authorization,
      'relink_options[authorization]',
    );
    if (!sameHolder(holder, authorization.holder)) {
      throw invalidRequest(
        `The authorization '${authorization.id}' does not belong to the account holder of this session.`,
        'relink_options[authorization]',
      );
    }
    if (authorization.status === 'disconnected') {
      throw invalidRequest(
        `The authorization '${authorization.id}' has been disconnected and cannot be relinked. Start a new session to link accounts again.`,
        'relink_options[authorization]',
      );
    }
    if (relink.account !== undefined) {
      const account = await this.accounts.get(merchant.id, relink.account, 'relink_options[account]');
      if (account.authorizationId !== authorization.id) {
        throw invalidRequest(
          `The account '${account.id}' does not belong to the authorization '${authorization.id}'.`,
          'relink_options[account]',
        );
      }
    }
    return authorization;
  }

  async create(merchant: Merchant, input: CreateSessionInput): Promise<FcSession> {
    await this.checkHolder(merchant, input.holder);
    if (input.filters?.institution !== undefined)
      this.institutions.get(input.filters.institution, 'filters[institution]');
    const authorization = input.relink && (await this.checkRelink(merchant, input.holder, input.relink));
    const plan =
      input.hosted &&
      (await this.hosted.prepare(merchant, { holder: input.holder, relink: input.relink, ...input.hosted }));
    const filters: SessionFilters = {
      account_subcategories: input.filters?.account_subcategories ?? null,
      countries: input.filters?.countries ?? ['US'],
      ...(input.filters?.institution !== undefined && { institution: input.filters.institution }),
      ...(input.filters?.require_payment_method_support !== undefined && {
        require_payment_method_support: input.filters.require_payment_method_support,
      }),
    };
    const id = newId(sessionIds);
    madeObject(id);
    const session: FcSession = {
      id,
      created: now(),
      clientSecret: `${id}_secret_${newSecret('', 24)}`,
      holder: input.holder,
      status: 'pending',
      permissions: input.permissions,
      prefetch: input.prefetch ?? null,
      filters,
      limitsAccounts: input.limitsAccounts ?? null,
      manualEntryMode: input.manualEntryMode ?? null,
      returnUrl: input.returnUrl ?? null,
      relink: input.relink
        ? { authorization: input.relink.authorization, account: input.relink.account ?? null }
        : null,
      relinkResult: input.relink ? { account: null, authorization: null, failure_reason: null } : null,
      cancelledReason: null,
      uiMode: input.hosted ? 'hosted' : 'modal',
      hostedDeliveryMethod: input.hosted?.deliveryMethod ?? null,
      url: null,
      accounts: [],
    };
    // A session is one statement, alone a transaction; a hosted one's link is written with it.
    const issued = plan
      ? await this.db.transaction().execute(async (trx) => {
          await this.insert(trx, merchant, session);
          return this.hosted.issue(trx, merchant.id, id, plan);
        })
      : await this.insert(this.db, merchant, session);
    if (issued) {
      session.url = issued.url;
      this.hosted.deliver(merchant, issued, authorization?.institutionName ?? null);
    }
    return session;
  }

  private async insert(db: Kysely<Database>, merchant: Merchant, session: FcSession): Promise<void> {
    const { id, filters } = session;
    const holder = holderColumns(session.holder);
    const values = [
      id,
      merchant.id,
      session.created,
      session.clientSecret,
      holder.holder_type,
      holder.holder_id,
      JSON.stringify(session.permissions),
      session.prefetch && JSON.stringify(session.prefetch),
      JSON.stringify(filters),
      session.limitsAccounts,
      session.manualEntryMode,
      session.returnUrl,
      session.relink?.authorization ?? null,
      session.relink?.account ?? null,
      session.relinkResult && JSON.stringify(session.relinkResult),
      session.uiMode,
      session.hostedDeliveryMethod,
    ];
    await this.queries.run(db, 'insert', values, (slot) =>
      this.db.insertInto('fc_sessions').values({
        id: slot(0),
        merchant_id: slot(1),
        created: slot(2),
        client_secret: slot(3),
        holder_type: slot(4),
        holder_id: slot(5),
        status: 'pending',
        permissions: slot(6),
        prefetch: slot(7),
        filters: slot(8),
        limits_accounts: slot(9),
        manual_entry_mode: slot(10),
        return_url: slot(11),
        relink_authorization_id: slot(12),
        relink_account_id: slot(13),
        relink_result: slot(14),
        cancelled_reason: null,
        ui_mode: slot(15),
        hosted_delivery_method: slot(16),
      }),
    );
  }

  private async load(
    db: Kysely<Database>,
    merchantId: string,
    row: Selectable<FcSessionsTable>,
  ): Promise<FcSession> {
    const accountRows = await db
      .selectFrom('fc_session_accounts')
      .innerJoin('fc_accounts', 'fc_accounts.id', 'fc_session_accounts.account_id')
      .selectAll('fc_accounts')
      .where('fc_session_accounts.session_id', '=', row.id)
      .where('fc_accounts.merchant_id', '=', merchantId)
      .orderBy('fc_session_accounts.position', 'asc')
      .execute();
    return {
      id: row.id,
      created: row.created,
      clientSecret: row.client_secret,
      holder: holderFromColumns(row.holder_type, row.holder_id),
      status: row.status,
      permissions: JSON.parse(row.permissions) as Permission[],
      prefetch: row.prefetch === null ? null : (JSON.parse(row.prefetch) as string[]),
      filters: JSON.parse(row.filters) as SessionFilters,
      limitsAccounts: row.limits_accounts,
      manualEntryMode: row.manual_entry_mode,
      returnUrl: row.return_url,
      relink: row.relink_authorization_id
        ? { authorization: row.relink_authorization_id, account: row.relink_account_id }
        : null,
      relinkResult: row.relink_result === null ? null : (JSON.parse(row.relink_result) as RelinkResult),
      cancelledReason: row.cancelled_reason,
      uiMode: row.ui_mode,
      hostedDeliveryMethod: row.hosted_delivery_method,
      // The link is shown while the holder can still use the session, as on Stripe.
      url: row.ui_mode === 'hosted' && row.status === 'pending' ? await this.hosted.url(row.id, db) : null,
      accounts: accountRows.map(accountFromRow),
    };
  }

  /** The session as `db` sees it (inside a transaction, the transaction's view). */
  async find(merchantId: string, id: string, db: Kysely<Database> = this.db): Promise<FcSession | undefined> {
    const row = await db
      .selectFrom('fc_sessions')
      .selectAll()
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    return row && this.load(db, merchantId, row);
  }

  /** The ids of the sessions that linked or relinked an account, oldest first. */
  async idsOfAccount(merchantId: string, accountId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('fc_session_accounts')
      .innerJoin('fc_sessions', 'fc_sessions.id', 'fc_session_accounts.session_id')
      .select('fc_sessions.id')
      .where('fc_session_accounts.account_id', '=', accountId)
      .where('fc_sessions.merchant_id', '=', merchantId)
      .orderBy('fc_sessions.created', 'asc')
      .orderBy('fc_sessions.id', 'asc')
      .execute();
    return rows.map((row) => row.id);
  }

  /**
   * The ids of the sessions that linked or relinked an authorization's accounts, or were made to
   * relink it, oldest first.
   */
  async idsOfAuthorization(merchantId: string, authorizationId: string): Promise<string[]> {
    const linked = this.db
      .selectFrom('fc_session_accounts')
      .innerJoin('fc_accounts', 'fc_accounts.id', 'fc_session_accounts.account_id')
      .select('fc_session_accounts.session_id')
      .where('fc_accounts.authorization_id', '=', authorizationId)
      .where('fc_accounts.merchant_id', '=', merchantId);
    const rows = await this.db
      .selectFrom('fc_sessions')
      .select('id')
      .where('merchant_id', '=', merchantId)
      .where((eb) => eb.or([eb('relink_authorization_id', '=', authorizationId), eb('id', 'in', linked)]))
      .orderBy('created', 'asc')
      .orderBy('id', 'asc')
      .execute();
    return rows.map((row) => row.id);
  }

  /** The merchant's sessions, newest first. */
  async list(merchantId: string, filter: SessionListFilter, page: Page): Promise<PageResult<FcSession>> {
    const result = await fetchPage(page, (w) => {
      let q = this.db.selectFrom('fc_sessions').selectAll().where('merchant_id', '=', merchantId);
      if (filter.status !== undefined) q = q.where('status', '=', filter.status);
      // Stated as literals: SQLite uses the partial index on relink sessions only then.
      if (filter.relink === true) q = q.where('relink_authorization_id', 'is not', null);
      if (filter.relink === false) q = q.where('relink_authorization_id', 'is', null);
      if (w.cursor !== undefined) q = q.where('id', w.direction, w.cursor);
      return q.orderBy('id', w.order).limit(w.limit).execute();
    });
    const data = [];
    for (const row of result.data) data.push(await this.load(this.db, merchantId, row));
    return { data, hasMore: result.hasMore };
  }

  async get(merchantId: string, id: string, param = 'session'): Promise<FcSession> {
    const session = await this.find(merchantId, id);
    if (!session) throw resourceMissing('financial_connections.session', id, param);
    return session;
  }
}
