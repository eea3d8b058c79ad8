import type { Kysely } from 'kysely';
import type { SandboxAccount, SandboxInstitution } from '../../bank/catalogue.ts';
import type { SandboxControl } from '../../bank/sandbox-control.ts';
import type { Database } from '../../store/schema.ts';
import { invalidRequest } from '../errors.ts';
import type { SandboxClocks } from '../sandbox-clock/clocks.ts';
import type { BankSync } from './bank-sync.ts';
import { type Credentials, holderAtBank, logInWithCredentials } from './credential-login.ts';
import type { FcAccount, FcAuthorization } from './types.ts';

/**
 * The holder's login at the bank when a session completes: the sandbox shortcut (for the accounts
 * consented to) or the holder's own credential login. Either way a holder new to openfc starts at
 * the merchant's sandbox time.
 */
export class BankLogin {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly bank: BankSync,
    private readonly clocks: SandboxClocks,
    private readonly control: SandboxControl,
  ) {}

  /**
   * The accounts the holder consents to share: the picked ones and, on a relink, those the
   * authorization already holds, so that re-authenticating restores their access too.
   */
  private async consentKeys(
    picked: SandboxAccount[],
    relinkAuth: FcAuthorization | undefined,
  ): Promise<string[]> {
    const keys = new Set(picked.map((a) => a.key));
    if (relinkAuth) {
      const held = await this.db
        .selectFrom('fc_accounts')
        .select(['bank_account_key', 'status', 'status_details'])
        .where('authorization_id', '=', relinkAuth.id)
        .where('status', '!=', 'disconnected')
        .execute();
      for (const row of held) {
        const details = JSON.parse(row.status_details) as FcAccount['statusDetails'];
        if (row.status === 'active' || details.inactive?.action === 'relink_required')
          keys.add(row.bank_account_key);
      }
    }
    return [...keys];
  }

  /** Logs in at the bank for the picked accounts (as the same holder, for a relink). */
  async shortcut(
    merchantId: string,
    institution: SandboxInstitution,
    picked: SandboxAccount[],
    relinkAuth: FcAuthorization | undefined,
  ) {
    const accountKeys = await this.consentKeys(picked, relinkAuth);
    const connector = this.bank.connector;
    const code = await connector.createSandboxAuthorization(institution.id, {
      tenant: merchantId,
      accountKeys,
      ...(relinkAuth?.bankUserId && { bankUser: relinkAuth.bankUserId }),
    });
    if (!code.ok) return code;
    // Before the consent is granted, so that it runs from the link on the merchant's clock.
    await this.startAtMerchantTime(merchantId, code.value.bankUserId);
    return connector.exchangeCode(institution.id, { code: code.value.code });
  }

  /**
   * The holder's own login at a credential institution; a relink must log in as the holder of the
   * authorization it repairs.
   */
  async withCredentials(
    merchantId: string,
    institution: SandboxInstitution,
    relinkAuth: FcAuthorization | undefined,
    credentials: Credentials,
  ) {
    const holder = await holderAtBank(this.control, merchantId, institution, credentials.username);
    if (!holder.ok) return holder;
    if (relinkAuth?.bankUserId && holder.value !== relinkAuth.bankUserId) {
      throw invalidRequest(
        `This relink session is for an authorization of another holder at ${institution.name}: log in with the username that linked it.`,
        'credentials[username]',
      );
    }
    // Before the consent is granted, so that it runs from the link on the merchant's clock.
    await this.startAtMerchantTime(merchantId, holder.value);
    return logInWithCredentials(this.bank.connector, merchantId, institution, credentials);
  }

  /**
   * A holder new to openfc starts at the merchant's sandbox time: the bank moves them by the
   * merchant clock's offset, as advancing the clock moved the merchant's earlier holders.
   */
  async startAtMerchantTime(merchantId: string, bankUserId: string): Promise<void> {
    const { offsetSeconds } = await this.clocks.get(merchantId);
    if (offsetSeconds <= 0) return;
    const known = await this.db
      .selectFrom('fc_authorizations')
      .select('id')
      .where('bank_user_id', '=', bankUserId)
      .executeTakeFirst();
    if (!known) await this.control.advanceUser(merchantId, bankUserId, offsetSeconds);
  }
}
