import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.ts';
import type { EventLog } from '../events/log.ts';
import type { BalanceTransactions, NewBalanceTransaction } from './balance-transactions.ts';
import { type Topup, topupFromRow } from './topups.ts';

/** At most this many top-ups per merchant settle in one pass; the rest wait for the next. */
const settlementsPerPass = 100;

/** What a succeeded top-up adds to the balance: all of it, free of fees, available at once. */
function topupFunds(topup: Topup): NewBalanceTransaction {
  return {
    type: 'topup',
    reportingCategory: 'topup',
    source: topup.id,
    amount: topup.amount,
    currency: topup.currency,
    feeDetails: [],
    availableOn: topup.settlesAt,
    description: topup.description,
  };
}

/**
 * Settles the top-ups that fell due on the merchant's sandbox clock: each succeeds, and its funds
 * enter the balance, in one transaction. Runs when the clock is advanced and on the scheduler's
 * passes; processes sharing a database settle each top-up once, by a guarded update (a cancel
 * that came first wins the same way).
 */
export class TopupSettlement {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly balance: BalanceTransactions,
    private readonly events: EventLog,
  ) {}

  async runDue(merchantId: string, now: number): Promise<void> {
    const due = await this.db
      .selectFrom('topups')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('status', '=', 'pending')
      .where('settles_at', '<=', now)
      .orderBy('settles_at')
      .limit(settlementsPerPass)
      .execute();
    for (const row of due) await this.settle(merchantId, topupFromRow(row));
  }

  private async settle(merchantId: string, topup: Topup): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const claimed = await trx
        .updateTable('topups')
        .set({ status: 'succeeded' })
        .where('id', '=', topup.id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 0) return;
      const funds = await this.balance.record(trx, merchantId, topupFunds(topup));
      await trx
        .updateTable('topups')
        .set({ balance_transaction_id: funds })
        .where('id', '=', topup.id)
        .execute();
      const succeeded: Topup = { ...topup, status: 'succeeded', balanceTransaction: funds };
      await this.events.record(trx, merchantId, {
        type: 'topup.succeeded',
        object: { kind: 'topup', record: succeeded },
      });
    });
  }
}
