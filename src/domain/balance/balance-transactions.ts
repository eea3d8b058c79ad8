import type { Kysely, Selectable } from 'kysely';
import type { DialectCapabilities } from '../../store/dialect.ts';
import { type TimeRange, within } from '../../store/filters.ts';
import type { BalanceTransactionsTable, Database } from '../../store/schema.ts';
import { invalidRequest, resourceMissing } from '../errors.ts';
import { idKind, newId } from '../ids.ts';
import { fetchPage, type Page, type PageResult } from '../paging.ts';
import type { SandboxClocks } from '../sandbox-clock/clocks.ts';

export const balanceTransactionIds = idKind('txn');

/** Stripe's balance transaction types: what `GET /v1/balance_transactions?type=` accepts. */
export const balanceTransactionTypes = [
  'adjustment',
  'advance',
  'advance_funding',
  'anticipation_repayment',
  'application_fee',
  'application_fee_refund',
  'charge',
  'climate_order_purchase',
  'climate_order_refund',
  'connect_collection_transfer',
  'contribution',
  'fee_credit_funding',
  'inbound_transfer',
  'inbound_transfer_reversal',
  'issuing_authorization_hold',
  'issuing_authorization_release',
  'issuing_dispute',
  'issuing_transaction',
  'obligation_outbound',
  'obligation_reversal_inbound',
  'payment',
  'payment_failure_refund',
  'payment_network_reserve_hold',
  'payment_network_reserve_release',
  'payment_refund',
  'payment_reversal',
  'payment_unreconciled',
  'payout',
  'payout_cancel',
  'payout_failure',
  'payout_minimum_balance_hold',
  'payout_minimum_balance_release',
  'refund',
  'refund_failure',
  'reserve_hold',
  'reserve_release',
  'reserve_transaction',
  'reserved_funds',
  'stripe_balance_payment_debit',
  'stripe_balance_payment_debit_reversal',
  'stripe_fee',
  'stripe_fx_fee',
  'tax_fee',
  'tax_fund',
  'topup',
  'topup_reversal',
  'transfer',
  'transfer_cancel',
  'transfer_failure',
  'transfer_refund',
] as const;

export type BalanceTransactionType = (typeof balanceTransactionTypes)[number];

/** One fee taken from a movement of funds, as Stripe itemizes it in `fee_details`. */
export interface FeeDetail {
  amount: number;
  currency: string;
  description: string;
  type: 'stripe_fee';
}

/** Funds are `pending` until `availableOn` on the merchant's sandbox clock, then `available`. */
export type BalanceTransactionStatus = 'pending' | 'available';

/** A movement of a merchant's funds: Stripe's BalanceTransaction. */
export interface BalanceTransaction {
  id: string;
  created: number;
  type: BalanceTransactionType;
  reportingCategory: string;
  /** The object the funds moved for, such as the charge that brought them in. */
  source: string | null;
  amount: number;
  currency: string;
  fee: number;
  feeDetails: FeeDetail[];
  net: number;
  availableOn: number;
  description: string | null;
  /** Judged by the merchant's sandbox clock when the record was read. */
  status: BalanceTransactionStatus;
}

/** What a movement of funds records; its id, creation time, net and status follow from it. */
export type NewBalanceTransaction = Pick<
  BalanceTransaction,
  | 'type'
  | 'reportingCategory'
  | 'source'
  | 'amount'
  | 'currency'
  | 'feeDetails'
  | 'availableOn'
  | 'description'
>;

export interface BalanceTransactionFilter {
  type?: BalanceTransactionType | undefined;
  source?: string | undefined;
  currency?: string | undefined;
  created?: TimeRange | undefined;
}

/** A merchant's funds in one currency, by status: what a balance reports. */
export interface FundsByStatus {
  currency: string;
  available: number;
  pending: number;
}

export function statusAt(availableOn: number, now: number): BalanceTransactionStatus {
  return availableOn <= now ? 'available' : 'pending';
}

/** Stripe's refusal of a movement that would take more than the available funds. */
function balanceInsufficient(currency: string) {
  return invalidRequest(
    `You have insufficient available funds in your Stripe account for this transfer: your available ${currency} balance is too low. You can use the /v1/balance endpoint to view your Stripe balance.`,
    undefined,
    'balance_insufficient',
  );
}

function fromRow(row: Selectable<BalanceTransactionsTable>, now: number): BalanceTransaction {
  const availableOn = Number(row.available_on);
  return {
    id: row.id,
    created: Number(row.created),
    type: row.type as BalanceTransactionType,
    reportingCategory: row.reporting_category,
    source: row.source_id,
    amount: Number(row.amount),
    currency: row.currency,
    fee: Number(row.fee),
    feeDetails: JSON.parse(row.fee_details) as FeeDetail[],
    net: Number(row.net),
    availableOn,
    description: row.description,
    status: statusAt(availableOn, now),
  };
}

/**
 * The one module that reads and writes `balance_transactions`. Charges add to a merchant's
 * balance here; top-ups add funds the same way, and transfers and payouts take them out through
 * `withdraw`, the one place that checks a balance covers what leaves it. A transaction's status is
 * not stored: funds become available when the merchant's sandbox clock reaches `available_on`,
 * however the clock got there.
 */
export class BalanceTransactions {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clocks: SandboxClocks,
    private readonly caps: DialectCapabilities,
  ) {}

  /**
   * Records a movement of funds in the caller's transaction; its id. (The caller's transaction may
   * hold the only SQLite connection: nothing here reads outside it, not even the clock.)
   */
  async record(trx: Kysely<Database>, merchantId: string, entry: NewBalanceTransaction): Promise<string> {
    const fee = entry.feeDetails.reduce((sum, f) => sum + f.amount, 0);
    const id = newId(balanceTransactionIds);
    await trx
      .insertInto('balance_transactions')
      .values({
        id,
        merchant_id: merchantId,
        created: Math.floor(Date.now() / 1000),
        type: entry.type,
        reporting_category: entry.reportingCategory,
        source_id: entry.source,
        amount: entry.amount,
        currency: entry.currency,
        fee,
        fee_details: JSON.stringify(entry.feeDetails),
        net: entry.amount - fee,
        available_on: entry.availableOn,
        description: entry.description,
      })
      .execute();
    return id;
  }

  /**
   * Records, in the caller's transaction, a movement that takes available funds out of the
   * merchant's balance (a transfer, a payout: a negative amount); its id. `now` is the merchant's
   * clock, read before the transaction. The merchant's row is locked first, so that of two
   * withdrawals at once the second sees the first's (PostgreSQL; SQLite runs transactions one at
   * a time). Refused with `balance_insufficient`, recording nothing, when the funds available in
   * its currency are fewer than it takes.
   */
  async withdraw(
    trx: Kysely<Database>,
    merchantId: string,
    now: number,
    entry: NewBalanceTransaction,
  ): Promise<string> {
    if (entry.amount >= 0) throw new Error('a withdrawal takes funds out: its amount is negative');
    await this.caps
      .forUpdate(trx.selectFrom('merchant_accounts').select('id').where('id', '=', merchantId))
      .execute();
    const funds = await this.fundsAt(trx, merchantId, now);
    const available = funds.find((f) => f.currency === entry.currency)?.available ?? 0;
    const fee = entry.feeDetails.reduce((sum, f) => sum + f.amount, 0);
    if (available + entry.amount - fee < 0) throw balanceInsufficient(entry.currency);
    return this.record(trx, merchantId, entry);
  }

  async find(merchantId: string, id: string): Promise<BalanceTransaction | undefined> {
    const row = await this.db
      .selectFrom('balance_transactions')
      .selectAll()
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    return row && fromRow(row, await this.clocks.now(merchantId));
  }

  async get(merchantId: string, id: string, param = 'id'): Promise<BalanceTransaction> {
    const found = await this.find(merchantId, id);
    if (!found) throw resourceMissing('balance_transaction', id, param);
    return found;
  }

  /** Newest first, as Stripe lists them. */
  async list(
    merchantId: string,
    filter: BalanceTransactionFilter,
    page: Page,
  ): Promise<PageResult<BalanceTransaction>> {
    const result = await fetchPage(page, (w) => {
      let q = this.db.selectFrom('balance_transactions').selectAll().where('merchant_id', '=', merchantId);
      if (filter.type !== undefined) q = q.where('type', '=', filter.type);
      if (filter.source !== undefined) q = q.where('source_id', '=', filter.source);
      if (filter.currency !== undefined) q = q.where('currency', '=', filter.currency.toLowerCase());
      if (filter.created) q = q.where((eb) => within(eb, 'created', filter.created));
      if (w.cursor !== undefined) q = q.where('id', w.direction, w.cursor);
      return q.orderBy('id', w.order).limit(w.limit).execute();
    });
    const now = await this.clocks.now(merchantId);
    return { data: result.data.map((row) => fromRow(row, now)), hasMore: result.hasMore };
  }

  /** The merchant's net funds per currency, available and pending by its sandbox clock now. */
  async fundsByStatus(merchantId: string): Promise<FundsByStatus[]> {
    return this.fundsAt(this.db, merchantId, await this.clocks.now(merchantId));
  }

  private async fundsAt(db: Kysely<Database>, merchantId: string, now: number): Promise<FundsByStatus[]> {
    const rows = await db
      .selectFrom('balance_transactions')
      .select((eb) => [
        'currency',
        eb.fn
          .sum<string | number>(eb.case().when('available_on', '<=', now).then(eb.ref('net')).else(0).end())
          .as('available'),
        eb.fn
          .sum<string | number>(eb.case().when('available_on', '>', now).then(eb.ref('net')).else(0).end())
          .as('pending'),
      ])
      .where('merchant_id', '=', merchantId)
      .groupBy('currency')
      .orderBy('currency')
      .execute();
    return rows.map((r) => ({
      currency: r.currency,
      available: Number(r.available),
      pending: Number(r.pending),
    }));
  }
}
