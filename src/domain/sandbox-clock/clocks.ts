import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.ts';

export interface SandboxClock {
  merchantId: string;
  now: number;
  offsetSeconds: number;
}

/** The longest single advance: 400 days. */
export const maxAdvanceSeconds = 400 * 86_400;

const realNow = () => Math.floor(Date.now() / 1000);

/**
 * openfc's sandbox clock, one per merchant: real time plus an offset that only moves forward. The
 * merchant's consents, tokens and notices are judged by it.
 */
export class SandboxClocks {
  constructor(private readonly db: Kysely<Database>) {}

  async get(merchantId: string): Promise<SandboxClock> {
    const row = await this.db
      .selectFrom('sandbox_clocks')
      .select('offset_seconds')
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    const offsetSeconds = Number(row?.offset_seconds ?? 0);
    return { merchantId, now: realNow() + offsetSeconds, offsetSeconds };
  }

  async now(merchantId: string): Promise<number> {
    return (await this.get(merchantId)).now;
  }

  /** Moves the merchant's clock forward by `seconds` (a single atomic update). */
  async advance(merchantId: string, seconds: number): Promise<SandboxClock> {
    await this.db
      .insertInto('sandbox_clocks')
      .values({ merchant_id: merchantId, offset_seconds: seconds })
      .onConflict((oc) =>
        oc.column('merchant_id').doUpdateSet((eb) => ({
          offset_seconds: eb('sandbox_clocks.offset_seconds', '+', seconds),
        })),
      )
      .execute();
    return this.get(merchantId);
  }
}
