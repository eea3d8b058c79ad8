import { type Kysely, sql } from 'kysely';
import type { Database } from '../../store/schema.ts';
import type { SandboxClocks } from '../sandbox-clock/clocks.ts';
import type { AccountData } from './account-data.ts';
import type { BankSync } from './bank-sync.ts';
import type { ClockFollower } from './simulate.ts';

/** Other work that falls due on a merchant's clock (settling ACH debits and top-ups, moving payouts). */
export interface DueWork {
  runDue(merchantId: string, now: number): Promise<void>;
}

/** `work` as a follower of the sandbox clock: what an advance makes due runs before it returns. */
export function runsWhenAdvanced(work: DueWork, clocks: SandboxClocks): ClockFollower {
  return { advanceClock: async (merchantId) => work.runDue(merchantId, await clocks.now(merchantId)) };
}

/** At most this many bank checks per merchant in one pass; the rest wait for the next. */
const checksPerPass = 100;

/**
 * What openfc does on its own, without an API call, for every merchant: the daily refresh of
 * subscribed accounts that fell due, and a look at the bank for each connection not checked for
 * `bankCheckSeconds` (on the merchant's clock), so that what happened at the bank (a consent that
 * ended, the holder disconnecting) shows. Processes sharing a database claim each check with a
 * guarded update, so that only one of them makes it.
 */
export class ScheduledSync {
  /** Where failures (not bank failures: bugs, a lost database) are reported; the pass goes on. */
  onError: (error: unknown, context: { merchant: string; authorization?: string }) => void = (error) =>
    console.error(error);

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clocks: SandboxClocks,
    private readonly bank: BankSync,
    private readonly accountData: AccountData,
    private readonly bankCheckSeconds: number,
    private readonly dueWork: readonly DueWork[] = [],
  ) {}

  /** One pass over every merchant; stops between steps once `signal` is aborted. */
  async run(signal?: AbortSignal): Promise<void> {
    const merchants = await this.db.selectFrom('merchant_accounts').select('id').orderBy('id').execute();
    for (const { id } of merchants) {
      if (signal?.aborted) return;
      await this.runFor(id, signal).catch((error: unknown) => this.onError(error, { merchant: id }));
    }
  }

  async runFor(merchantId: string, signal?: AbortSignal): Promise<void> {
    const now = await this.clocks.now(merchantId);
    await this.accountData.refreshDue(merchantId, now);
    const due = await this.db
      .selectFrom('fc_authorizations')
      .select('id')
      .where('merchant_id', '=', merchantId)
      .where('status', '!=', 'disconnected')
      .where((eb) =>
        eb.or([eb('bank_checked_at', 'is', null), eb('bank_checked_at', '<=', now - this.bankCheckSeconds)]),
      )
      // The longest unchecked first. In this order SQLite walks fc_authorizations_bank_check
      // (never-checked entries sort first there) and stops at the limit; by id it would read every
      // authorization of the merchant through fc_authorizations_merchant on each pass.
      .orderBy(sql`bank_checked_at nulls first`)
      .limit(checksPerPass)
      .execute();
    for (const { id } of due) {
      if (signal?.aborted) return;
      if (!(await this.claimCheck(id, now))) continue;
      await this.bank
        .checkAuthorization(id)
        .catch((error: unknown) => this.onError(error, { merchant: merchantId, authorization: id }));
    }
    // After the bank checks: a debit settles on the numbers the bank holds now.
    for (const work of this.dueWork) {
      if (signal?.aborted) return;
      await work.runDue(merchantId, now);
    }
  }

  /**
   * Claims the check of an authorization that is due at `now`: true for exactly one caller, since
   * the update that claims it makes it no longer due.
   */
  async claimCheck(authorizationId: string, now: number): Promise<boolean> {
    const moved = await this.db
      .updateTable('fc_authorizations')
      .set({ bank_checked_at: now })
      .where('id', '=', authorizationId)
      .where('status', '!=', 'disconnected')
      .where((eb) =>
        eb.or([eb('bank_checked_at', 'is', null), eb('bank_checked_at', '<=', now - this.bankCheckSeconds)]),
      )
      .executeTakeFirst();
    return Number(moved.numUpdatedRows) === 1;
  }
}
