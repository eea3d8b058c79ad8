import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.ts';
import type { BalanceTransactions } from '../balance/balance-transactions.ts';
import type { EventLog } from '../events/log.ts';
import type { ExternalAccountService } from './external-accounts.ts';
import { type Payout, payoutFromRow, returnedFunds } from './payouts.ts';

/** At most this many payouts per account move in one pass; the rest wait for the next. */
const movesPerPass = 100;

/**
 * Moves payouts on along the account's sandbox clock: a pending payout leaves for the bank
 * (`in_transit`, with `payout.updated`) once its transit time comes; at its arrival date it is
 * `paid`, or `failed` when its bank account cannot receive it then (its funds return to the
 * balance in a `payout_failure` balance transaction). Runs when the clock is advanced and on the
 * scheduler's passes; each step is a guarded update, so processes sharing a database take it
 * once, and a cancel that came first wins the same way.
 */
export class PayoutSettlement {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly balance: BalanceTransactions,
    private readonly externalAccounts: ExternalAccountService,
    private readonly events: EventLog,
  ) {}

  async runDue(merchantId: string, now: number): Promise<void> {
    const due = await this.db
      .selectFrom('payouts')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('status', 'in', ['pending', 'in_transit'])
      .where('in_transit_at', '<=', now)
      .orderBy('in_transit_at')
      .limit(movesPerPass)
      .execute();
    for (const row of due) {
      let payout = payoutFromRow(row);
      if (payout.status === 'pending') {
        const sent = await this.leave(payout);
        if (!sent) continue;
        payout = sent;
      }
      if (payout.arrivalDate <= now) await this.arrive(payout, now);
    }
  }

  /** The payout leaves for the bank; undefined when something else moved it first. */
  private async leave(payout: Payout): Promise<Payout | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const moved = await trx
        .updateTable('payouts')
        .set({ status: 'in_transit' })
        .where('id', '=', payout.id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) === 0) return undefined;
      const sent: Payout = { ...payout, status: 'in_transit' };
      await this.events.record(trx, payout.merchantId, {
        type: 'payout.updated',
        object: { kind: 'payout', record: sent },
        previous: { status: 'pending' },
      });
      return sent;
    });
  }

  /** The payout reaches the bank: paid, or failed when the bank account cannot receive it now. */
  private async arrive(payout: Payout, now: number): Promise<void> {
    // Judged before the transaction, which may hold the only SQLite connection.
    const destination = await this.externalAccounts.payoutDestination(payout.merchantId, payout.destination);
    await this.db.transaction().execute(async (trx) => {
      if (destination.ok) {
        const moved = await trx
          .updateTable('payouts')
          .set({ status: 'paid' })
          .where('id', '=', payout.id)
          .where('status', '=', 'in_transit')
          .executeTakeFirst();
        if (Number(moved.numUpdatedRows) === 0) return;
        await this.events.record(trx, payout.merchantId, {
          type: 'payout.paid',
          object: { kind: 'payout', record: { ...payout, status: 'paid' } },
        });
        return;
      }
      const moved = await trx
        .updateTable('payouts')
        .set({
          status: 'failed',
          failure_code: destination.failureCode,
          failure_message: destination.message,
        })
        .where('id', '=', payout.id)
        .where('status', '=', 'in_transit')
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) === 0) return;
      const refund = await this.balance.record(
        trx,
        payout.merchantId,
        returnedFunds(payout, 'payout_failure', now),
      );
      await trx
        .updateTable('payouts')
        .set({ failure_balance_transaction_id: refund })
        .where('id', '=', payout.id)
        .execute();
      const failed: Payout = {
        ...payout,
        status: 'failed',
        failureCode: destination.failureCode,
        failureMessage: destination.message,
        failureBalanceTransaction: refund,
      };
      await this.events.record(trx, payout.merchantId, {
        type: 'payout.failed',
        object: { kind: 'payout', record: failed },
      });
    });
  }
}
