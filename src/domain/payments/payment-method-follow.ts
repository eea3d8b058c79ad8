import type { Kysely } from 'kysely';
import type { AccountNumbers } from '../../bank/connector.ts';
import type { Database } from '../../store/schema.ts';
import type { EventLog } from '../events/log.ts';
import type { NumbersFollower } from '../financial-connections/account-numbers.ts';
import type { FcAccount } from '../financial-connections/types.ts';
import { previousBankFields } from './bank-account.ts';
import { type PaymentMethodStore, paymentMethodOf } from './payment-method-store.ts';

/**
 * PaymentMethods follow their account's numbers: when the bank rotates, deactivates or (on a
 * relink) reissues them, every PaymentMethod on the account shows the change, and the merchant
 * hears of it in the transaction that stores the new numbers.
 */
export class PaymentMethodsFollowNumbers implements NumbersFollower {
  constructor(
    private readonly store: PaymentMethodStore,
    private readonly events: EventLog,
  ) {}

  async numbersChanged(
    trx: Kysely<Database>,
    account: FcAccount,
    before: readonly AccountNumbers[] | null,
    after: readonly AccountNumbers[],
  ): Promise<void> {
    for (const row of await this.store.onAccount(trx, account.id)) {
      const old = paymentMethodOf(row, account, before);
      const now = paymentMethodOf(row, account, after);
      const previous = previousBankFields(old.usBankAccount, now.usBankAccount);
      if (!previous) continue;
      await this.events.record(trx, row.merchant_id, {
        type: 'payment_method.automatically_updated',
        object: { kind: 'payment_method', record: now },
        previous: { us_bank_account: previous },
      });
    }
  }
}
