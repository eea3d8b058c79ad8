/**
 * Short-lived things of an authorization in progress: the holder's pending consent page, a
 * multi-step login, and authorization codes waiting to be exchanged (single use, bound to their
 * redirect URI and PKCE challenge).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { SandboxInstitution } from '../catalogue.ts';
import { assertAvailable } from './availability.ts';
import { BankError } from './errors.ts';
import { type BankState, secret } from './state.ts';

export interface AuthorizeRequest {
  id: string;
  institution: SandboxInstitution;
  redirectUri: string;
  state: string;
  codeChallenge: string;
  loginHint: string | undefined;
  expiresAt: number;
}

export interface PendingLogin {
  id: string;
  institution: SandboxInstitution;
  userId: string;
  expiresAt: number;
}

interface IssuedCode {
  institution: SandboxInstitution;
  userId: string;
  accountIds: string[];
  redirectUri: string | undefined;
  codeChallenge: string | undefined;
  expiresAt: number;
  redeemedConsent: string | undefined;
}

export const challengePattern = /^[A-Za-z0-9_-]{43}$/;
const verifierPattern = /^[A-Za-z0-9._~-]{43,128}$/;

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** A map whose entries are dropped once their time has passed. */
class Expiring<T extends { expiresAt: number }> {
  private readonly entries = new Map<string, T>();

  set(key: string, value: T, now: number): void {
    if (this.entries.size >= 1_000) {
      for (const [k, v] of this.entries) if (v.expiresAt <= now) this.entries.delete(k);
    }
    this.entries.set(key, value);
  }

  get(key: string, now: number): T | undefined {
    const value = this.entries.get(key);
    return value && value.expiresAt > now ? value : undefined;
  }

  /** Also returns entries past their time, so a late reuse can be told from a made-up value. */
  peek(key: string): T | undefined {
    return this.entries.get(key);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}

export class Authorizations {
  private readonly bank: BankState;
  private readonly requests = new Expiring<AuthorizeRequest>();
  private readonly logins = new Expiring<PendingLogin>();
  private readonly codes = new Expiring<IssuedCode>();

  constructor(bank: BankState) {
    this.bank = bank;
  }

  openRequest(request: Omit<AuthorizeRequest, 'id' | 'expiresAt'>): AuthorizeRequest {
    const now = this.bank.now();
    const opened = { ...request, id: secret('areq_'), expiresAt: now + this.bank.settings.codeTtlSeconds };
    this.requests.set(opened.id, opened, now);
    return opened;
  }

  request(id: string): AuthorizeRequest | undefined {
    return this.requests.get(id, this.bank.now());
  }

  /** Approving or denying closes the consent page: it cannot be answered twice. */
  closeRequest(id: string): void {
    this.requests.delete(id);
  }

  openLogin(institution: SandboxInstitution, userId: string): PendingLogin {
    const now = this.bank.now();
    const login = {
      id: secret('login_'),
      institution,
      userId,
      expiresAt: now + this.bank.settings.codeTtlSeconds,
    };
    this.logins.set(login.id, login, now);
    return login;
  }

  login(id: string): PendingLogin | undefined {
    return this.logins.get(id, this.bank.now());
  }

  endLogin(id: string): void {
    this.logins.delete(id);
  }

  issueCode(grant: Omit<IssuedCode, 'expiresAt' | 'redeemedConsent'>): string {
    const now = this.bank.now();
    const code = secret('code_');
    const expiresAt = now + this.bank.settings.codeTtlSeconds;
    this.codes.set(code, { ...grant, expiresAt, redeemedConsent: undefined }, now);
    return code;
  }

  /**
   * Exchanges a code for tokens. A code presented twice is refused, and the consent made with it
   * is revoked: a second presenter means the code leaked (RFC 6749 §4.1.2).
   */
  redeem(code: string, exchange: { verifier?: string; redirectUri?: string; institutionId?: string }) {
    const issued = this.codes.peek(code);
    if (!issued) throw new BankError('invalid_grant', 'Unknown authorization code.');
    assertAvailable(issued.institution, this.bank.now());
    if (issued.redeemedConsent !== undefined) {
      this.bank.revokeConsent(issued.redeemedConsent);
      throw new BankError('invalid_grant', 'This authorization code was already used.');
    }
    if (issued.expiresAt <= this.bank.now())
      throw new BankError('invalid_grant', 'The authorization code expired.');
    if (exchange.institutionId !== undefined && exchange.institutionId !== issued.institution.id) {
      throw new BankError('invalid_grant', 'The authorization code belongs to another institution.');
    }
    if (issued.redirectUri !== undefined && issued.redirectUri !== exchange.redirectUri) {
      throw new BankError('invalid_grant', 'redirect_uri does not match the authorization request.');
    }
    if (issued.codeChallenge !== undefined) {
      const verifier = exchange.verifier;
      if (verifier === undefined || !verifierPattern.test(verifier)) {
        throw new BankError('invalid_grant', 'A valid code_verifier is required.');
      }
      if (!sameText(s256(verifier), issued.codeChallenge)) {
        throw new BankError('invalid_grant', 'code_verifier does not match the code challenge.');
      }
    }
    const { token, consentId } = this.bank.grant(issued.institution, issued.userId, issued.accountIds);
    issued.redeemedConsent = consentId;
    return token;
  }
}
