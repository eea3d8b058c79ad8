import type { Kysely } from 'kysely';
import type { SandboxAccount, SandboxInstitution } from '../../bank/catalogue.ts';
import type { BankResult, InstitutionConnector } from '../../bank/connector.ts';
import type { Database } from '../../store/schema.ts';
import type { HolderTime } from './holder-time.ts';
import type { FcAccount, FcAuthorization } from './types.ts';

/**
 * The test helper's login without a browser: the sandbox bank issues a code for the catalogue
 * accounts the helper picked, as its consent page would after the holder ticked them.
 */
export class SandboxShortcut {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly connector: InstitutionConnector,
    private readonly holderTime: HolderTime,
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

  /** A code for the picked accounts (as the same holder, for a relink). */
  async code(
    merchantId: string,
    institution: SandboxInstitution,
    picked: SandboxAccount[],
    relinkAuth: FcAuthorization | undefined,
  ): Promise<BankResult<{ code: string }>> {
    const accountKeys = await this.consentKeys(picked, relinkAuth);
    const code = await this.connector.createSandboxAuthorization(institution.id, {
      tenant: merchantId,
      accountKeys,
      ...(relinkAuth?.bankUserId && { bankUser: relinkAuth.bankUserId }),
    });
    if (!code.ok) return code;
    // Before the consent is granted, so that it runs from the link on the merchant's clock.
    await this.holderTime.startAtMerchantTime(merchantId, code.value.bankUserId);
    return code;
  }
}
