import type { Kysely, Transaction } from 'kysely';
import type { SandboxAccount, SandboxInstitution } from '../../bank/catalogue.ts';
import type { BankAccount, Grant } from '../../bank/connector.ts';
import type { SandboxControl } from '../../bank/sandbox-control.ts';
import type { Database } from '../../store/schema.ts';
import { invalidRequest } from '../errors.ts';
import type { EventLog, RequestRef } from '../events/log.ts';
import { newId } from '../ids.ts';
import type { Merchant } from '../merchants/service.ts';
import type { SandboxClocks } from '../sandbox-clock/clocks.ts';
import type { AccountData } from './account-data.ts';
import type { AccountNumberSync } from './account-numbers.ts';
import { chooseInstitution, pickAccounts } from './account-picking.ts';
import { type AccountService, type AuthorizationService, bankDetailColumns } from './accounts.ts';
import { BankLogin } from './bank-login.ts';
import { type BankSync, institutionUnavailable } from './bank-sync.ts';
import { type Credentials, refuseCredentials } from './credential-login.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { SessionService } from './sessions.ts';
import {
  type AccountHolder,
  type FcSession,
  holderColumns,
  type RelinkResult,
  type SessionStatus,
} from './types.ts';

export const completionOutcomes = ['success', 'cancelled', 'failed_authentication', 'error'] as const;
export type CompletionOutcome = (typeof completionOutcomes)[number];

export interface CompleteSessionInput {
  institution?: string | undefined;
  accounts?: string[] | undefined;
  outcome: CompletionOutcome;
  /** The holder's login at an institution with a credential login; without them, a sandbox shortcut. */
  credentials?: Credentials | undefined;
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

type Ended = {
  status: Exclude<SessionStatus, 'pending'>;
  cancelledReason?: string;
  relinkFailure?: RelinkResult['failure_reason'];
};

/** What each unsuccessful outcome leaves behind. */
const unsuccessful: Record<Exclude<CompletionOutcome, 'success'>, Ended> = {
  cancelled: { status: 'cancelled', cancelledReason: 'other', relinkFailure: 'no_authorization' },
  failed_authentication: { status: 'cancelled', cancelledReason: 'other', relinkFailure: 'no_authorization' },
  error: { status: 'failed', relinkFailure: 'other' },
};

/**
 * Completing a session, as the hosted flow does after the user's choices: the login at the bank,
 * the authorization and the accounts the user picked, or how the session ended without them.
 */
export class SessionCompletion {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly sessions: SessionService,
    private readonly accounts: AccountService,
    private readonly authorizations: AuthorizationService,
    private readonly lifecycle: Lifecycle,
    private readonly bank: BankSync,
    private readonly accountData: AccountData,
    private readonly numbers: AccountNumberSync,
    private readonly events: EventLog,
    clocks: SandboxClocks,
    control: SandboxControl,
  ) {
    this.login = new BankLogin(db, bank, clocks, control);
  }

  private readonly login: BankLogin;

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

  /** Completes a pending session as the hosted flow would after the user's choices. */
  async complete(
    merchant: Merchant,
    id: string,
    input: CompleteSessionInput,
    request?: RequestRef,
  ): Promise<FcSession> {
    const session = await this.sessions.get(merchant.id, id);
    if (session.status !== 'pending') {
      throw invalidRequest(
        `The session '${id}' has already been completed.`,
        'session',
        'status_transition_invalid',
      );
    }
    const relinkAuth = session.relink
      ? await this.authorizations.get(merchant.id, session.relink.authorization)
      : undefined;
    const relinkAccount = session.relink?.account
      ? await this.accounts.get(merchant.id, session.relink.account)
      : undefined;

    if (input.credentials && input.outcome !== 'success') {
      throw invalidRequest(
        `With credentials, the bank's answers decide how the login ends: leave outcome out (or set it to success), not '${input.outcome}'.`,
        'outcome',
      );
    }
    if (input.outcome !== 'success') {
      const ended = unsuccessful[input.outcome];
      const result = session.relink && {
        account: null,
        authorization: null,
        failure_reason: ended.relinkFailure ?? null,
      };
      await this.db.transaction().execute(async (trx) => {
        await this.end(trx, merchant.id, id, ended, result);
        await this.announce(trx, merchant.id, id, request);
      });
      return this.sessions.get(merchant.id, id);
    }

    const institution = chooseInstitution(session, relinkAuth, input.institution);
    const refused = input.credentials && refuseCredentials(institution);
    if (refused) throw refused;
    const picked = await pickAccounts(
      this.accounts,
      merchant.id,
      session,
      institution,
      input.accounts,
      relinkAccount,
    );
    const relinkMissed =
      relinkAccount !== undefined && !picked.some((a) => a.key === relinkAccount.bankAccountKey);
    if (picked.length === 0 || relinkMissed) {
      const result = session.relink && {
        account: null,
        authorization: relinkAuth?.id ?? null,
        failure_reason: 'no_account' as const,
      };
      const ended: Ended =
        picked.length === 0 ? { status: 'cancelled', cancelledReason: 'other' } : { status: 'failed' };
      await this.db.transaction().execute(async (trx) => {
        await this.end(trx, merchant.id, id, ended, result);
        await this.announce(trx, merchant.id, id, request);
      });
      return this.sessions.get(merchant.id, id);
    }

    const login = input.credentials
      ? await this.login.withCredentials(merchant.id, institution, relinkAuth, input.credentials)
      : await this.login.shortcut(merchant.id, institution, picked, relinkAuth);
    if (!login.ok) {
      if (login.failure.kind === 'institution_unavailable')
        throw institutionUnavailable(login.failure, institution.name);
      // The bank ending the login is an error; wrong credentials or answers, a failed authentication.
      const outcome = login.failure.kind === 'login_failed' ? 'error' : 'failed_authentication';
      return this.complete(merchant, id, { outcome }, request);
    }
    // A credential login consents to every account of the holder; the user links the picked ones.
    const { grant, accounts: shared } = login.value;
    const reported = new Map(shared.map((a) => [a.key, a]));

    const { authorizationId, linked } = await this.db.transaction().execute(async (trx) => {
      const authorizationId = relinkAuth?.id ?? newId('authorization');
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
        await this.authorize(trx, merchant.id, session.holder, institution, authorizationId, grant);
      }
      const { ids: linked, created } = await this.linkAccounts(
        trx,
        merchant.id,
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
      await this.end(trx, merchant.id, id, { status: 'succeeded' }, result);
      await trx
        .insertInto('fc_session_accounts')
        .values(linked.map((accountId, position) => ({ session_id: id, account_id: accountId, position })))
        .execute();
      await this.events.recordAccounts(
        trx,
        'financial_connections.account.reactivated',
        reactivated,
        request,
      );
      await this.events.recordAccounts(trx, 'financial_connections.account.created', created, request);
      await this.announce(trx, merchant.id, id, request);
      return { authorizationId, linked };
    });
    // The first sync: what the bank says about the new connection right away.
    await this.bank.checkAuthorization(authorizationId);
    // The numbers of accounts linked for payments; the bank issues new tokenized numbers on each
    // consent, so a relink fetches them again for every account under the authorization.
    await this.numbers.syncAuthorization(authorizationId);
    await this.accountData.prefetch(merchant.id, linked, session.prefetch);
    return this.sessions.get(merchant.id, id);
  }

  private async authorize(
    trx: Transaction<Database>,
    merchantId: string,
    holder: AccountHolder | null,
    institution: SandboxInstitution,
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
    institution: SandboxInstitution,
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
    institution: SandboxInstitution,
    authorizationId: string,
    picked: SandboxAccount[],
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
        ...bankDetailColumns(institution.name, atBank ?? { ...bank, name: bank.displayName }),
      };
      if (existing) {
        await trx.updateTable('fc_accounts').set(fields).where('id', '=', existing.id).execute();
        ids.push(existing.id);
        continue;
      }
      const accountId = newId('account');
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
