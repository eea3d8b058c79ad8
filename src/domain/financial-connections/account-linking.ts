import type { Kysely, Transaction } from 'kysely';
import type { BankAccount, Grant } from '../../bank/connector.ts';
import type { Database } from '../../store/schema.ts';
import { invalidRequest } from '../errors.ts';
import type { EventLog, RequestRef } from '../events/log.ts';
import { newId } from '../ids.ts';
import type { AccountData } from './account-data.ts';
import type { AccountNumberSync } from './account-numbers.ts';
import { accountIds, authorizationIds, bankDetailColumns } from './accounts.ts';
import type { BankSync } from './bank-sync.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { SessionService } from './sessions.ts';
import {
  type AccountHolder,
  type FcAccount,
  type FcAuthorization,
  type FcSession,
  holderColumns,
  type RelinkResult,
  type SessionStatus,
} from './types.ts';

function now(): number {
  return Math.floor(Date.now() / 1000);
}

export type Ended = {
  status: Exclude<SessionStatus, 'pending'>;
  cancelledReason?: string;
  relinkFailure?: RelinkResult['failure_reason'];
};

/** An account the holder picked: its catalogue key, and what to show when the bank left it out. */
export interface PickedAccount {
  key: string;
  details: Pick<BankAccount, 'name' | 'last4' | 'category' | 'subcategory' | 'supportedPaymentMethodTypes'>;
}

type Institution = { id: string; name: string };

/** What a successful login links: the grant, the accounts the bank shared, and the picked ones. */
export interface LinkInput {
  session: FcSession;
  institution: Institution;
  relinkAuth: FcAuthorization | undefined;
  relinkAccount: FcAccount | undefined;
  grant: Grant;
  shared: BankAccount[];
  picked: PickedAccount[];
}

/**
 * Told once a session has linked its accounts and their numbers are stored; `session` is as it
 * was before it linked them.
 */
export interface LinkFollower {
  sessionLinked(merchantId: string, session: FcSession): Promise<void>;
}

/**
 * The end of a session, whichever way the holder got there: the authorization and the linked
 * accounts with their events, or how the session ended without them.
 */
export class AccountLinking {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly sessions: SessionService,
    private readonly lifecycle: Lifecycle,
    private readonly bank: BankSync,
    private readonly accountData: AccountData,
    private readonly numbers: AccountNumberSync,
    private readonly events: EventLog,
    private readonly followers: readonly LinkFollower[] = [],
  ) {}

  /** `financial_connections.session.updated`: the session left `pending`, as it stands now. */
  private async announce(trx: Transaction<Database>, merchantId: string, id: string, request?: RequestRef) {
    const session = await this.sessions.find(merchantId, id, trx);
    if (!session) return;
    await this.events.record(
      trx,
      merchantId,
      {
        type: 'financial_connections.session.updated',
        object: { kind: 'financial_connections.session', record: session },
        previous: { status: 'pending' },
      },
      request,
    );
  }

  /** Ends a pending session; only the first caller wins. */
  private async end(
    trx: Transaction<Database>,
    merchantId: string,
    id: string,
    ended: Ended,
    result: RelinkResult | null,
  ) {
    const updated = await trx
      .updateTable('fc_sessions')
      .set({
        status: ended.status,
        cancelled_reason: ended.cancelledReason ?? null,
        relink_result: result && JSON.stringify(result),
      })
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) {
      throw invalidRequest(
        `The session '${id}' has already been completed.`,
        'session',
        'status_transition_invalid',
      );
    }
  }

  /**
   * Ends a pending session without linking; `also` runs in the same transaction (a flow moving to
   * its last step).
   */
  async endWithout(
    merchantId: string,
    id: string,
    ended: Ended,
    result: RelinkResult | null,
    request?: RequestRef,
    also?: (trx: Transaction<Database>) => Promise<void>,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await this.end(trx, merchantId, id, ended, result);
      await also?.(trx);
      await this.announce(trx, merchantId, id, request);
    });
  }

  /** Links the picked accounts and ends the session succeeded, then the first syncs. */
  async link(
    merchantId: string,
    input: LinkInput,
    request?: RequestRef,
    also?: (trx: Transaction<Database>) => Promise<void>,
  ): Promise<void> {
    const { session, institution, relinkAuth, relinkAccount, grant, shared, picked } = input;
    const reported = new Map(shared.map((a) => [a.key, a]));
    const { authorizationId, linked } = await this.db.transaction().execute(async (trx) => {
      const authorizationId = relinkAuth?.id ?? newId(authorizationIds);
      let reactivated: string[] = [];
      if (relinkAuth) {
        const restored = await this.lifecycle.restoreAuthorization(trx, relinkAuth.id);
        await this.events.recordNotices(trx, restored.notices, request);
        reactivated = restored.reactivated;
        await trx
          .updateTable('fc_authorizations')
          .set({
            grant_sealed: this.bank.sealGrant(authorizationId, grant),
            bank_user_id: grant.bankUserId,
            institution_name: institution.name,
          })
          .where('id', '=', authorizationId)
          .execute();
        await this.keepDetailsCurrent(trx, authorizationId, institution, shared);
      } else {
        await this.authorize(trx, merchantId, session.holder, institution, authorizationId, grant);
      }
      const { ids: linked, created } = await this.linkAccounts(
        trx,
        merchantId,
        session,
        institution,
        authorizationId,
        picked,
        reported,
      );
      const result = session.relink && {
        account: relinkAccount?.id ?? null,
        authorization: authorizationId,
        failure_reason: null,
      };
      await this.end(trx, merchantId, session.id, { status: 'succeeded' }, result);
      await trx
        .insertInto('fc_session_accounts')
        .values(
          linked.map((accountId, position) => ({ session_id: session.id, account_id: accountId, position })),
        )
        .execute();
      await this.events.recordAccounts(
        trx,
        'financial_connections.account.reactivated',
        reactivated,
        request,
      );
      await this.events.recordAccounts(trx, 'financial_connections.account.created', created, request);
      await also?.(trx);
      await this.announce(trx, merchantId, session.id, request);
      return { authorizationId, linked };
    });
    // The first sync: what the bank says about the new connection right away.
    await this.bank.checkAuthorization(authorizationId);
    // The numbers of accounts linked for payments; the bank issues new tokenized numbers on each
    // consent, so a relink fetches them again for every account under the authorization.
    await this.numbers.syncAuthorization(authorizationId);
    for (const follower of this.followers) await follower.sessionLinked(merchantId, session);
    await this.accountData.prefetch(merchantId, linked, session.prefetch);
  }

  private async authorize(
    trx: Transaction<Database>,
    merchantId: string,
    holder: AccountHolder | null,
    institution: Institution,
    authorizationId: string,
    grant: Grant,
  ): Promise<void> {
    await trx
      .insertInto('fc_authorizations')
      .values({
        id: authorizationId,
        merchant_id: merchantId,
        created: now(),
        institution_id: institution.id,
        institution_name: institution.name,
        ...holderColumns(holder),
        status: 'active',
        status_details: '{}',
        grant_sealed: this.bank.sealGrant(authorizationId, grant),
        bank_user_id: grant.bankUserId,
      })
      .execute();
  }

  /**
   * A relink renews the bank's details of every account it shares under the authorization, picked
   * or not: they are the bank's latest word on them.
   */
  private async keepDetailsCurrent(
    trx: Transaction<Database>,
    authorizationId: string,
    institution: Institution,
    shared: BankAccount[],
  ): Promise<void> {
    for (const account of shared) {
      await trx
        .updateTable('fc_accounts')
        .set(bankDetailColumns(institution.name, account))
        .where('authorization_id', '=', authorizationId)
        .where('bank_account_key', '=', account.key)
        .execute();
    }
  }

  /** Links the picked bank accounts under the authorization: the same bank account keeps its id. */
  private async linkAccounts(
    trx: Transaction<Database>,
    merchantId: string,
    session: FcSession,
    institution: Institution,
    authorizationId: string,
    picked: PickedAccount[],
    reported: Map<string, BankAccount>,
  ): Promise<{ ids: string[]; created: string[] }> {
    const ids: string[] = [];
    const created: string[] = [];
    for (const bank of picked) {
      const existing = await trx
        .selectFrom('fc_accounts')
        .select(['id'])
        .where('authorization_id', '=', authorizationId)
        .where('bank_account_key', '=', bank.key)
        .executeTakeFirst();
      const atBank = reported.get(bank.key);
      const fields = {
        ...holderColumns(session.holder),
        status: 'active' as const,
        status_details: '{}',
        permissions: JSON.stringify(session.permissions),
        bank_account_id: atBank?.id ?? null,
        // What the bank reports; an account it left out keeps what the user picked.
        ...bankDetailColumns(institution.name, atBank ?? bank.details),
      };
      if (existing) {
        await trx.updateTable('fc_accounts').set(fields).where('id', '=', existing.id).execute();
        ids.push(existing.id);
        continue;
      }
      const accountId = newId(accountIds);
      await trx
        .insertInto('fc_accounts')
        .values({
          id: accountId,
          merchant_id: merchantId,
          created: now(),
          authorization_id: authorizationId,
          institution_id: institution.id,
          bank_account_key: bank.key,
          subscriptions: '[]',
          ...fields,
        })
        .execute();
      ids.push(accountId);
      created.push(accountId);
    }
    return { ids, created };
  }
}
