import { randomBytes } from 'node:crypto';
import type { SandboxInstitution } from '../../bank/catalogue.ts';
import type { BankResult, InstitutionConnector, LoginStep } from '../../bank/connector.ts';
import type { SandboxControl } from '../../bank/sandbox-control.ts';
import { invalidRequest } from '../errors.ts';
import type { Merchant } from '../merchants/service.ts';
import type { AccountLinking, Ended, PickedAccount } from './account-linking.ts';
import { holderAtBank } from './credential-login.ts';
import { checkPick } from './flow-accounts.ts';
import { afterLoginStep, authorized, failed, loginStepFor, startOAuth } from './flow-login.ts';
import type { Context, FlowCall, FlowReader, FlowState } from './flow-reader.ts';
import type { Flow, FlowChange, FlowStore } from './flow-store.ts';
import type { HolderTime } from './holder-time.ts';
import type { FcSession } from './types.ts';

export type { FlowCall, FlowState } from './flow-reader.ts';

/** A name for a holder new to the bank, chosen by openfc so that it can prepare them first. */
function newHolderName(): string {
  return `holder_${randomBytes(12).toString('hex')}`;
}

/**
 * The account holder's way through a session, one step at a time, kept in the database so that
 * any process can take the next step: consent, institution, login (OAuth, credentials with the
 * bank's questions, or one click), the accounts the bank shared, and the link.
 */
export class FlowService {
  constructor(
    private readonly read: FlowReader,
    private readonly store: FlowStore,
    private readonly connector: InstitutionConnector,
    private readonly linking: AccountLinking,
    private readonly holderTime: HolderTime,
    private readonly control: SandboxControl,
  ) {}

  /** How far the holder got in a session's flow (the dashboard shows it); nothing secret. */
  async progress(merchantId: string, sessionId: string) {
    const flow = await this.store.progress(merchantId, sessionId);
    return (
      flow && {
        step: flow.step,
        steps_taken: flow.version,
        consented: flow.consented,
        institution: flow.institutionId,
        shared_accounts: flow.bankAccounts?.length ?? null,
        failure: flow.failure && { kind: flow.failure.kind, message: flow.failure.message },
      }
    );
  }

  /** The session a client secret opens, for this merchant only. */
  open(merchant: Merchant, clientSecret: string): Promise<FcSession> {
    return this.read.open(merchant, clientSecret);
  }

  async state(call: FlowCall): Promise<FlowState> {
    return this.read.describe(await this.read.context(call));
  }

  private async move(c: Context, change: FlowChange): Promise<FlowState> {
    await this.store.move(c.flow, change);
    return this.read.describe(c);
  }

  /** Where a login at `institution` starts: the bank's OAuth page, or openfc's login step. */
  private async startAt(c: Context, institution: SandboxInstitution, extra: Partial<FlowChange> = {}) {
    if (institution.auth !== 'oauth')
      return this.move(c, { ...loginStepFor(institution), institutionId: institution.id, ...extra });
    const tenant = c.call.merchant.id;
    // A relink names the authorization's holder, so the bank reaches them. Once the merchant's clock
    // has moved, a new holder is named (and moved to the merchant's time) before the consent page,
    // so that the consent runs from the link on the merchant's clock.
    let loginHint = c.relinkAuth?.bankUserId ?? undefined;
    if (!loginHint && (await this.holderTime.clockMoved(tenant))) {
      const holder = await holderAtBank(this.control, tenant, institution, newHolderName());
      if (!holder.ok) return this.move(c, { ...failed(holder.failure), ...extra });
      await this.holderTime.startAtMerchantTime(tenant, holder.value);
      loginHint = holder.value;
    }
    const redirectUri = `${c.call.origin}/flow/oauth/callback`;
    const change = await startOAuth(this.connector, tenant, institution, redirectUri, loginHint);
    return this.move(c, { ...change, institutionId: institution.id, ...extra });
  }

  async consent(call: FlowCall): Promise<FlowState> {
    const c = await this.read.context(call);
    this.read.expect(c, 'consent');
    const fixed = c.relinkAuth && this.read.institutions.find(c.relinkAuth.institutionId);
    if (fixed) return this.startAt(c, fixed, { consented: true });
    return this.move(c, { step: 'institution', consented: true });
  }

  async chooseInstitution(call: FlowCall, institutionId: string): Promise<FlowState> {
    const c = await this.read.context(call);
    this.read.expect(c, 'institution');
    const institution = this.read.institutions.get(institutionId, 'institution');
    const fixed = c.session.filters.institution;
    if (fixed !== undefined && fixed !== institution.id)
      throw invalidRequest(`This session is filtered to the institution '${fixed}'.`, 'institution');
    return this.startAt(c, institution);
  }

  /** The login: credentials, one click, or (OAuth) a new authorization after an error. */
  async logIn(call: FlowCall, input: { username?: string; password?: string }): Promise<FlowState> {
    const c = await this.read.context(call);
    this.read.expect(c, 'login', 'oauth', 'error');
    const institution = this.read.institutionOf(c);
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
      await this.holderTime.startAtMerchantTime(tenant, holder.value);
      result = await this.connector.logIn(institution.id, { tenant, username, password });
    } else {
      // A relink names the holder the bank gave the authorization to, so it reaches the same one;
      // a new holder is named before the login, so that the bank starts them at the merchant's time.
      const username = c.relinkAuth?.bankUserId ?? newHolderName();
      const holder = await holderAtBank(this.control, tenant, institution, username);
      if (!holder.ok) return this.move(c, failed(holder.failure));
      await this.holderTime.startAtMerchantTime(tenant, holder.value);
      result = await this.connector.logIn(institution.id, { tenant, username });
    }
    return this.move(c, afterLoginStep(result));
  }

  async answer(call: FlowCall, answer: string): Promise<FlowState> {
    const c = await this.read.context(call);
    this.read.expect(c, 'prompt');
    const institution = this.read.institutionOf(c);
    const { loginId } = await this.store.secretsOf(c.flow);
    if (!loginId) throw new Error('a prompt step without its login');
    return this.move(c, afterLoginStep(await this.connector.logIn(institution.id, { loginId, answer })));
  }

  /** Links the accounts the holder picked among those the bank shared; the session ends. */
  async link(call: FlowCall, ids: string[]): Promise<FlowState> {
    const c = await this.read.context(call);
    this.read.expect(c, 'accounts');
    const picked = checkPick(c.session, c.flow.bankAccounts ?? [], ids);
    return this.finish(
      c,
      picked.map((a) => ({ key: a.key, details: a })),
    );
  }

  /**
   * Links accounts picked by their catalogue key, without the holder's checks: for the test
   * helper, which checked its choices against the session itself.
   */
  async linkPicked(call: FlowCall, picked: PickedAccount[]): Promise<FlowState> {
    const c = await this.read.context(call);
    this.read.expect(c, 'accounts');
    return this.finish(c, picked);
  }

  private async finish(c: Context, picked: PickedAccount[]): Promise<FlowState> {
    const institution = this.read.institutionOf(c);
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
      await this.connector.revoke(institution.id, grant).catch(() => undefined);
      return this.read.describe(c);
    }
    const shared = (c.flow.bankAccounts ?? []).map((a) => ({
      ...a,
      status: 'open' as const,
      currency: 'usd',
    }));
    const link = { session, institution, relinkAuth, relinkAccount, grant, shared, picked };
    await this.linking.link(merchantId, link, c.call.request, (trx) =>
      this.store.move(c.flow, { step: 'done', grant: null }, trx),
    );
    return this.read.describe(c);
  }

  /** Back to the search (a relink: to its institution's login); a consent not used is given back. */
  async back(call: FlowCall): Promise<FlowState> {
    const c = await this.read.context(call);
    this.read.expect(c, 'login', 'prompt', 'oauth', 'error', 'accounts');
    await this.giveBack(c);
    const fixed = c.relinkAuth && this.read.institutions.find(c.relinkAuth.institutionId);
    if (fixed) return this.startAt(c, fixed);
    return this.move(c, {
      ...loginStepFor(this.read.institutionOf(c)),
      step: 'institution',
      institutionId: null,
    });
  }

  /** A consent the holder gave at the bank but never linked is given back. */
  private async giveBack(c: Context): Promise<void> {
    const { grant } = await this.store.secretsOf(c.flow);
    if (grant && c.flow.institutionId)
      await this.connector.revoke(c.flow.institutionId, grant).catch(() => undefined);
  }

  /** The holder leaves: the session ends as the last failure says; an ended one shows its end. */
  async cancel(call: FlowCall): Promise<FlowState> {
    const c = await this.read.context(call);
    if (c.session.status !== 'pending') {
      if (c.flow.step !== 'done') await this.store.move(c.flow, { step: 'done' });
      return this.read.describe(c);
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
    await this.giveBack(c);
    await this.linking.endWithout(call.merchant.id, c.session.id, ended, result, call.request, (trx) =>
      this.store.move(c.flow, { step: 'done', grant: null, oauth: null, loginId: null }, trx),
    );
    return this.read.describe(c);
  }

  /**
   * The bank sent the holder back from its consent page: the code is exchanged with the PKCE
   * verifier, or the refusal noted. False when no flow waits for this `state`.
   */
  async oauthReturn(query: { state: string; code?: string; error?: string }): Promise<boolean> {
    const flow = await this.store.findByState(query.state);
    if (!flow) return false;
    const session = await this.read.sessions.find(flow.merchantId, flow.sessionId);
    const institution = flow.institutionId ? this.read.institutions.find(flow.institutionId) : undefined;
    if (session?.status !== 'pending' || !institution) return true;
    if (query.error !== undefined || query.code === undefined) {
      await this.store.move(flow, failed({ kind: 'access_denied' }));
      return true;
    }
    const { verifier } = await this.store.secretsOf(flow);
    await this.exchange(flow, institution, query.code, verifier, flow.redirectUri);
    return true;
  }

  /** A code the bank issued for this login without the holder's browser (the sandbox shortcut). */
  async exchangeCode(call: FlowCall, code: string): Promise<FlowState> {
    const c = await this.read.context(call);
    this.read.expect(c, 'login', 'oauth');
    await this.exchange(c.flow, this.read.institutionOf(c), code, null, null);
    return this.read.describe(c);
  }

  private async exchange(
    flow: Flow,
    institution: SandboxInstitution,
    code: string,
    verifier: string | null,
    redirectUri: string | null,
  ): Promise<void> {
    const exchanged = await this.connector.exchangeCode(institution.id, {
      code,
      ...(verifier && { codeVerifier: verifier }),
      ...(redirectUri && { redirectUri }),
    });
    await this.store.move(flow, exchanged.ok ? authorized(exchanged.value) : failed(exchanged.failure));
  }
}
