import type { SandboxInstitution } from '../../bank/catalogue.ts';
import { ApiError, invalidRequest } from '../errors.ts';
import type { RequestRef } from '../events/log.ts';
import { sameSecret } from '../ids.ts';
import type { Merchant } from '../merchants/service.ts';
import type { AccountService, AuthorizationService } from './accounts.ts';
import type { Flow, FlowFailure, FlowStore } from './flow-store.ts';
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
  /** Why the login is at the error step. */
  failure: FlowFailure | null;
  relink: { authorization: string; account: string | null; institution: SandboxInstitution } | null;
}

export interface Context {
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

/** Who may reach a flow (the client secret of a session of the merchant), and how it reads. */
export class FlowReader {
  constructor(
    readonly sessions: SessionService,
    private readonly accounts: AccountService,
    private readonly authorizations: AuthorizationService,
    readonly institutions: InstitutionService,
    private readonly store: FlowStore,
  ) {}

  /** The session a client secret opens, for this merchant only. */
  async open(merchant: Merchant, clientSecret: string): Promise<FcSession> {
    const id = clientSecret.split('_secret_')[0] ?? '';
    const session = id.startsWith('fcsess_') ? await this.sessions.find(merchant.id, id) : undefined;
    if (!session || !sameSecret(clientSecret, session.clientSecret)) throw noSuchSecret();
    return session;
  }

  async context(call: FlowCall): Promise<Context> {
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

  expect(c: Context, ...steps: Flow['step'][]): void {
    if (c.session.status !== 'pending' || !steps.includes(c.flow.step)) {
      const now = c.session.status === 'pending' ? `at the ${c.flow.step} step` : c.session.status;
      throw invalidRequest(
        `This session is ${now}: it cannot take this step now.`,
        'client_secret',
        'status_transition_invalid',
      );
    }
  }

  institutionOf(c: Context): SandboxInstitution {
    const institution = c.flow.institutionId ? this.institutions.find(c.flow.institutionId) : undefined;
    if (!institution)
      throw invalidRequest('Choose an institution first.', 'client_secret', 'status_transition_invalid');
    return institution;
  }

  async describe(c: Context): Promise<FlowState> {
    const session = await this.sessions.get(c.call.merchant.id, c.session.id);
    const flow = await this.store.load(c.call.merchant.id, c.session.id);
    const institution = flow.institutionId ? this.institutions.find(flow.institutionId) : undefined;
    const authorizeUrl = flow.step === 'oauth' ? (await this.store.secretsOf(flow)).authorizeUrl : null;
    const relinkAt = c.relinkAuth && this.institutions.find(c.relinkAuth.institutionId);
    return {
      session,
      step: renderStep(session, flow, institution, authorizeUrl, c.relinkAccount?.bankAccountId ?? null),
      failure: flow.step === 'error' ? flow.failure : null,
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
}
