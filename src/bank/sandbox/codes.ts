/**
 * Short-lived things of an authorization in progress, kept in the bank's store: the holder's
 * pending consent page, a multi-step login, and authorization codes waiting to be exchanged
 * (single use, bound to their client, redirect URI and PKCE challenge). Each expires.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { SandboxInstitution } from '../catalogue.ts';
import type { TokenBody } from '../wire.ts';
import { assertAvailable, institutionOrThrow } from './availability.ts';
import type { Consents } from './consents.ts';
import { BankError } from './errors.ts';
import type { Holders } from './holders.ts';
import type { BankDatabase } from './store/schema.ts';
import { digest, sameText, secret } from './tokens.ts';

export interface AuthorizeRequest {
  id: string;
  institution: SandboxInstitution;
  clientId: string;
  tenant: string;
  redirectUri: string;
  state: string;
  codeChallenge: string;
  loginHint: string | undefined;
}

export interface PendingLogin {
  id: string;
  institution: SandboxInstitution;
  clientId: string;
  userId: string;
}

export interface CodeGrant {
  institution: SandboxInstitution;
  clientId: string | undefined;
  userId: string;
  accountIds: string[];
  redirectUri: string | undefined;
  codeChallenge: string | undefined;
}

export const challengePattern = /^[A-Za-z0-9_-]{43}$/;
const verifierPattern = /^[A-Za-z0-9._~-]{43,128}$/;

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

type PendingKind = 'consent_page' | 'login';

export class Authorizations {
  constructor(
    private readonly db: Kysely<BankDatabase>,
    private readonly holders: Holders,
    private readonly consents: Consents,
  ) {}

  private get now(): number {
    return this.holders.clock.now();
  }

  private get ttl(): number {
    return this.consents.settings.codeTtlSeconds;
  }

  private async putPending(kind: PendingKind, id: string, data: object): Promise<void> {
    await this.db
      .insertInto('bank_pending')
      .values({ digest: digest(id), kind, data: JSON.stringify(data), expires_at: this.now + this.ttl })
      .execute();
  }

  private async pending(kind: PendingKind, id: string): Promise<Record<string, unknown> | undefined> {
    const row = await this.db
      .selectFrom('bank_pending')
      .select(['data', 'kind'])
      .where('digest', '=', digest(id))
      .where('expires_at', '>', this.now)
      .executeTakeFirst();
    return row?.kind === kind ? (JSON.parse(row.data) as Record<string, unknown>) : undefined;
  }

  /** Answering a consent page or ending a login closes it: it cannot be answered twice. */
  async close(id: string): Promise<boolean> {
    const deleted = await this.db
      .deleteFrom('bank_pending')
      .where('digest', '=', digest(id))
      .executeTakeFirst();
    return Number(deleted.numDeletedRows) > 0;
  }

  async openRequest(request: Omit<AuthorizeRequest, 'id'>): Promise<AuthorizeRequest> {
    const opened = { ...request, id: secret('areq_') };
    const { institution, ...rest } = opened;
    await this.putPending('consent_page', opened.id, { ...rest, institutionId: institution.id });
    return opened;
  }

  async request(id: string): Promise<AuthorizeRequest | undefined> {
    const data = await this.pending('consent_page', id);
    if (!data) return undefined;
    const { institutionId, ...rest } = data as Omit<AuthorizeRequest, 'institution'> & {
      institutionId: string;
    };
    return { ...rest, institution: institutionOrThrow(institutionId) };
  }

  async openLogin(institution: SandboxInstitution, clientId: string, userId: string): Promise<PendingLogin> {
    const login = { id: secret('login_'), institution, clientId, userId };
    await this.putPending('login', login.id, { institutionId: institution.id, clientId, userId });
    return login;
  }

  async login(id: string): Promise<PendingLogin | undefined> {
    const data = await this.pending('login', id);
    if (!data) return undefined;
    return {
      id,
      institution: institutionOrThrow(data.institutionId),
      clientId: String(data.clientId),
      userId: String(data.userId),
    };
  }

  async issueCode(grant: CodeGrant): Promise<string> {
    const code = secret('code_');
    await this.db
      .insertInto('bank_codes')
      .values({
        digest: digest(code),
        client_id: grant.clientId ?? null,
        institution_id: grant.institution.id,
        user_id: grant.userId,
        account_ids: JSON.stringify(grant.accountIds),
        redirect_uri: grant.redirectUri ?? null,
        code_challenge: grant.codeChallenge ?? null,
        expires_at: this.now + this.ttl,
        redeemed_consent: null,
      })
      .execute();
    return code;
  }

  /**
   * Exchanges a code for tokens. A code presented twice is refused, and the consent made with it
   * is revoked: a second presenter means the code leaked (RFC 6749 §4.1.2). A code issued to
   * another client is unknown to this one.
   */
  async redeem(
    clientId: string,
    code: string,
    exchange: { verifier?: string; redirectUri?: string; institutionId?: string },
  ): Promise<TokenBody> {
    const hashed = digest(code);
    const issued = await this.db
      .selectFrom('bank_codes')
      .selectAll()
      .where('digest', '=', hashed)
      .executeTakeFirst();
    if (!issued || (issued.client_id !== null && issued.client_id !== clientId))
      throw new BankError('invalid_grant', 'Unknown authorization code.');
    const institution = institutionOrThrow(issued.institution_id);
    assertAvailable(institution, this.now);
    if (issued.redeemed_consent !== null) {
      await this.consents.setStatus(issued.redeemed_consent, 'revoked');
      throw new BankError('invalid_grant', 'This authorization code was already used.');
    }
    if (issued.expires_at <= this.now)
      throw new BankError('invalid_grant', 'The authorization code expired.');
    if (exchange.institutionId !== undefined && exchange.institutionId !== institution.id) {
      throw new BankError('invalid_grant', 'The authorization code belongs to another institution.');
    }
    if (issued.redirect_uri !== null && issued.redirect_uri !== exchange.redirectUri) {
      throw new BankError('invalid_grant', 'redirect_uri does not match the authorization request.');
    }
    if (issued.code_challenge !== null) {
      const verifier = exchange.verifier;
      if (verifier === undefined || !verifierPattern.test(verifier)) {
        throw new BankError('invalid_grant', 'A valid code_verifier is required.');
      }
      if (!sameText(s256(verifier), issued.code_challenge)) {
        throw new BankError('invalid_grant', 'code_verifier does not match the code challenge.');
      }
    }
    // Claimed before the consent is made: of two presenters at once, only one gets tokens.
    const claimed = await this.db
      .updateTable('bank_codes')
      .set({ redeemed_consent: 'pending' })
      .where('digest', '=', hashed)
      .where('redeemed_consent', 'is', null)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) === 0)
      throw new BankError('invalid_grant', 'This authorization code was already used.');
    const holder = await this.holders.ofTenant(issued.user_id, undefined);
    const { token, consentId } = await this.consents.grant(
      clientId,
      holder,
      JSON.parse(issued.account_ids) as string[],
    );
    await this.db
      .updateTable('bank_codes')
      .set({ redeemed_consent: consentId })
      .where('digest', '=', hashed)
      .execute();
    return token;
  }
}
