import type { Kysely, Selectable } from 'kysely';
import type { ChargesTable, Database } from '../../store/schema.ts';
import { resourceMissing } from '../errors.ts';
import { idKind, newId } from '../ids.ts';
import { fetchPage, type Page, type PageResult } from '../paging.ts';
import type { UsBankAccountView } from './bank-account.ts';
import type { DebitFailure } from './payment-intent-rules.ts';

export const chargeIds = idKind('ch');

/** The bank account a charge debited, as it was when the debit was sent. */
export type DebitedAccount = Pick<
  UsBankAccountView,
  'accountHolderType' | 'accountType' | 'bankName' | 'fingerprint' | 'last4' | 'routingNumber'
>;

/**
 * The ACH debit of a PaymentIntent: `pending` from confirmation until it settles, then
 * `succeeded` (adding its funds to the merchant's balance) or `failed`. openfc keeps charges to
 * what a PaymentIntent needs (no refunds, disputes or captures).
 */
export interface Charge {
  id: string;
  created: number;
  paymentIntent: string;
  amount: number;
  currency: 'usd';
  customer: string | null;
  paymentMethod: string;
  mandate: string;
  description: string | null;
  status: ChargesTable['status'];
  failureCode: DebitFailure | null;
  failureMessage: string | null;
  debited: DebitedAccount;
  /** The balance transaction of a succeeded charge's funds. */
  balanceTransaction: string | null;
}

function fromRow(row: Selectable<ChargesTable>): Charge {
  return {
    id: row.id,
    created: Number(row.created),
    paymentIntent: row.payment_intent_id,
    amount: Number(row.amount),
    currency: row.currency,
    customer: row.customer_id,
    paymentMethod: row.payment_method_id,
    mandate: row.mandate_id,
    description: row.description,
    status: row.status,
    failureCode: row.failure_code as DebitFailure | null,
    failureMessage: row.failure_message,
    debited: JSON.parse(row.bank_details) as DebitedAccount,
    balanceTransaction: row.balance_transaction_id,
  };
}

/** The one module that reads and writes `charges`. */
export class ChargeStore {
  constructor(private readonly db: Kysely<Database>) {}

  async find(merchantId: string, id: string): Promise<Charge | undefined> {
    const row = await this.db
      .selectFrom('charges')
      .selectAll()
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  async get(merchantId: string, id: string, param = 'charge'): Promise<Charge> {
    const charge = await this.find(merchantId, id);
    if (!charge) throw resourceMissing('charge', id, param);
    return charge;
  }

  /** A new pending charge, written in the caller's transaction. */
  async insertPending(
    trx: Kysely<Database>,
    merchantId: string,
    charge: Omit<
      Charge,
      'id' | 'created' | 'status' | 'failureCode' | 'failureMessage' | 'balanceTransaction'
    >,
  ): Promise<Charge> {
    const made: Charge = {
      ...charge,
      id: newId(chargeIds),
      created: Math.floor(Date.now() / 1000),
      status: 'pending',
      failureCode: null,
      failureMessage: null,
      balanceTransaction: null,
    };
    await trx
      .insertInto('charges')
      .values({
        id: made.id,
        merchant_id: merchantId,
        created: made.created,
        payment_intent_id: made.paymentIntent,
        amount: made.amount,
        currency: made.currency,
        customer_id: made.customer,
        payment_method_id: made.paymentMethod,
        mandate_id: made.mandate,
        description: made.description,
        status: made.status,
        failure_code: null,
        failure_message: null,
        bank_details: JSON.stringify(made.debited),
        balance_transaction_id: null,
      })
      .execute();
    return made;
  }

  /** Settles a pending charge in the caller's transaction: succeeded, or failed with why. */
  async settle(
    trx: Kysely<Database>,
    merchantId: string,
    id: string,
    failure: { code: DebitFailure; message: string } | null,
  ): Promise<Charge> {
    await trx
      .updateTable('charges')
      .set({
        status: failure === null ? 'succeeded' : 'failed',
        failure_code: failure?.code ?? null,
        failure_message: failure?.message ?? null,
      })
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .where('status', '=', 'pending')
      .execute();
    return this.reread(trx, merchantId, id);
  }

  /** Names, in the caller's transaction, the balance transaction a succeeded charge's funds made. */
  async linkBalanceTransaction(
    trx: Kysely<Database>,
    merchantId: string,
    id: string,
    balanceTransaction: string,
  ): Promise<Charge> {
    await trx
      .updateTable('charges')
      .set({ balance_transaction_id: balanceTransaction })
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .where('status', '=', 'succeeded')
      .where('balance_transaction_id', 'is', null)
      .execute();
    return this.reread(trx, merchantId, id);
  }

  private async reread(trx: Kysely<Database>, merchantId: string, id: string): Promise<Charge> {
    const row = await trx
      .selectFrom('charges')
      .selectAll()
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirstOrThrow();
    return fromRow(row);
  }

  async list(
    merchantId: string,
    filter: {
      paymentIntent?: string | undefined;
      customer?: string | undefined;
      /** The dashboard's filters; `GET /v1/charges` has neither. */
      paymentMethod?: string | undefined;
      status?: Charge['status'] | undefined;
    },
    page: Page,
  ): Promise<PageResult<Charge>> {
    const result = await fetchPage(page, (w) => {
      let q = this.db.selectFrom('charges').selectAll().where('merchant_id', '=', merchantId);
      if (filter.paymentIntent !== undefined) q = q.where('payment_intent_id', '=', filter.paymentIntent);
      if (filter.customer !== undefined) q = q.where('customer_id', '=', filter.customer);
      if (filter.paymentMethod !== undefined) q = q.where('payment_method_id', '=', filter.paymentMethod);
      if (filter.status !== undefined) q = q.where('status', '=', filter.status);
      if (w.cursor !== undefined) q = q.where('id', w.direction, w.cursor);
      return q.orderBy('id', w.order).limit(w.limit).execute();
    });
    return { data: result.data.map(fromRow), hasMore: result.hasMore };
  }
}

declare module '../events/log.ts' {
  interface EventObjectTypes {
    charge: Charge;
  }
}
