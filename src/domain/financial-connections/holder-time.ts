import type { Kysely } from 'kysely';
import type { SandboxControl } from '../../bank/sandbox-control.ts';
import type { Database } from '../../store/schema.ts';
import type { SandboxClocks } from '../sandbox-clock/clocks.ts';

/**
 * A holder new to openfc starts at the merchant's sandbox time: the bank moves them by the
 * merchant clock's offset, as advancing the clock moved the merchant's earlier holders.
 */
export class HolderTime {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clocks: SandboxClocks,
    private readonly control: SandboxControl,
  ) {}

  /** Whether the merchant's sandbox clock runs ahead of real time. */
  async clockMoved(merchantId: string): Promise<boolean> {
    return (await this.clocks.get(merchantId)).offsetSeconds > 0;
  }

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
