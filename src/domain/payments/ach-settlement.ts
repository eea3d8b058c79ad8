import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.ts';
import type { BalanceTransactions } from '../balance/balance-transactions.ts';
import type { EventLog } from '../events/log.ts';
import { chargeFunds } from './ach-funds.ts';
import type { Charge, ChargeStore } from './charges.ts';
import type { DebitOutcome } from './manual-entry.ts';
import { failureOf } from './payment-intent-rules.ts';
import type { PaymentIntent, PaymentIntentStore } from './payment-intent-store.ts';
import type { PaymentMethod } from './payment-method-store.ts';
import type { PaymentMethodService } from './payment-methods.ts';

/** At most this many debits per merchant settle in one pass; the rest wait for the next. */
const settlementsPerPass = 100;

/**
 * How the bank answers a debit at settlement. On a linked account it pays or returns the debit
 * on the numbers it holds then: a PaymentMethod blocked by then (numbers deactivated, account
 * closed) fails; one unblocked by a relink in the meantime succeeds. Entered numbers behave as
 * Stripe's test numbers do.
 */
function outcomeOf(paymentMethod: PaymentMethod): DebitOutcome {
  if (paymentMethod.entered) return paymentMethod.entered.debit;
  const blocked = paymentMethod.usBankAccount.blocked;
  return blocked === null ? { settles: 'succeeded' } : { settles: 'failed', failure: failureOf(blocked) };
}

/**
 * Settles ACH debits that fell due on the merchant's sandbox clock, as `outcomeOf` says. Runs
 * when the clock is advanced and on the scheduler's passes; processes sharing a database settle
 * each debit once, by a guarded update. A debit that succeeds adds its funds, less Stripe's fee,
 * to the merchant's balance in the same transaction.
 */
export class AchSettlement {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly intents: PaymentIntentStore,
    private readonly charges: ChargeStore,
    private readonly balance: BalanceTransactions,
    private readonly paymentMethods: PaymentMethodService,
    private readonly events: EventLog,
  ) {}

  async runDue(merchantId: string, now: number): Promise<void> {
    for (const intent of await this.intents.settling(merchantId, now, settlementsPerPass)) {
      await this.settle(merchantId, intent);
    }
  }

  private async settle(merchantId: string, intent: PaymentIntent): Promise<void> {
    const chargeId = intent.latestCharge;
    if (intent.paymentMethod === null || chargeId === null || intent.settlesAt === null) return;
    const settledAt = intent.settlesAt;
    const paymentMethod = await this.paymentMethods.get(merchantId, intent.paymentMethod);
    const outcome = outcomeOf(paymentMethod);
    if (outcome.settles === 'never') {
      // The debit stays processing: it is no longer due, so later passes do not pick it again.
      const undue: PaymentIntent = { ...intent, settlesAt: null };
      await this.db.transaction().execute((trx) => this.intents.tryMove(trx, merchantId, intent, undue));
      return;
    }
    const failure = outcome.settles === 'failed' ? outcome.failure : null;
    const next: PaymentIntent =
      failure === null
        ? { ...intent, status: 'succeeded', settlesAt: null }
        : {
            ...intent,
            status: 'requires_payment_method',
            // As on Stripe, a failed debit leaves the PaymentIntent without a PaymentMethod:
            // the error keeps the one that failed.
            paymentMethod: null,
            settlesAt: null,
            lastPaymentError: { ...failure, charge: chargeId, paymentMethod },
          };
    await this.db.transaction().execute(async (trx) => {
      if (!(await this.intents.tryMove(trx, merchantId, intent, next))) return;
      const settled = await this.charges.settle(trx, merchantId, chargeId, failure);
      const charge = failure === null ? await this.addFunds(trx, merchantId, settled, settledAt) : settled;
      const outcome = failure === null ? 'succeeded' : 'failed';
      await this.events.record(trx, merchantId, {
        type: `charge.${outcome}`,
        object: { kind: 'charge', record: charge },
      });
      await this.events.record(trx, merchantId, {
        type: failure === null ? 'payment_intent.succeeded' : 'payment_intent.payment_failed',
        object: { kind: 'payment_intent', record: next },
      });
    });
  }

  /** The succeeded charge's funds enter the balance; the charge names their balance transaction. */
  private async addFunds(
    trx: Kysely<Database>,
    merchantId: string,
    charge: Charge,
    succeededAt: number,
  ): Promise<Charge> {
    const funds = await this.balance.record(trx, merchantId, chargeFunds(charge, succeededAt));
    return this.charges.linkBalanceTransaction(trx, merchantId, charge.id, funds);
  }
}
