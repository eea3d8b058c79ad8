import type { Kysely, Selectable } from 'kysely';
import type { AccountNumbers } from '../../bank/connector.ts';
import type { Database, PaymentMethodsTable } from '../../store/schema.ts';
import type { FcAccount } from '../financial-connections/types.ts';
import { fetchPage, type Page, type PageResult } from '../paging.ts';
import { type UsBankAccountView, viewOf } from './bank-account.ts';
import type { BillingDetails } from './billing-details.ts';
import { bankNameOf, type EnteredBehaviour } from './manual-entry.ts';

/**
 * A `us_bank_account` PaymentMethod: on a linked account, its bank details read from the
 * account now; on entered numbers, the numbers as entered.
 */
export interface PaymentMethod {
  id: string;
  created: number;
  customer: string | null;
  billingDetails: BillingDetails;
  metadata: Record<string, string>;
  usBankAccount: UsBankAccountView;
  /**
   * Entered numbers only: what the sandbox bank does with them, and whether they are verified
   * (from a test token at once, entered by hand once their microdeposits verified). Never rendered.
   */
  entered: (EnteredBehaviour & { verified: boolean }) | null;
}

export type PaymentMethodRow = Selectable<PaymentMethodsTable>;

/** The PaymentMethod of a row, on its account with the given numbers. */
export function paymentMethodOf(
  row: PaymentMethodRow,
  account: FcAccount,
  numbers: readonly AccountNumbers[] | null,
): PaymentMethod {
  const view = viewOf(row.merchant_id, account, numbers, {
    accountHolderType: row.account_holder_type,
    accountType: row.account_type,
  });
  return { ...commonOf(row), usBankAccount: view, entered: null };
}

/** The PaymentMethod of a row of entered numbers; `behaviour` follows from the sealed number. */
export function enteredPaymentMethodOf(row: PaymentMethodRow, behaviour: EnteredBehaviour): PaymentMethod {
  const routingNumber = row.routing_number ?? '';
  return {
    ...commonOf(row),
    usBankAccount: {
      accountHolderType: row.account_holder_type,
      // Stripe's default for an account entered without a type.
      accountType: row.account_type ?? 'checking',
      bankName: bankNameOf(routingNumber),
      financialConnectionsAccount: null,
      fingerprint: row.fingerprint ?? '',
      last4: row.last4,
      routingNumber,
      supportedNetworks: ['ach'],
      blocked: null,
    },
    entered: {
      ...behaviour,
      verified: Number(row.test_token ?? 0) === 1 || Number(row.verified ?? 0) === 1,
    },
  };
}

function commonOf(row: PaymentMethodRow) {
  return {
    id: row.id,
    created: Number(row.created),
    customer: row.customer_id,
    billingDetails: JSON.parse(row.billing_details) as BillingDetails,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
  };
}

/** The one module that reads and writes `payment_methods`. */
export class PaymentMethodStore {
  constructor(private readonly db: Kysely<Database>) {}

  async find(merchantId: string, id: string): Promise<PaymentMethodRow | undefined> {
    return this.db
      .selectFrom('payment_methods')
      .selectAll()
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
  }

  async insert(trx: Kysely<Database>, row: PaymentMethodRow): Promise<void> {
    await trx.insertInto('payment_methods').values(row).execute();
  }

  /** Writes what an update may change: the holder and account types, billing details, metadata. */
  async setDetails(trx: Kysely<Database>, row: PaymentMethodRow): Promise<void> {
    await trx
      .updateTable('payment_methods')
      .set({
        account_holder_type: row.account_holder_type,
        account_type: row.account_type,
        billing_details: row.billing_details,
        metadata: row.metadata,
      })
      .where('id', '=', row.id)
      .where('merchant_id', '=', row.merchant_id)
      .execute();
  }

  /** Remembers that its entered numbers were verified with microdeposits. */
  async markVerified(trx: Kysely<Database>, merchantId: string, id: string): Promise<void> {
    await trx
      .updateTable('payment_methods')
      .set({ verified: 1 })
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .execute();
  }

  /** Attaches an unattached PaymentMethod; false when it was attached meanwhile. */
  async attach(trx: Kysely<Database>, merchantId: string, id: string, customer: string): Promise<boolean> {
    const moved = await trx
      .updateTable('payment_methods')
      .set({ customer_id: customer })
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .where('customer_id', 'is', null)
      .executeTakeFirst();
    return Number(moved.numUpdatedRows) === 1;
  }

  /** Detaches from `customer`; false when it was detached meanwhile. */
  async detach(trx: Kysely<Database>, merchantId: string, id: string, customer: string): Promise<boolean> {
    const moved = await trx
      .updateTable('payment_methods')
      .set({ customer_id: null })
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .where('customer_id', '=', customer)
      .executeTakeFirst();
    return Number(moved.numUpdatedRows) === 1;
  }

  /** The PaymentMethods built on an account, as `db` (a transaction) sees them. */
  async onAccount(db: Kysely<Database>, accountId: string): Promise<PaymentMethodRow[]> {
    return db
      .selectFrom('payment_methods')
      .selectAll()
      .where('fc_account_id', '=', accountId)
      .orderBy('id')
      .execute();
  }

  async list(
    merchantId: string,
    filter: { customer?: string | undefined; account?: string | undefined },
    page: Page,
  ): Promise<PageResult<PaymentMethodRow>> {
    return fetchPage(page, (w) => {
      let q = this.db.selectFrom('payment_methods').selectAll().where('merchant_id', '=', merchantId);
      if (filter.customer !== undefined) q = q.where('customer_id', '=', filter.customer);
      if (filter.account !== undefined) q = q.where('fc_account_id', '=', filter.account);
      if (w.cursor !== undefined) q = q.where('id', w.direction, w.cursor);
      return q.orderBy('id', w.order).limit(w.limit).execute();
    });
  }
}

declare module '../events/log.ts' {
  interface EventObjectTypes {
    payment_method: PaymentMethod;
  }
}
