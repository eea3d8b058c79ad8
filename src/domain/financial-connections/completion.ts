import type { Kysely } from 'kysely';
import type { SandboxControl } from '../../bank/sandbox-control.ts';
import type { Database } from '../../store/schema.ts';
import { invalidRequest } from '../errors.ts';
import type { RequestRef } from '../events/log.ts';
import type { Merchant } from '../merchants/service.ts';
import type { SandboxClocks } from '../sandbox-clock/clocks.ts';
import type { AccountLinking, Ended } from './account-linking.ts';
import { chooseInstitution, pickAccounts } from './account-picking.ts';
import type { AccountService, AuthorizationService } from './accounts.ts';
import { BankLogin } from './bank-login.ts';
import { type BankSync, institutionUnavailable } from './bank-sync.ts';
import { type Credentials, refuseCredentials } from './credential-login.ts';
import type { SessionService } from './sessions.ts';
import type { FcSession } from './types.ts';

export const completionOutcomes = ['success', 'cancelled', 'failed_authentication', 'error'] as const;
export type CompletionOutcome = (typeof completionOutcomes)[number];

export interface CompleteSessionInput {
  institution?: string | undefined;
  accounts?: string[] | undefined;
  outcome: CompletionOutcome;
  /** The holder's login at an institution with a credential login; without them, a sandbox shortcut. */
  credentials?: Credentials | undefined;
}

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
    db: Kysely<Database>,
    private readonly sessions: SessionService,
    private readonly accounts: AccountService,
    private readonly authorizations: AuthorizationService,
    private readonly linking: AccountLinking,
    bank: BankSync,
    clocks: SandboxClocks,
    control: SandboxControl,
  ) {
    this.login = new BankLogin(db, bank, clocks, control);
  }

  private readonly login: BankLogin;

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
      await this.linking.endWithout(merchant.id, id, ended, result, request);
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
      await this.linking.endWithout(merchant.id, id, ended, result, request);
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
    await this.linking.link(
      merchant.id,
      {
        session,
        institution,
        relinkAuth,
        relinkAccount,
        grant: login.value.grant,
        shared: login.value.accounts,
        picked: picked.map((a) => ({ key: a.key, details: { ...a, name: a.displayName } })),
      },
      request,
    );
    return this.sessions.get(merchant.id, id);
  }
}
