/**
 * What the sandbox bank knows, held in the bank process's memory: it stands for an external
 * institution, so openfc's own state never depends on it. Holders, their accounts and the facts
 * about them, consents and the tokens issued under them.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { SandboxAccount, SandboxInstitution } from '../catalogue.ts';
import type { AccountBody, TokenBody } from '../wire.ts';
import { assertAvailable } from './availability.ts';
import type { BankClock } from './clock.ts';
import { BankError } from './errors.ts';
import { type AccountFacts, isTokenized, rotate } from './numbers.ts';

export interface BankSettings {
  accessTokenTtlSeconds: number;
  consentTtlSeconds: number;
  codeTtlSeconds: number;
}

export interface HeldAccount {
  id: string;
  userId: string;
  institution: SandboxInstitution;
  account: SandboxAccount;
  facts: AccountFacts;
}

/** `disconnected`: the holder ended the connection at the bank, for good. */
export type ConsentStatus = 'active' | 'revoked' | 'reauthentication_required' | 'disconnected';

export interface Consent {
  id: string;
  institution: SandboxInstitution;
  userId: string;
  accountIds: string[];
  expiresAt: number;
  status: ConsentStatus;
  /** "Inactive Accounts": the consent ends at the first data call after it was granted. */
  endsOnFirstUse: boolean;
  refreshToken: string;
}

export const secret = (prefix: string) => `${prefix}${randomBytes(24).toString('base64url')}`;
const digest = (text: string) => createHash('sha256').update(text).digest('hex');

export class BankState {
  readonly clock: BankClock;
  readonly settings: BankSettings;
  private readonly users = new Map<string, { id: string; institutionId: string }>();
  private readonly accounts = new Map<string, HeldAccount>();
  private readonly consents = new Map<string, Consent>();
  private readonly accessTokens = new Map<string, { consentId: string; expiresAt: number }>();
  private readonly refreshTokens = new Map<string, string>();
  /** How far each holder's time runs ahead of the bank's clock (openfc's per-merchant sandbox clock). */
  private readonly userOffsets = new Map<string, number>();

  constructor(clock: BankClock, settings: BankSettings) {
    this.clock = clock;
    this.settings = settings;
  }

  now(): number {
    return this.clock.now();
  }

  /** The bank's time for everything about one holder: the bank's clock plus that holder's offset. */
  nowFor(userId: string): number {
    return this.now() + (this.userOffsets.get(userId) ?? 0);
  }

  /** Moves one holder's time forward; the bank's clock and other holders are untouched. */
  advanceUser(userId: string, seconds: number): number {
    this.userOffsets.set(userId, (this.userOffsets.get(userId) ?? 0) + seconds);
    return this.nowFor(userId);
  }

  /**
   * The holder at an institution: a named holder is the same on every login (so a relink reaches the
   * same accounts and their facts); without a name, a new holder each time.
   */
  user(institution: SandboxInstitution, name?: string): string {
    // A holder named by the id the bank gave it (as a relink does) is that same holder.
    if (name && this.users.get(name)?.institutionId === institution.id) return name;
    const id = name
      ? `bu_${digest(`${institution.id}|${name}`).slice(0, 20)}`
      : `bu_${randomBytes(10).toString('hex')}`;
    if (this.users.has(id)) return id;
    this.users.set(id, { id, institutionId: institution.id });
    for (const account of institution.accounts) {
      const accountId = `acc_${digest(`${id}|${account.key}`).slice(0, 20)}`;
      const facts: AccountFacts = {
        closed: false,
        unavailable: false,
        numberGeneration: 0,
        numbersIssuedAt: this.nowFor(id),
        numbersDeactivated: false,
        consents: 0,
      };
      this.accounts.set(accountId, { id: accountId, userId: id, institution, account, facts });
    }
    return id;
  }

  hasUser(userId: string): boolean {
    return this.users.has(userId);
  }

  accountsOf(userId: string, keys?: readonly string[]): HeldAccount[] {
    return [...this.accounts.values()].filter(
      (held) => held.userId === userId && (keys === undefined || keys.includes(held.account.key)),
    );
  }

  heldAccount(accountId: string): HeldAccount | undefined {
    return this.accounts.get(accountId);
  }

  /** A new consent over the accounts, and its first tokens. */
  grant(
    institution: SandboxInstitution,
    userId: string,
    accountIds: string[],
  ): { token: TokenBody; consentId: string } {
    const now = this.nowFor(userId);
    // At Inactive Accounts the holder's first consent ends as soon as it is used; consenting
    // again (a relink) works.
    const firstConsent = ![...this.consents.values()].some((c) => c.userId === userId);
    const consent: Consent = {
      id: secret('cons_'),
      institution,
      userId,
      accountIds,
      expiresAt: now + this.settings.consentTtlSeconds,
      status: 'active',
      endsOnFirstUse: institution.behaviour === 'inactive_after_link' && firstConsent,
      refreshToken: secret('rt_'),
    };
    this.consents.set(consent.id, consent);
    this.refreshTokens.set(consent.refreshToken, consent.id);
    for (const id of accountIds) {
      const held = this.accounts.get(id);
      if (!held) continue;
      // A tokenizing bank issues the first number with the first consent, and a new number each
      // time the holder consents again.
      if (isTokenized(held.account)) {
        if (held.facts.consents > 0) rotate(held.facts, now);
        else held.facts.numbersIssuedAt = now;
      }
      held.facts.consents += 1;
    }
    const token = { ...this.issueAccessToken(consent), accounts: accountIds.map((id) => this.describe(id)) };
    return { token, consentId: consent.id };
  }

  /** The refresh token stays the same, so openfc processes refreshing at once do not lock each other out. */
  refresh(refreshToken: string): TokenBody {
    const consentId = this.refreshTokens.get(refreshToken);
    const consent = consentId === undefined ? undefined : this.consents.get(consentId);
    if (!consent) throw new BankError('invalid_grant', 'Unknown refresh token.');
    assertAvailable(consent.institution, this.nowFor(consent.userId));
    this.checkConsent(consent);
    return this.issueAccessToken(consent);
  }

  revoke(token: string): void {
    const consentId = this.refreshTokens.get(token) ?? this.accessTokens.get(token)?.consentId;
    const consent = consentId === undefined ? undefined : this.consents.get(consentId);
    if (consent) consent.status = 'revoked';
  }

  revokeConsent(consentId: string): void {
    const consent = this.consents.get(consentId);
    if (consent) consent.status = 'revoked';
  }

  /** The consent behind an access token, if it still allows data calls. */
  authenticate(accessToken: string): Consent {
    const token = this.accessTokens.get(accessToken);
    const consent = token && this.consents.get(token.consentId);
    if (!token || !consent) throw new BankError('invalid_token', 'Unknown access token.');
    const now = this.nowFor(consent.userId);
    assertAvailable(consent.institution, now);
    this.checkConsent(consent);
    if (consent.endsOnFirstUse) {
      consent.endsOnFirstUse = false;
      consent.expiresAt = now;
      throw new BankError('consent_expired', 'Access to these accounts has expired.');
    }
    if (now >= token.expiresAt) throw new BankError('access_token_expired', 'The access token has expired.');
    return consent;
  }

  /** One account under a consent, if the bank can serve it. */
  consentedAccount(consent: Consent, accountId: string): HeldAccount {
    const held = this.accounts.get(accountId);
    if (!held || !consent.accountIds.includes(accountId)) {
      throw new BankError('account_unavailable', 'This account is not shared under this consent.');
    }
    if (held.facts.closed) throw new BankError('account_closed', 'This account is closed.');
    if (held.facts.unavailable)
      throw new BankError('account_unavailable', 'This account is no longer available.');
    return held;
  }

  consentedAccounts(consent: Consent): AccountBody[] {
    return consent.accountIds.map((id) => this.describe(id));
  }

  consentsOf(userId: string): Consent[] {
    return [...this.consents.values()].filter((c) => c.userId === userId);
  }

  private checkConsent(consent: Consent): void {
    if (consent.status === 'revoked')
      throw new BankError('access_revoked', 'The account holder revoked access.');
    if (consent.status === 'disconnected')
      throw new BankError(
        'holder_disconnected',
        'The account holder disconnected this connection at the bank.',
      );
    if (consent.status === 'reauthentication_required') {
      throw new BankError('reauthentication_required', 'The account holder must log in again.');
    }
    if (this.nowFor(consent.userId) >= consent.expiresAt)
      throw new BankError('consent_expired', 'The consent has ended.');
  }

  private issueAccessToken(consent: Consent): TokenBody {
    const now = this.nowFor(consent.userId);
    const accessToken = secret('at_');
    const expiresAt = now + this.settings.accessTokenTtlSeconds;
    // Holders' times only run ahead of the bank's clock, so sweeping by the clock forgets nothing live.
    this.sweepAccessTokens(this.now());
    this.accessTokens.set(accessToken, { consentId: consent.id, expiresAt });
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: this.settings.accessTokenTtlSeconds,
      access_token_expires_at: expiresAt,
      refresh_token: consent.refreshToken,
      consent_expires_at: consent.expiresAt,
      bank_user_id: consent.userId,
    };
  }

  describe(accountId: string): AccountBody {
    const held = this.accounts.get(accountId);
    if (!held) throw new BankError('server_error', `Unknown account ${accountId}.`);
    const { account, facts } = held;
    return {
      id: held.id,
      key: account.key,
      name: account.displayName,
      category: account.category,
      subcategory: account.subcategory,
      last4: account.last4,
      status: facts.closed ? 'closed' : facts.unavailable ? 'unavailable' : 'open',
      supported_payment_method_types: [...account.supportedPaymentMethodTypes],
      currency: account.currency,
    };
  }

  /** Expired access tokens are forgotten now and then, so a long-running bank does not grow without end. */
  private sweepAccessTokens(now: number): void {
    if (this.accessTokens.size < 10_000) return;
    for (const [token, entry] of this.accessTokens)
      if (entry.expiresAt <= now) this.accessTokens.delete(token);
  }
}
