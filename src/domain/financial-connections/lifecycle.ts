import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.ts';
import type { InactiveDetails, StatusDetails } from './types.ts';

/**
 * How bank-side facts change a connection: which scope they break, and the cause and action the
 * merchant sees in `status_details.inactive`.
 */
export const bankFacts = {
  consent_expired: { scope: 'authorization', cause: 'access_expired', action: 'relink_required' },
  access_revoked: { scope: 'authorization', cause: 'access_denied', action: 'relink_required' },
  reauthentication_required: {
    scope: 'authorization',
    cause: 'institution_requirement',
    action: 'relink_required',
  },
  account_closed: { scope: 'account', cause: 'account_closed', action: 'none' },
  account_unavailable: { scope: 'account', cause: 'account_unavailable', action: 'none' },
} as const satisfies Record<string, { scope: 'authorization' | 'account' } & InactiveDetails>;

export type BankFact = keyof typeof bankFacts;
export type AuthorizationFact = {
  [F in BankFact]: (typeof bankFacts)[F]['scope'] extends 'authorization' ? F : never;
}[BankFact];
export type AccountFact = Exclude<BankFact, AuthorizationFact>;

/** An authorization or account whose expected deactivation date was set, moved or cleared. */
export interface NoticeChange {
  kind: 'authorization' | 'account';
  id: string;
  before: number | null;
  after: number | null;
  /** The `status_details` it had before, as stored. */
  previousDetails: string;
}

function expectedDeactivation(statusDetails: string): number | null {
  return (JSON.parse(statusDetails) as StatusDetails).active?.expected_deactivation_date ?? null;
}

/** What a transition changed, so that callers can write one event per change. */
export interface Transition {
  authorization: string | null;
  deactivated: string[];
  reactivated: string[];
}

function inactive(fact: BankFact): string {
  const { cause, action } = bankFacts[fact];
  return JSON.stringify({ inactive: { cause, action } } satisfies StatusDetails);
}

function repairableByRelink(statusDetails: string): boolean {
  return (JSON.parse(statusDetails) as StatusDetails).inactive?.action === 'relink_required';
}

/**
 * The state machine of authorizations and accounts. Every change is a guarded update: the WHERE
 * clause names the state it moves from, so a concurrent change cannot be overwritten.
 */
export class Lifecycle {
  /** The authorization and every active account on it stop working. */
  async breakAuthorization(
    db: Kysely<Database>,
    authorizationId: string,
    fact: AuthorizationFact,
  ): Promise<Transition> {
    const moved = await db
      .updateTable('fc_authorizations')
      .set({ status: 'inactive', status_details: inactive(fact) })
      .where('id', '=', authorizationId)
      .where('status', '!=', 'disconnected')
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) === 0) return { authorization: null, deactivated: [], reactivated: [] };
    const accounts = await db
      .selectFrom('fc_accounts')
      .select('id')
      .where('authorization_id', '=', authorizationId)
      .where('status', '=', 'active')
      .orderBy('id')
      .execute();
    const deactivated: string[] = [];
    for (const { id } of accounts) {
      if (await this.move(db, id, 'active', 'inactive', inactive(fact))) deactivated.push(id);
    }
    return { authorization: authorizationId, deactivated, reactivated: [] };
  }

  /** One account stops working; its authorization is untouched. */
  async breakAccount(db: Kysely<Database>, accountId: string, fact: AccountFact): Promise<Transition> {
    const moved = await this.move(db, accountId, 'active', 'inactive', inactive(fact));
    return { authorization: null, deactivated: moved ? [accountId] : [], reactivated: [] };
  }

  /** An account the bank offers again works again, if its authorization does. */
  async reopenAccount(db: Kysely<Database>, accountId: string): Promise<Transition> {
    const row = await db
      .selectFrom('fc_accounts')
      .innerJoin('fc_authorizations', 'fc_authorizations.id', 'fc_accounts.authorization_id')
      .select([
        'fc_accounts.status',
        'fc_accounts.status_details',
        'fc_authorizations.status as authorization_status',
      ])
      .where('fc_accounts.id', '=', accountId)
      .executeTakeFirst();
    const reopenable =
      row?.status === 'inactive' &&
      row.authorization_status === 'active' &&
      !repairableByRelink(row.status_details);
    if (!reopenable) return { authorization: null, deactivated: [], reactivated: [] };
    const moved = await this.move(db, accountId, 'inactive', 'active', '{}');
    return { authorization: null, deactivated: [], reactivated: moved ? [accountId] : [] };
  }

  /**
   * Access still works but the consent ends soon: the authorization and its active accounts show
   * `status_details.active` until then (or a relink clears it). With `endsAt` null, the notice goes.
   * Returns each object whose expected deactivation date changed, with the date before and after.
   */
  async noticeDeactivation(
    db: Kysely<Database>,
    authorizationId: string,
    endsAt: number | null,
  ): Promise<NoticeChange[]> {
    const details = JSON.stringify(
      (endsAt === null
        ? {}
        : {
            active: {
              cause: 'access_expired',
              action: 'relink_required',
              expected_deactivation_date: endsAt,
            },
          }) satisfies StatusDetails,
    );
    const changes: NoticeChange[] = [];
    const authorization = await db
      .selectFrom('fc_authorizations')
      .select(['id', 'status_details'])
      .where('id', '=', authorizationId)
      .where('status', '=', 'active')
      .executeTakeFirst();
    const accounts = await db
      .selectFrom('fc_accounts')
      .select(['id', 'status_details'])
      .where('authorization_id', '=', authorizationId)
      .where('status', '=', 'active')
      .orderBy('id')
      .execute();
    const targets = [
      ...(authorization ? [{ kind: 'authorization' as const, row: authorization }] : []),
      ...accounts.map((row) => ({ kind: 'account' as const, row })),
    ];
    for (const { kind, row } of targets) {
      if (row.status_details === details) continue;
      const table = kind === 'authorization' ? 'fc_authorizations' : 'fc_accounts';
      const moved = await db
        .updateTable(table)
        .set({ status_details: details })
        .where('id', '=', row.id)
        .where('status', '=', 'active')
        .where('status_details', '=', row.status_details)
        .executeTakeFirst();
      const before = expectedDeactivation(row.status_details);
      if (Number(moved.numUpdatedRows) === 1 && before !== endsAt)
        changes.push({ kind, id: row.id, before, after: endsAt, previousDetails: row.status_details });
    }
    return changes;
  }

  /**
   * A relink re-authenticated the authorization: it works again, and so does every account on it
   * that a relink repairs (closed or unavailable accounts stay as they are). Returns, besides, the
   * expected deactivation dates it cleared.
   */
  async restoreAuthorization(
    db: Kysely<Database>,
    authorizationId: string,
  ): Promise<Transition & { notices: NoticeChange[] }> {
    // The new consent replaces the old one, and with it any notice of the old one's end.
    const notices = await this.noticeDeactivation(db, authorizationId, null);
    await db
      .updateTable('fc_authorizations')
      .set({ status: 'active', status_details: '{}' })
      .where('id', '=', authorizationId)
      .where('status', '!=', 'disconnected')
      .execute();
    const accounts = await db
      .selectFrom('fc_accounts')
      .select(['id', 'status_details'])
      .where('authorization_id', '=', authorizationId)
      .where('status', '=', 'inactive')
      .orderBy('id')
      .execute();
    const reactivated: string[] = [];
    for (const row of accounts) {
      if (!repairableByRelink(row.status_details)) continue;
      if (await this.move(db, row.id, 'inactive', 'active', '{}')) reactivated.push(row.id);
    }
    return { authorization: authorizationId, deactivated: [], reactivated, notices };
  }

  /**
   * The merchant disconnected the authorization's last account: the authorization is disconnected
   * too, for good. False when it already was, or when an account on it is still connected.
   */
  async disconnectAuthorization(db: Kysely<Database>, authorizationId: string): Promise<boolean> {
    const moved = await db
      .updateTable('fc_authorizations')
      .set({ status: 'disconnected', status_details: '{}' })
      .where('id', '=', authorizationId)
      .where('status', '!=', 'disconnected')
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('fc_accounts')
              .select('fc_accounts.id')
              .where('fc_accounts.authorization_id', '=', authorizationId)
              .where('fc_accounts.status', '!=', 'disconnected'),
          ),
        ),
      )
      .executeTakeFirst();
    return Number(moved.numUpdatedRows) === 1;
  }

  /**
   * The holder ended the connection at the bank: the authorization and every account on it are
   * disconnected for good, as after the merchant's disconnect. Returns the accounts it disconnected.
   */
  async disconnectByHolder(db: Kysely<Database>, authorizationId: string): Promise<string[]> {
    const moved = await db
      .updateTable('fc_authorizations')
      .set({ status: 'disconnected', status_details: '{}' })
      .where('id', '=', authorizationId)
      .where('status', '!=', 'disconnected')
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) === 0) return [];
    const accounts = await db
      .selectFrom('fc_accounts')
      .select(['id', 'status'])
      .where('authorization_id', '=', authorizationId)
      .where('status', '!=', 'disconnected')
      .orderBy('id')
      .execute();
    const disconnected: string[] = [];
    for (const account of accounts) {
      const done = await db
        .updateTable('fc_accounts')
        .set({ status: 'disconnected', status_details: '{}', subscriptions: '[]' })
        .where('id', '=', account.id)
        .where('status', '=', account.status)
        .executeTakeFirst();
      if (Number(done.numUpdatedRows) === 1) disconnected.push(account.id);
    }
    return disconnected;
  }

  private async move(
    db: Kysely<Database>,
    accountId: string,
    from: 'active' | 'inactive',
    to: 'active' | 'inactive',
    statusDetails: string,
  ): Promise<boolean> {
    const result = await db
      .updateTable('fc_accounts')
      .set({ status: to, status_details: statusDetails })
      .where('id', '=', accountId)
      .where('status', '=', from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
