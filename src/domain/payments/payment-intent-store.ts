import type { Kysely, Selectable } from 'kysely';
import { type TimeRange, within } from '../../store/filters.ts';
import type { Database, PaymentIntentsTable } from '../../store/schema.ts';
import { type ErrorCode, resourceMissing } from '../errors.ts';
import { fetchPage, type Page, type PageResult } from '../paging.ts';
import { writeIfStill } from './intent-rows.ts';
import type { CustomerAcceptance } from './mandates.ts';
import {
  type DebitFailure,
  type PaymentIntentAction,
  type PaymentIntentStatus,
  unexpectedState,
} from './payment-intent-rules.ts';
import type { PaymentMethod } from './payment-method-store.ts';

/**
 * Why the last debit failed, with the PaymentMethod as it was then (Stripe's last_payment_error);
 * no charge when its microdeposits failed to verify before any debit.
 */
export interface PaymentError {
  code: DebitFailure | ErrorCode;
  message: string;
  charge: string | null;
  paymentMethod: PaymentMethod;
}

/** The mandate a debit waiting for microdeposits is made under once they verify. */
export type PendingMandate = { existing: string } | { accepted: CustomerAcceptance };

/** A PaymentIntent waiting for its entered account's microdeposits. */
export interface PendingMicrodeposits {
  arrivalDate: number;
  /** Wrong verifications tried so far. */
  failures: number;
  mandate: PendingMandate;
}

export interface PaymentIntent {
  id: string;
  created: number;
  clientSecret: string;
  amount: number;
  currency: 'usd';
  customer: string | null;
  paymentMethod: string | null;
  status: PaymentIntentStatus;
  description: string | null;
  metadata: Record<string, string>;
  mandate: string | null;
  latestCharge: string | null;
  lastPaymentError: PaymentError | null;
  /** While it waits for its entered account's microdeposits (`requires_action`). */
  microdeposits: PendingMicrodeposits | null;
  settlesAt: number | null;
  canceledAt: number | null;
  cancellationReason: PaymentIntentsTable['cancellation_reason'];
}

export interface PaymentIntentFilter {
  customer?: string | undefined;
  /** The dashboard's filters; `GET /v1/payment_intents` has neither. */
  paymentMethod?: string | undefined;
  status?: PaymentIntent['status'] | undefined;
  created?: TimeRange | undefined;
}

function fromRow(row: Selectable<PaymentIntentsTable>): PaymentIntent {
  return {
    id: row.id,
    created: Number(row.created),
    clientSecret: row.client_secret,
    amount: Number(row.amount),
    currency: row.currency,
    customer: row.customer_id,
    paymentMethod: row.payment_method_id,
    status: row.status,
    description: row.description,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    mandate: row.mandate_id,
    latestCharge: row.latest_charge_id,
    lastPaymentError:
      row.last_payment_error === null ? null : (JSON.parse(row.last_payment_error) as PaymentError),
    microdeposits:
      row.microdeposits_arrival === null || row.pending_mandate === null
        ? null
        : {
            arrivalDate: Number(row.microdeposits_arrival),
            failures: Number(row.microdeposit_failures ?? 0),
            mandate: JSON.parse(row.pending_mandate) as PendingMandate,
          },
    settlesAt: row.settles_at === null ? null : Number(row.settles_at),
    canceledAt: row.canceled_at === null ? null : Number(row.canceled_at),
    cancellationReason: row.cancellation_reason,
  };
}

/** The columns a PaymentIntent's changes write (everything but its identity). */
function changeable(intent: PaymentIntent) {
  return {
    amount: intent.amount,
    currency: intent.currency,
    customer_id: intent.customer,
    payment_method_id: intent.paymentMethod,
    status: intent.status,
    description: intent.description,
    metadata: JSON.stringify(intent.metadata),
    mandate_id: intent.mandate,
    latest_charge_id: intent.latestCharge,
    last_payment_error: intent.lastPaymentError === null ? null : JSON.stringify(intent.lastPaymentError),
    microdeposits_arrival: intent.microdeposits?.arrivalDate ?? null,
    microdeposit_failures: intent.microdeposits?.failures ?? null,
    pending_mandate: intent.microdeposits ? JSON.stringify(intent.microdeposits.mandate) : null,
    settles_at: intent.settlesAt,
    canceled_at: intent.canceledAt,
    cancellation_reason: intent.cancellationReason,
  };
}

/** The one module that reads and writes `payment_intents`. */
export class PaymentIntentStore {
  constructor(private readonly db: Kysely<Database>) {}

  async find(merchantId: string, id: string): Promise<PaymentIntent | undefined> {
    const row = await this.db
      .selectFrom('payment_intents')
      .selectAll()
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  async get(merchantId: string, id: string, param: string): Promise<PaymentIntent> {
    const intent = await this.find(merchantId, id);
    if (!intent) throw resourceMissing('payment_intent', id, param);
    return intent;
  }

  async insert(trx: Kysely<Database>, merchantId: string, intent: PaymentIntent): Promise<void> {
    await trx
      .insertInto('payment_intents')
      .values({
        id: intent.id,
        merchant_id: merchantId,
        created: intent.created,
        client_secret: intent.clientSecret,
        ...changeable(intent),
      })
      .execute();
  }

  /**
   * Writes `next` over `current`, guarded on the status `current` was read in; false when
   * another request or process moved the PaymentIntent first (nothing is written).
   */
  async tryMove(trx: Kysely<Database>, merchantId: string, current: PaymentIntent, next: PaymentIntent) {
    return writeIfStill(trx, 'payment_intents', merchantId, current.id, current.status, changeable(next));
  }

  /** As `tryMove`, but a lost race refuses `action` as Stripe refuses it in the state found. */
  async move(
    trx: Kysely<Database>,
    merchantId: string,
    current: PaymentIntent,
    next: PaymentIntent,
    action: PaymentIntentAction,
  ): Promise<void> {
    if (await this.tryMove(trx, merchantId, current, next)) return;
    const now = await trx
      .selectFrom('payment_intents')
      .select('status')
      .where('id', '=', current.id)
      .executeTakeFirstOrThrow();
    throw unexpectedState(action, now.status);
  }

  /** The merchant's debits due to settle at `now` on its clock, oldest first. */
  async settling(merchantId: string, now: number, limit: number): Promise<PaymentIntent[]> {
    const rows = await this.db
      .selectFrom('payment_intents')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('status', '=', 'processing')
      .where('settles_at', '<=', now)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(fromRow);
  }

  async list(
    merchantId: string,
    filter: PaymentIntentFilter,
    page: Page,
  ): Promise<PageResult<PaymentIntent>> {
    const result = await fetchPage(page, (w) => {
      let q = this.db.selectFrom('payment_intents').selectAll().where('merchant_id', '=', merchantId);
      if (filter.customer !== undefined) q = q.where('customer_id', '=', filter.customer);
      if (filter.paymentMethod !== undefined) q = q.where('payment_method_id', '=', filter.paymentMethod);
      if (filter.status !== undefined) q = q.where('status', '=', filter.status);
      if (filter.created) q = q.where((eb) => within(eb, 'created', filter.created));
      if (w.cursor !== undefined) q = q.where('id', w.direction, w.cursor);
      return q.orderBy('id', w.order).limit(w.limit).execute();
    });
    return { data: result.data.map(fromRow), hasMore: result.hasMore };
  }
}

declare module '../events/log.ts' {
  interface EventObjectTypes {
    payment_intent: PaymentIntent;
  }
}
