/**
 * Consents and the tokens issued under them, kept in the bank's store. Only digests of refresh
 * and access tokens are stored: a copy of the store opens no account.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { SandboxInstitution } from '../catalogue.ts';
import type { AccountBody, TokenBody } from '../wire.ts';
import { assertAvailable, institutionOrThrow } from './availability.ts';
import { BankError } from './errors.ts';
import { describe, factColumns, type HeldAccount, type Holder, type Holders } from './holders.ts';
import { isTokenized, rotate } from './numbers.ts';
import type { BankDatabase } from './store/schema.ts';
import { digest, secret } from './tokens.ts';

export interface BankSettings {
  accessTokenTtlSeconds: number;
  consentTtlSeconds: number;
  codeTtlSeconds: number;
}

/** `disconnected`: the holder ended the connection at the bank, for good. */
export type ConsentStatus = 'active' | 'revoked' | 'reauthentication_required' | 'disconnected';

export interface Consent {
  id: string;
  clientId: string;
  institution: SandboxInstitution;
  holder: Holder;
  accountIds: string[];
  expiresAt: number;
  status: ConsentStatus;
  /** "Inactive Accounts": the consent ends at the first data call after it was granted. */
  endsOnFirstUse: boolean;
}

type ConsentRow = Selectable<BankDatabase['bank_consents']> & { tenant: string; time_offset: number };

export class Consents {
  constructor(
    private readonly db: Kysely<BankDatabase>,
    private readonly holders: Holders,
    readonly settings: BankSettings,
    /** The store's name, given with every token so a client can tell when the bank lost its records. */
    private readonly instance: string,
  ) {}

  private consentQuery(db: Kysely<BankDatabase> | Transaction<BankDatabase> = this.db) {
    return db
      .selectFrom('bank_consents')
      .innerJoin('bank_users', 'bank_users.id', 'bank_consents.user_id')
      .selectAll('bank_consents')
      .select(['bank_users.tenant', 'bank_users.time_offset']);
  }

  private consentFrom(row: ConsentRow): Consent {
    const institution = institutionOrThrow(row.institution_id);
    return {
      id: row.id,
      clientId: row.client_id,
      institution,
      holder: { id: row.user_id, tenant: row.tenant, institution, offset: row.time_offset },
      accountIds: JSON.parse(row.account_ids) as string[],
      expiresAt: row.expires_at,
      status: row.status as ConsentStatus,
      endsOnFirstUse: row.ends_on_first_use === 1,
    };
  }

  /** A new consent over the accounts, and its first tokens. */
  async grant(
    clientId: string,
    holder: Holder,
    accountIds: string[],
  ): Promise<{ token: TokenBody; consentId: string }> {
    const now = this.holders.nowFor(holder);
    const refreshToken = secret('rt_');
    const consentId = secret('cons_');
    const held = await this.holders.accounts(accountIds);
    await this.db.transaction().execute(async (trx) => {
      // At Inactive Accounts the holder's first consent ends as soon as it is used; consenting
      // again (a relink) works.
      const earlier = await trx
        .selectFrom('bank_consents')
        .select('id')
        .where('user_id', '=', holder.id)
        .limit(1)
        .executeTakeFirst();
      await trx
        .insertInto('bank_consents')
        .values({
          id: consentId,
          client_id: clientId,
          user_id: holder.id,
          institution_id: holder.institution.id,
          account_ids: JSON.stringify(accountIds),
          expires_at: now + this.settings.consentTtlSeconds,
          status: 'active',
          ends_on_first_use: holder.institution.behaviour === 'inactive_after_link' && !earlier ? 1 : 0,
          refresh_digest: digest(refreshToken),
          ended_at: null,
          created: now,
        })
        .execute();
      for (const account of held) {
        // A tokenizing bank issues the first number with the first consent, and a new number each
        // time the holder consents again.
        if (isTokenized(account.account)) {
          if (account.facts.consents > 0) rotate(account.facts, now);
          else account.facts.numbersIssuedAt = now;
        }
        account.facts.consents += 1;
        await trx
          .updateTable('bank_accounts')
          .set(factColumns(account.facts))
          .where('id', '=', account.id)
          .execute();
      }
    });
    const consent = await this.byId(consentId);
    const token = { ...(await this.issueAccessToken(consent, refreshToken)), accounts: held.map(describe) };
    return { token, consentId };
  }

  private async byId(consentId: string): Promise<Consent> {
    const row = await this.consentQuery().where('bank_consents.id', '=', consentId).executeTakeFirst();
    if (!row) throw new BankError('server_error', 'The consent is gone.');
    return this.consentFrom(row);
  }

  /** The refresh token stays the same, so openfc processes refreshing at once do not lock each other out. */
  async refresh(clientId: string, refreshToken: string): Promise<TokenBody> {
    const row = await this.consentQuery()
      .where('bank_consents.refresh_digest', '=', digest(refreshToken))
      .executeTakeFirst();
    if (!row || row.client_id !== clientId) throw new BankError('invalid_grant', 'Unknown refresh token.');
    const consent = this.consentFrom(row);
    assertAvailable(consent.institution, this.holders.nowFor(consent.holder));
    this.checkConsent(consent);
    return this.issueAccessToken(consent, refreshToken);
  }

  /** RFC 7009: a token unknown to the bank (or issued to another client) is not an error. */
  async revoke(clientId: string, token: string): Promise<void> {
    const hashed = digest(token);
    const byAccess = await this.db
      .selectFrom('bank_access_tokens')
      .select('consent_id')
      .where('digest', '=', hashed)
      .executeTakeFirst();
    let query = this.db
      .updateTable('bank_consents')
      .set({ status: 'revoked', ended_at: this.holders.clock.now() })
      .where('client_id', '=', clientId);
    query = byAccess
      ? query.where('id', '=', byAccess.consent_id)
      : query.where('refresh_digest', '=', hashed);
    await query.execute();
  }

  async setStatus(consentId: string, status: ConsentStatus): Promise<void> {
    await this.db
      .updateTable('bank_consents')
      .set({ status, ended_at: status === 'active' ? null : this.holders.clock.now() })
      .where('id', '=', consentId)
      .execute();
  }

  /** Ends the consent at `at`, unless it ends earlier anyway. */
  async endAt(consent: Consent, at: number): Promise<void> {
    await this.db
      .updateTable('bank_consents')
      .set({ expires_at: Math.min(consent.expiresAt, at) })
      .where('id', '=', consent.id)
      .execute();
  }

  /** The consent behind an access token, if it still allows data calls. */
  async authenticate(accessToken: string): Promise<Consent> {
    const row = await this.consentQuery()
      .innerJoin('bank_access_tokens', 'bank_access_tokens.consent_id', 'bank_consents.id')
      .select('bank_access_tokens.expires_at as token_expires_at')
      .where('bank_access_tokens.digest', '=', digest(accessToken))
      .executeTakeFirst();
    if (!row) throw new BankError('invalid_token', 'Unknown access token.');
    const consent = this.consentFrom(row);
    const now = this.holders.nowFor(consent.holder);
    assertAvailable(consent.institution, now);
    this.checkConsent(consent);
    if (consent.endsOnFirstUse) {
      await this.db
        .updateTable('bank_consents')
        .set({ ends_on_first_use: 0, expires_at: now })
        .where('id', '=', consent.id)
        .execute();
      throw new BankError('consent_expired', 'Access to these accounts has expired.');
    }
    if (now >= row.token_expires_at)
      throw new BankError('access_token_expired', 'The access token has expired.');
    return consent;
  }

  /** One account under a consent, if the bank can serve it. */
  async consentedAccount(consent: Consent, accountId: string): Promise<HeldAccount> {
    const held = consent.accountIds.includes(accountId) ? await this.holders.account(accountId) : undefined;
    if (!held) throw new BankError('account_unavailable', 'This account is not shared under this consent.');
    if (held.facts.closed) throw new BankError('account_closed', 'This account is closed.');
    if (held.facts.unavailable)
      throw new BankError('account_unavailable', 'This account is no longer available.');
    return held;
  }

  async consentedAccounts(consent: Consent): Promise<AccountBody[]> {
    return (await this.holders.accounts(consent.accountIds)).map(describe);
  }

  async consentsOf(userId: string): Promise<Consent[]> {
    const rows = await this.consentQuery().where('bank_consents.user_id', '=', userId).execute();
    return rows.map((row) => this.consentFrom(row));
  }

  private checkConsent(consent: Consent): void {
    if (consent.status === 'revoked')
      throw new BankError('access_revoked', 'The account holder revoked access.');
    if (consent.status === 'disconnected')
      throw new BankError(
        'holder_disconnected',
        'The account holder disconnected this connection at the bank.',
      );
    if (consent.status === 'reauthentication_required')
      throw new BankError('reauthentication_required', 'The account holder must log in again.');
    if (this.holders.nowFor(consent.holder) >= consent.expiresAt)
      throw new BankError('consent_expired', 'The consent has ended.');
  }

  private async issueAccessToken(consent: Consent, refreshToken: string): Promise<TokenBody> {
    const now = this.holders.nowFor(consent.holder);
    const accessToken = secret('at_');
    const expiresAt = now + this.settings.accessTokenTtlSeconds;
    await this.db
      .insertInto('bank_access_tokens')
      .values({ digest: digest(accessToken), consent_id: consent.id, expires_at: expiresAt })
      .execute();
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: this.settings.accessTokenTtlSeconds,
      access_token_expires_at: expiresAt,
      refresh_token: refreshToken,
      consent_expires_at: consent.expiresAt,
      bank_user_id: consent.holder.id,
      bank_instance: this.instance,
    };
  }
}
