import type { SandboxAccount, SandboxInstitution } from '../../bank/catalogue.ts';
import type { SandboxControl } from '../../bank/sandbox-control.ts';
import { withoutCommitMark } from '../../store/commit-marks.ts';
import { invalidRequest } from '../errors.ts';
import type { RequestRef } from '../events/log.ts';
import type { Merchant } from '../merchants/service.ts';
import type { AccountLinking, Ended } from './account-linking.ts';
import { chooseInstitution, pickAccounts } from './account-picking.ts';
import type { AccountService, AuthorizationService } from './accounts.ts';
import { institutionUnavailable } from './bank-sync.ts';
import { type Credentials, holderAtBank, logInThroughFlow, refuseCredentials } from './credential-login.ts';
import type { FlowCall, FlowService, FlowState } from './flow.ts';
import type { SandboxShortcut } from './sandbox-shortcut.ts';
import type { SessionService } from './sessions.ts';
import type { FcAuthorization, FcSession } from './types.ts';

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
 * Completing a session without a browser, for merchants' tests: the user's choices (checked against
 * the sandbox catalogue) taken through the same flow steps a holder takes, with the sandbox bank's
 * shortcut standing in for the consent page when no credentials are given.
 */
export class SessionCompletion {
  constructor(
    private readonly sessions: SessionService,
    private readonly accounts: AccountService,
    private readonly authorizations: AuthorizationService,
    private readonly linking: AccountLinking,
    private readonly flow: FlowService,
    private readonly shortcut: SandboxShortcut,
    private readonly control: SandboxControl,
  ) {}

  /** Completes a pending session as the hosted flow would after the user's choices. */
  async complete(
    merchant: Merchant,
    id: string,
    input: CompleteSessionInput,
    request: RequestRef | undefined,
    origin: string,
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

    // The holder's steps through the flow, as the browser would take them.
    const call: FlowCall = { merchant, clientSecret: session.clientSecret, origin, request };
    // The steps up to the login's end are taken again by a repeat of this request: only its end
    // (the link, or the session ended) tells an idempotent replay that the request was done.
    const state = await withoutCommitMark(() => this.logIn(call, institution, picked, relinkAuth, input));
    if ('outcome' in state) return this.complete(merchant, id, { outcome: state.outcome }, request, origin);
    if (state.step.kind === 'error') {
      const failure = state.failure;
      if (failure?.kind === 'institution_unavailable') {
        throw institutionUnavailable(
          {
            kind: 'institution_unavailable',
            ...(failure.availableAt && { expectedAvailableAt: failure.availableAt }),
          },
          institution.name,
        );
      }
      // The bank ending the login ends the session failed; wrong credentials or answers, cancelled.
      await this.flow.cancel(call);
      return this.sessions.get(merchant.id, id);
    }
    await this.flow.linkPicked(
      call,
      picked.map((a) => ({ key: a.key, details: { ...a, name: a.displayName } })),
    );
    return this.sessions.get(merchant.id, id);
  }

  /** The login through the flow's steps: credentials with each answer, or the sandbox shortcut. */
  private async logIn(
    call: FlowCall,
    institution: SandboxInstitution,
    picked: SandboxAccount[],
    relinkAuth: FcAuthorization | undefined,
    input: CompleteSessionInput,
  ): Promise<FlowState | { outcome: CompletionOutcome }> {
    await this.toLogin(call, institution.id);
    if (input.credentials) {
      await this.checkHolder(call.merchant.id, institution, relinkAuth, input.credentials.username);
      return logInThroughFlow(this.flow, call, institution, input.credentials);
    }
    const code = await this.shortcut.code(call.merchant.id, institution, picked, relinkAuth);
    if (code.ok) return this.flow.exchangeCode(call, code.value.code);
    if (code.failure.kind === 'institution_unavailable')
      throw institutionUnavailable(code.failure, institution.name);
    return { outcome: code.failure.kind === 'login_failed' ? 'error' : 'failed_authentication' };
  }

  /** Takes the flow to the login at the institution, from wherever an earlier attempt left it. */
  private async toLogin(call: FlowCall, institutionId: string): Promise<void> {
    let { step } = await this.flow.state(call);
    if (step.kind === 'consent') step = (await this.flow.consent(call)).step;
    else if (step.kind !== 'institution') step = (await this.flow.back(call)).step;
    if (step.kind === 'institution') await this.flow.chooseInstitution(call, institutionId);
  }

  /** A relink must log in as the holder of the authorization it repairs. */
  private async checkHolder(
    merchantId: string,
    institution: SandboxInstitution,
    relinkAuth: FcAuthorization | undefined,
    username: string,
  ): Promise<void> {
    const holder = await holderAtBank(this.control, merchantId, institution, username);
    if (!holder.ok) throw institutionUnavailable(holder.failure, institution.name);
    if (relinkAuth?.bankUserId && holder.value !== relinkAuth.bankUserId) {
      throw invalidRequest(
        `This relink session is for an authorization of another holder at ${institution.name}: log in with the username that linked it.`,
        'credentials[username]',
      );
    }
  }
}
