import { timingSafeEqual } from 'node:crypto';
import type { SandboxInstitution } from '../../bank/catalogue.ts';
import type { BankResult, InstitutionConnector, LoginStep } from '../../bank/connector.ts';
import type { SandboxControl } from '../../bank/sandbox-control.ts';
import { ApiError, invalidRequest } from '../errors.ts';
import type { RequestRef } from '../events/log.ts';
import type { Merchant } from '../merchants/service.ts';
import type { AccountLinking, Ended } from './account-linking.ts';
import type { AccountService, AuthorizationService } from './accounts.ts';
import type { BankLogin } from './bank-login.ts';
import { holderAtBank } from './credential-login.ts';
import { checkPick } from './flow-accounts.ts';
import { afterLoginStep, authorized, failed, loginStepFor, startOAuth } from './flow-login.ts';
import type { Flow, FlowChange, FlowStore } from './flow-store.ts';
import { renderStep, type Step } from './flow-view.ts';
import type { InstitutionService } from './institutions.ts';
import type { SessionService } from './sessions.ts';
import type { FcAccount, FcAuthorization, FcSession } from './types.ts';

/** Who is taking a step: the merchant's publishable key, the session's client secret, where from. */
export interface FlowCall {
  merchant: Merchant;
  clientSecret: string;
  /** openfc's origin as the holder's browser reaches it, for the OAuth redirect. */
  origin: string;
  request?: RequestRef;
}

export interface FlowState {
  session: FcSession;
  step: Step;
  relink: { authorization: string; account: string | null; institution: SandboxInstitution } | null;
}

interface Context {
  call: FlowCall;
  session: FcSession;
  flow: Flow;
  relinkAuth: FcAuthorization | undefined;
  relinkAccount: FcAccount | undefined;
}

function noSuchSecret(): ApiError {
  return new ApiError({
    status: 404,
    type: 'invalid_request_error',
    code: 'resource_missing',
    param: 'client_secret',
    message: 'No such financial_connections.session for the client_secret provided.',
  });
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The account holder's way through a session, one step at a time, kept in the database so that
 * any process can take the next step: consent, institution, login (OAuth, credentials with the
 * bank's questions, or one click), the accounts the bank shared, and the link.
 */
export class FlowService {
  constructor(
    private readonly sessions: SessionService,
    private readonly accounts: AccountService,
    private readonly authorizations: AuthorizationService,
    private readonly institutions: InstitutionService,
    private readonly store: FlowStore,
    private readonly connector: InstitutionConnector,
    private readonly linking: AccountLinking,
    private readonly login: BankLogin,
    private readonly control: SandboxControl,
  ) {}

  /** The session a client secret opens, for this merchant only. */
  async open(merchant: Merchant, clientSecret: string): Promise<FcSession> {
    const id = clientSecret.split('_secret_')[0] ?? '';
    const session = id.startsWith('fcsess_') ? await this.sessions.find(merchant.id, id) : undefined;
    if (!session || !sameSecret(clientSecret, session.clientSecret)) throw noSuchSecret();
    return session;
  }

  private async context(call: FlowCall): Promise<Context> {
    const session = await this.open(call.merchant, call.clientSecret);
    const flow = await this.store.load(call.merchant.id, session.id);
    const relinkAuth = session.relink
      ? await this.authorizations.get(call.merchant.id, session.relink.authorization)
      : undefined;
    const relinkAccount = session.relink?.account
      ? await this.accounts.get(call.merchant.id, session.relink.account)
      : undefined;
    return { call, session, flow, relinkAuth, relinkAccount };
  }

  private expect(c: Context, ...steps: Flow['step'][]): void {
    if (c.session.status !== 'pending' || !steps.includes(c.flow.step)) {
      const now = c.session.status === 'pending' ? `at the ${c.flow.step} step` : c.session.status;
      throw invalidRequest(
        `This session is ${now}: it cannot take this step now.`,
        'client_secret',
        'status_transition_invalid',
      );
    }
  }

  private institutionOf(c: Context): SandboxInstitution {
    const institution = c.flow.institutionId ? this.institutions.find(c.flow.institutionId) : undefined;
    if (!institution)
      throw invalidRequest('Choose an institution first.', 'client_secret', 'status_transition_invalid');
    return institution;
  }

  async state(call: FlowCall): Promise<FlowState> {
    return this.describe(await this.context(call));
  }

  private async describe(c: Context): Promise<FlowState> {
    const session = await this.sessions.get(c.call.merchant.id, c.session.id);
    const flow = await this.store.load(c.call.merchant.id, c.session.id);
    const institution = flow.institutionId ? this.institutions.find(flow.institutionId) : undefined;
    const authorizeUrl = flow.step === 'oauth' ? (await this.store.secretsOf(flow)).authorizeUrl : null;
    const relinkAt = c.relinkAuth && this.institutions.find(c.relinkAuth.institutionId);
    return {
      session,
      step: renderStep(session, flow, institution, authorizeUrl),
      relink:
        session.relink && relinkAt
          ? {
              authorization: session.relink.authorization,
              account: session.relink.account,
              institution: relinkAt,
            }
          : null,
    };
  }

  private async move(c: Context, change: FlowChange): Promise<FlowState> {
    await this.store.move(c.flow, change);
    return this.describe(c);
  }

  /** Where a login at `institution` starts: the bank's OAuth page, or openfc's login step. */
  private async startAt(c: Context, institution: SandboxInstitution, extra: Partial<FlowChange> = {}) {
    const change =
      institution.auth === 'oauth'
        ? await startOAuth(
            this.connector,
            c.call.merchant.id,
            institution,
            `${c.call.origin}/flow/oauth/callback`,
            c.relinkAuth,
          )
        : loginStepFor(institution);
    return this.move(c, { ...change, institutionId: institution.id, ...extra });
  }

  async consent(call: FlowCall): Promise<FlowState> {
    const c = await this.context(call);
    this.expect(c, 'consent');
    const fixed = c.relinkAuth && this.institutions.find(c.relinkAuth.institutionId);
    if (fixed) return this.startAt(c, fixed, { consented: true });
    return this.move(c, { step: 'institution', consented: true });
  }

  async chooseInstitution(call: FlowCall, institutionId: string): Promise<FlowState> {
    const c = await this.context(call);
    this.expect(c, 'institution');
    const institution = this.institutions.get(institutionId, 'institution');
    const fixed = c.session.filters.institution;
    if (fixed !== undefined && fixed !== institution.id)
      throw invalidRequest(`This session is filtered to the institution '${fixed}'.`, 'institution');
    return this.startAt(c, institution);
  }

  /** The login: credentials, one click, or (OAuth) a new authorization after an error. */
  async logIn(call: FlowCall, input: { username?: string; password?: string }): Promise<FlowState> {
    const c = await this.context(call);
    this.expect(c, 'login', 'oauth', 'error');
    const institution = this.institutionOf(c);
    if (institution.auth === 'oauth') return this.startAt(c, institution);
    const tenant = c.call.merchant.id;
    let result: BankResult<LoginStep>;
    if (institution.auth === 'credentials') {
      const { username, password } = input;
      if (!username) throw invalidRequest('Enter your username.', 'username', 'parameter_missing');
      if (!password) throw invalidRequest('Enter your password.', 'password', 'parameter_missing');
      const holder = await holderAtBank(this.control, tenant, institution, username);
      if (!holder.ok) return this.move(c, failed(holder.failure));
      if (c.relinkAuth?.bankUserId && holder.value !== c.relinkAuth.bankUserId) {
        throw invalidRequest(
          `This connection was made by another login at ${institution.name}: log in with the username that made it.`,
          'username',
        );
      }
      // Before the consent is granted, so that it runs from the link on the merchant's clock.
      await this.login.startAtMerchantTime(tenant, holder.value);
      result = await this.connector.logIn(institution.id, { tenant, username, password });
    } else {
      // A relink names the holder the bank gave the authorization to, so it reaches the same one.
      const username = c.relinkAuth?.bankUserId ?? undefined;
      result = await this.connector.logIn(institution.id, { tenant, ...(username && { username }) });
    }
    return this.move(c, afterLoginStep(result));
  }

  async answer(call: FlowCall, answer: string): Promise<FlowState> {
    const c = await this.context(call);
    this.expect(c, 'prompt');
    const institution = this.institutionOf(c);
    const { loginId } = await this.store.secretsOf(c.flow);
    if (!loginId) throw new Error('a prompt step without its login');
    return this.move(c, afterLoginStep(await this.connector.logIn(institution.id, { loginId, answer })));
  }

  /** Links the accounts the holder picked among those the bank shared; the session ends. */
  async link(call: FlowCall, ids: string[]): Promise<FlowState> {
    const c = await this.context(call);
    this.expect(c, 'accounts');
    const institution = this.institutionOf(c);
    const shared = c.flow.bankAccounts ?? [];
    const picked = checkPick(c.session, shared, ids);
    const { grant } = await this.store.secretsOf(c.flow);
    if (!grant) throw new Error('an accounts step without its grant');
    const merchantId = c.call.merchant.id;
    const { session, relinkAuth, relinkAccount } = c;
    if (relinkAccount && !picked.some((a) => a.key === relinkAccount.bankAccountKey)) {
      const result = {
        account: null,
        authorization: relinkAuth?.id ?? null,
        failure_reason: 'no_account' as const,
      };
      await this.linking.endWithout(
        merchantId,
        session.id,
        { status: 'failed' },
        result,
        c.call.request,
        (trx) => this.store.move(c.flow, { ...failed({ kind: 'no_account' }), grant: null }, trx),
      );
      return this.describe(c);
    }
    const link = {
      session,
      institution,
      relinkAuth,
      relinkAccount,
      grant,
      shared: shared.map((a) => ({ ...a, status: 'open' as const, currency: 'usd' })),
      picked: picked.map((a) => ({ key: a.key, details: a })),
    };
    await this.linking.link(merchantId, link, c.call.request, (trx) =>
      this.store.move(c.flow, { step: 'done', grant: null }, trx),
    );
    return this.describe(c);
  }

  async back(call: FlowCall): Promise<FlowState> {
    const c = await this.context(call);
    this.expect(c, 'login', 'prompt', 'oauth', 'error');
    const fixed = c.relinkAuth && this.institutions.find(c.relinkAuth.institutionId);
    if (fixed) return this.startAt(c, fixed);
    return this.move(c, { ...loginStepFor(this.institutionOf(c)), step: 'institution', institutionId: null });
  }

  /** The holder leaves: the session ends as the last failure says; an ended one shows its end. */
  async cancel(call: FlowCall): Promise<FlowState> {
    const c = await this.context(call);
    if (c.session.status !== 'pending') {
      if (c.flow.step !== 'done') await this.store.move(c.flow, { step: 'done' });
      return this.describe(c);
    }
    const bankEnded = c.flow.step === 'error' && c.flow.failure?.kind === 'login_failed';
    const ended: Ended = bankEnded
      ? { status: 'failed', relinkFailure: 'other' }
      : { status: 'cancelled', cancelledReason: 'other', relinkFailure: 'no_authorization' };
    const result = c.session.relink && {
      account: null,
      authorization: null,
      failure_reason: ended.relinkFailure ?? null,
    };
    const { grant } = await this.store.secretsOf(c.flow);
    await this.linking.endWithout(call.merchant.id, c.session.id, ended, result, call.request, (trx) =>
      this.store.move(c.flow, { step: 'done', grant: null, oauth: null, loginId: null }, trx),
    );
    // A consent the holder gave but never used is given back.
    if (grant && c.flow.institutionId)
      await this.connector.revoke(c.flow.institutionId, grant).catch(() => undefined);
    return this.describe(c);
  }

  /**
   * The bank sent the holder back from its consent page: the code is exchanged with the PKCE
   * verifier, or the refusal noted. False when no flow waits for this `state`.
   */
  async oauthReturn(query: { state: string; code?: string; error?: string }): Promise<boolean> {
    const flow = await this.store.findByState(query.state);
    if (!flow) return false;
    const session = await this.sessions.find(flow.merchantId, flow.sessionId);
    const institution = flow.institutionId ? this.institutions.find(flow.institutionId) : undefined;
    if (session?.status !== 'pending' || !institution) return true;
    if (query.error !== undefined || query.code === undefined) {
      await this.store.move(flow, failed({ kind: 'access_denied' }));
      return true;
    }
    const { verifier } = await this.store.secretsOf(flow);
    const exchanged = await this.connector.exchangeCode(institution.id, {
      code: query.code,
      ...(verifier && { codeVerifier: verifier }),
      ...(flow.redirectUri && { redirectUri: flow.redirectUri }),
    });
    await this.store.move(flow, exchanged.ok ? authorized(exchanged.value) : failed(exchanged.failure));
    return true;
  }
}
