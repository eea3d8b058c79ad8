import type { Kysely, Selectable } from 'kysely';
import { type TimeRange, within } from '../../store/filters.ts';
import type { Database, TransfersTable } from '../../store/schema.ts';
import { resourceMissing } from '../errors.ts';
import type { EventLog, RequestRef } from '../events/log.ts';
import { madeObject } from '../idempotency/scope.ts';
import { idKind, newId } from '../ids.ts';
import type { ConnectedAccountService } from '../merchants/connected-accounts.ts';
import type { Merchant } from '../merchants/service.ts';
import { mergeMetadata, previousMetadata } from '../metadata.ts';
import { fetchPage, type Page, type PageResult } from '../paging.ts';
import type { SandboxClocks } from '../sandbox-clock/clocks.ts';
import type { BalanceTransactions } from './balance-transactions.ts';

export const transferIds = idKind('tr');
/** The payment a transfer arrives as on the connected account, as Stripe names it. */
export const destinationPaymentIds = idKind('py');

/** Funds a platform sent from its available balance to one of its connected accounts. */
export interface Transfer {
  id: string;
  created: number;
  amount: number;
  currency: string;
  destination: string;
  destinationPayment: string;
  balanceTransaction: string;
  description: string | null;
  metadata: Record<string, string>;
  transferGroup: string | null;
}

export interface TransferInput {
  amount: number;
  currency: string;
  destination: string;
  description?: string | undefined;
  metadata?: Record<string, string | null> | undefined;
  transferGroup?: string | undefined;
}

/** What an update sets: Stripe lets only these change. `null` clears the description. */
export interface TransferChanges {
  description?: string | null | undefined;
  metadata?: Record<string, string | null> | undefined;
}

export interface TransferFilter {
  destination?: string | undefined;
  created?: TimeRange | undefined;
  transferGroup?: string | undefined;
}

function fromRow(row: Selectable<TransfersTable>): Transfer {
  return {
    id: row.id,
    created: Number(row.created),
    amount: Number(row.amount),
    currency: row.currency,
    destination: row.destination,
    destinationPayment: row.destination_payment,
    balanceTransaction: row.balance_transaction_id,
    description: row.description,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    transferGroup: row.transfer_group,
  };
}

/** The fields of `before` that differ in `after`, with their old values, as Stripe's wire names them. */
function changedFields(before: Transfer, after: Transfer): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (before.description !== after.description) out.description = before.description;
  const metadata = previousMetadata(before.metadata, after.metadata);
  if (metadata) out.metadata = metadata;
  return out;
}

/**
 * Transfers from a platform to its connected accounts. The funds leave the platform's available
 * balance (a `transfer` balance transaction) and arrive, available at once, in the connected
 * account's (a `payment` balance transaction whose source is the destination payment), in one
 * database transaction that checks the platform's balance covers them.
 */
export class TransferService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly balance: BalanceTransactions,
    private readonly accounts: ConnectedAccountService,
    private readonly clocks: SandboxClocks,
    private readonly events: EventLog,
  ) {}

  async create(platform: Merchant, input: TransferInput, request?: RequestRef): Promise<Transfer> {
    const destination = await this.accounts.actingAs(platform, input.destination);
    if (!destination || destination.id === platform.id)
      throw resourceMissing('destination', input.destination, 'destination');
    // Each account's funds are judged by its own clock, read before the transaction.
    const platformNow = await this.clocks.now(platform.id);
    const destinationNow = await this.clocks.now(destination.id);
    const id = newId(transferIds);
    const destinationPayment = newId(destinationPaymentIds);
    madeObject(id);
    return this.db.transaction().execute(async (trx) => {
      const balanceTransaction = await this.balance.withdraw(trx, platform.id, platformNow, {
        type: 'transfer',
        reportingCategory: 'transfer',
        source: id,
        amount: -input.amount,
        currency: input.currency,
        feeDetails: [],
        availableOn: platformNow,
        description: input.description ?? null,
      });
      const row = {
        id,
        merchant_id: platform.id,
        created: Math.floor(Date.now() / 1000),
        amount: input.amount,
        currency: input.currency,
        destination: destination.id,
        destination_payment: destinationPayment,
        balance_transaction_id: balanceTransaction,
        description: input.description ?? null,
        metadata: JSON.stringify(mergeMetadata({}, input.metadata)),
        transfer_group: input.transferGroup ?? null,
      };
      await trx.insertInto('transfers').values(row).execute();
      await this.balance.record(trx, destination.id, {
        type: 'payment',
        reportingCategory: 'charge',
        source: destinationPayment,
        amount: input.amount,
        currency: input.currency,
        feeDetails: [],
        availableOn: destinationNow,
        description: null,
      });
      const transfer = fromRow(row);
      await this.events.record(
        trx,
        platform.id,
        { type: 'transfer.created', object: { kind: 'transfer', record: transfer } },
        request,
      );
      return transfer;
    });
  }

  async find(merchantId: string, id: string): Promise<Transfer | undefined> {
    const row = await this.db
      .selectFrom('transfers')
      .selectAll()
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  async get(merchantId: string, id: string): Promise<Transfer> {
    const transfer = await this.find(merchantId, id);
    if (!transfer) throw resourceMissing('transfer', id);
    return transfer;
  }

  async update(
    merchantId: string,
    id: string,
    changes: TransferChanges,
    request?: RequestRef,
  ): Promise<Transfer> {
    const current = await this.get(merchantId, id);
    const next: Transfer = {
      ...current,
      description: changes.description === undefined ? current.description : changes.description,
      metadata: mergeMetadata(current.metadata, changes.metadata),
    };
    const previous = changedFields(current, next);
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('transfers')
        .set({ description: next.description, metadata: JSON.stringify(next.metadata) })
        .where('id', '=', id)
        .where('merchant_id', '=', merchantId)
        .execute();
      if (Object.keys(previous).length > 0) {
        await this.events.record(
          trx,
          merchantId,
          { type: 'transfer.updated', object: { kind: 'transfer', record: next }, previous },
          request,
        );
      }
    });
    return next;
  }

  /** Newest first. */
  async list(merchantId: string, filter: TransferFilter, page: Page): Promise<PageResult<Transfer>> {
    const result = await fetchPage(page, (w) => {
      let q = this.db.selectFrom('transfers').selectAll().where('merchant_id', '=', merchantId);
      if (filter.destination !== undefined) q = q.where('destination', '=', filter.destination);
      if (filter.transferGroup !== undefined) q = q.where('transfer_group', '=', filter.transferGroup);
      if (filter.created) q = q.where((eb) => within(eb, 'created', filter.created));
      if (w.cursor !== undefined) q = q.where('id', w.direction, w.cursor);
      return q.orderBy('id', w.order).limit(w.limit).execute();
    });
    return { data: result.data.map(fromRow), hasMore: result.hasMore };
  }
}

declare module '../events/log.ts' {
  interface EventObjectTypes {
    transfer: Transfer;
  }
}
