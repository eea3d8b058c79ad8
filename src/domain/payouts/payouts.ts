import type { Kysely, Selectable } from 'kysely';
import { type TimeRange, within } from '../../store/filters.ts';
import type { Database, PayoutsTable } from '../../store/schema.ts';
import type { BalanceTransactions, NewBalanceTransaction } from '../balance/balance-transactions.ts';
import { invalidRequest, resourceMissing } from '../errors.ts';
import type { EventLog, RequestRef } from '../events/log.ts';
import { madeObject } from '../idempotency/scope.ts';
import { idKind, newId } from '../ids.ts';
import { mergeMetadata, previousMetadata } from '../metadata.ts';
import { fetchPage, type Page, type PageResult } from '../paging.ts';
import { afterBusinessDays } from '../payments/payment-intent-rules.ts';
import type { SandboxClocks } from '../sandbox-clock/clocks.ts';
import type { ExternalAccountStore } from './external-account-store.ts';

export const payoutIds = idKind('po');

export type PayoutStatus = PayoutsTable['status'];

export const payoutStatuses: readonly PayoutStatus[] = [
  'pending',
  'in_transit',
  'paid',
  'failed',
  'canceled',
];

/** Business days after its creation that a payout leaves for the bank (`in_transit`). */
export const payoutTransitDays = 1;
/** Business days after its creation that a payout reaches the bank account: its `arrival_date`. */
export const payoutArrivalDays = 2;

/** Funds an account sends from its available balance to one of its bank accounts: Stripe's Payout. */
export interface Payout {
  id: string;
  /** The account paying out. */
  merchantId: string;
  created: number;
  amount: number;
  currency: string;
  status: PayoutStatus;
  method: 'standard';
  destination: string;
  inTransitAt: number;
  arrivalDate: number;
  balanceTransaction: string;
  failureBalanceTransaction: string | null;
  failureCode: string | null;
  failureMessage: string | null;
  description: string | null;
  metadata: Record<string, string>;
  statementDescriptor: string | null;
}

export interface PayoutInput {
  amount: number;
  currency: string;
  /** A bank account of the account; its default one for the currency when left out. */
  destination?: string | undefined;
  description?: string | undefined;
  metadata?: Record<string, string | null> | undefined;
  statementDescriptor?: string | undefined;
}

export interface PayoutFilter {
  status?: PayoutStatus | undefined;
  destination?: string | undefined;
  created?: TimeRange | undefined;
  arrivalDate?: TimeRange | undefined;
}

export function payoutFromRow(row: Selectable<PayoutsTable>): Payout {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    created: Number(row.created),
    amount: Number(row.amount),
    currency: row.currency,
    status: row.status,
    method: row.method,
    destination: row.destination,
    inTransitAt: Number(row.in_transit_at),
    arrivalDate: Number(row.arrival_date),
    balanceTransaction: row.balance_transaction_id,
    failureBalanceTransaction: row.failure_balance_transaction_id,
    failureCode: row.failure_code,
    failureMessage: row.failure_message,
    description: row.description,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    statementDescriptor: row.statement_descriptor,
  };
}

/** The balance transaction that returns a payout's funds to the balance (a cancel, a failure). */
export function returnedFunds(payout: Payout, type: 'payout_cancel' | 'payout_failure', now: number) {
  return {
    type,
    reportingCategory: 'payout_reversal',
    source: payout.id,
    amount: payout.amount,
    currency: payout.currency,
    feeDetails: [],
    availableOn: now,
    description: payout.description,
  } satisfies NewBalanceTransaction;
}

/**
 * Payouts: the funds leave the available balance when the payout is made (a `payout` balance
 * transaction, through `withdraw`); it is pending until it leaves for the bank, then in transit
 * until its arrival date, when it is paid or fails (`PayoutSettlement`, on the account's sandbox
 * clock). A pending payout can be canceled. The one module that writes `payouts` outside
 * settlement.
 */
export class PayoutService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly balance: BalanceTransactions,
    private readonly externalAccounts: ExternalAccountStore,
    private readonly clocks: SandboxClocks,
    private readonly events: EventLog,
  ) {}

  /** The bank account a payout goes to: the one named, or the default for the currency. */
  private async destinationOf(trx: Kysely<Database>, accountId: string, input: PayoutInput): Promise<string> {
    if (input.destination !== undefined) {
      const named = await this.externalAccounts.of(trx, accountId, input.destination);
      if (!named || named.currency !== input.currency)
        throw resourceMissing('external account', input.destination, 'destination');
      return named.id;
    }
    const inCurrency = await this.externalAccounts.inCurrency(trx, accountId, input.currency);
    const byDefault = inCurrency.find((e) => e.defaultForCurrency) ?? inCurrency[0];
    if (!byDefault)
      throw invalidRequest(
        `Sorry, you don't have any external accounts in that currency (${input.currency}).`,
        'currency',
      );
    return byDefault.id;
  }

  async create(merchantId: string, input: PayoutInput, request?: RequestRef): Promise<Payout> {
    const now = await this.clocks.now(merchantId);
    const id = newId(payoutIds);
    madeObject(id);
    return this.db.transaction().execute(async (trx) => {
      const destination = await this.destinationOf(trx, merchantId, input);
      const balanceTransaction = await this.balance.withdraw(trx, merchantId, now, {
        type: 'payout',
        reportingCategory: 'payout',
        source: id,
        amount: -input.amount,
        currency: input.currency,
        feeDetails: [],
        availableOn: now,
        description: input.description ?? null,
      });
      const row: Selectable<PayoutsTable> = {
        id,
        merchant_id: merchantId,
        created: Math.floor(Date.now() / 1000),
        amount: input.amount,
        currency: input.currency,
        status: 'pending',
        method: 'standard',
        destination,
        in_transit_at: afterBusinessDays(now, payoutTransitDays),
        arrival_date: afterBusinessDays(now, payoutArrivalDays),
        balance_transaction_id: balanceTransaction,
        failure_balance_transaction_id: null,
        failure_code: null,
        failure_message: null,
        description: input.description ?? null,
        metadata: JSON.stringify(mergeMetadata({}, input.metadata)),
        statement_descriptor: input.statementDescriptor ?? null,
      };
      await trx.insertInto('payouts').values(row).execute();
      const payout = payoutFromRow(row);
      await this.events.record(
        trx,
        merchantId,
        { type: 'payout.created', object: { kind: 'payout', record: payout } },
        request,
      );
      return payout;
    });
  }

  async find(merchantId: string, id: string): Promise<Payout | undefined> {
    const row = await this.db
      .selectFrom('payouts')
      .selectAll()
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    return row && payoutFromRow(row);
  }

  async get(merchantId: string, id: string): Promise<Payout> {
    const payout = await this.find(merchantId, id);
    if (!payout) throw resourceMissing('payout', id);
    return payout;
  }

  /** Sets the metadata (all Stripe lets change), with a `payout.updated` event if it changed. */
  async update(
    merchantId: string,
    id: string,
    changes: { metadata?: Record<string, string | null> | undefined },
    request?: RequestRef,
  ): Promise<Payout> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('payouts')
        .selectAll()
        .where('id', '=', id)
        .where('merchant_id', '=', merchantId)
        .executeTakeFirst();
      if (!row) throw resourceMissing('payout', id);
      const current = payoutFromRow(row);
      const next: Payout = { ...current, metadata: mergeMetadata(current.metadata, changes.metadata) };
      const metadata = previousMetadata(current.metadata, next.metadata);
      if (!metadata) return current;
      await trx
        .updateTable('payouts')
        .set({ metadata: JSON.stringify(next.metadata) })
        .where('id', '=', id)
        .execute();
      await this.events.record(
        trx,
        merchantId,
        { type: 'payout.updated', object: { kind: 'payout', record: next }, previous: { metadata } },
        request,
      );
      return next;
    });
  }

  /** Cancels a pending payout: its funds return to the balance (a `payout_cancel` transaction). */
  async cancel(merchantId: string, id: string, request?: RequestRef): Promise<Payout> {
    const current = await this.get(merchantId, id);
    const now = await this.clocks.now(merchantId);
    const canceled = await this.db.transaction().execute(async (trx) => {
      const moved = await trx
        .updateTable('payouts')
        .set({ status: 'canceled' })
        .where('id', '=', id)
        .where('merchant_id', '=', merchantId)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) === 0) return undefined;
      await this.balance.record(trx, merchantId, returnedFunds(current, 'payout_cancel', now));
      const payout: Payout = { ...current, status: 'canceled' };
      await this.events.record(
        trx,
        merchantId,
        { type: 'payout.canceled', object: { kind: 'payout', record: payout } },
        request,
      );
      return payout;
    });
    if (!canceled) {
      const { status } = await this.get(merchantId, id);
      throw invalidRequest(
        `Payouts can only be canceled while they are pending. This payout has a status of ${status}.`,
      );
    }
    return canceled;
  }

  /** Newest first. */
  async list(merchantId: string, filter: PayoutFilter, page: Page): Promise<PageResult<Payout>> {
    const result = await fetchPage(page, (w) => {
      let q = this.db.selectFrom('payouts').selectAll().where('merchant_id', '=', merchantId);
      if (filter.status !== undefined) q = q.where('status', '=', filter.status);
      if (filter.destination !== undefined) q = q.where('destination', '=', filter.destination);
      if (filter.created) q = q.where((eb) => within(eb, 'created', filter.created));
      if (filter.arrivalDate) q = q.where((eb) => within(eb, 'arrival_date', filter.arrivalDate));
      if (w.cursor !== undefined) q = q.where('id', w.direction, w.cursor);
      return q.orderBy('id', w.order).limit(w.limit).execute();
    });
    return { data: result.data.map(payoutFromRow), hasMore: result.hasMore };
  }
}

declare module '../events/log.ts' {
  interface EventObjectTypes {
    payout: Payout;
  }
}
