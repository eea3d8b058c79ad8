import type { Kysely, Selectable } from 'kysely';
import { type TimeRange, within } from '../../store/filters.ts';
import type { Database, SetupIntentsTable } from '../../store/schema.ts';
import { resourceMissing } from '../errors.ts';
import { fetchPage, type Page, type PageResult } from '../paging.ts';
import { writeIfStill } from './intent-rows.ts';
import type { CustomerAcceptance } from './mandates.ts';
import { type SetupIntentStatus, unexpectedState } from './setup-rules.ts';

export interface SetupIntent {
  id: string;
  created: number;
  clientSecret: string;
  customer: string | null;
  paymentMethod: string | null;
  status: SetupIntentStatus;
  usage: SetupIntentsTable['usage'];
  description: string | null;
  verificationMethod: SetupIntentsTable['verification_method'];
  metadata: Record<string, string>;
  mandate: string | null;
  latestAttempt: string | null;
  cancellationReason: SetupIntentsTable['cancellation_reason'];
  /** While it waits for its entered account's microdeposits. */
  microdeposits: PendingMicrodeposits | null;
  lastSetupError: SetupError | null;
}

export interface PendingMicrodeposits {
  /** When they land, on the merchant's sandbox clock. */
  arrivalDate: number;
  /** Wrong verifications tried so far. */
  failures: number;
  /** The mandate acceptance given at confirmation, recorded once they verify. */
  acceptance: CustomerAcceptance;
}

export interface SetupError {
  code: string;
  message: string;
}

export interface SetupIntentFilter {
  customer?: string | undefined;
  paymentMethod?: string | undefined;
  /** The dashboard's filter; `GET /v1/setup_intents` has none. */
  status?: SetupIntent['status'] | undefined;
  created?: TimeRange | undefined;
}

function fromRow(row: Selectable<SetupIntentsTable>): SetupIntent {
  return {
    id: row.id,
    created: Number(row.created),
    clientSecret: row.client_secret,
    customer: row.customer_id,
    paymentMethod: row.payment_method_id,
    status: row.status,
    usage: row.usage,
    description: row.description,
    verificationMethod: row.verification_method,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    mandate: row.mandate_id,
    latestAttempt: row.latest_attempt_id,
    cancellationReason: row.cancellation_reason,
    microdeposits:
      row.microdeposits_arrival === null
        ? null
        : {
            arrivalDate: Number(row.microdeposits_arrival),
            failures: Number(row.microdeposit_failures ?? 0),
            acceptance: JSON.parse(row.pending_acceptance ?? '{}') as CustomerAcceptance,
          },
    lastSetupError: row.last_setup_error === null ? null : (JSON.parse(row.last_setup_error) as SetupError),
  };
}

/** The columns a SetupIntent's changes write (everything but its identity). */
function changeable(intent: SetupIntent) {
  return {
    customer_id: intent.customer,
    payment_method_id: intent.paymentMethod,
    status: intent.status,
    usage: intent.usage,
    description: intent.description,
    verification_method: intent.verificationMethod,
    metadata: JSON.stringify(intent.metadata),
    mandate_id: intent.mandate,
    latest_attempt_id: intent.latestAttempt,
    cancellation_reason: intent.cancellationReason,
    microdeposits_arrival: intent.microdeposits?.arrivalDate ?? null,
    microdeposit_failures: intent.microdeposits?.failures ?? null,
    pending_acceptance: intent.microdeposits ? JSON.stringify(intent.microdeposits.acceptance) : null,
    last_setup_error: intent.lastSetupError ? JSON.stringify(intent.lastSetupError) : null,
  };
}

/** The one module that reads and writes `setup_intents`. */
export class SetupIntentStore {
  constructor(private readonly db: Kysely<Database>) {}

  async get(merchantId: string, id: string, param: string): Promise<SetupIntent> {
    const row = await this.db
      .selectFrom('setup_intents')
      .selectAll()
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    if (!row) throw resourceMissing('setupintent', id, param);
    return fromRow(row);
  }

  async insert(trx: Kysely<Database>, merchantId: string, intent: SetupIntent): Promise<void> {
    await trx
      .insertInto('setup_intents')
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
   * Writes `next` over `current`, guarded on the status `current` was read in: when another
   * request moved the SetupIntent first, nothing is written and `action` is refused as Stripe
   * refuses it in the state found.
   */
  async move(
    trx: Kysely<Database>,
    merchantId: string,
    current: SetupIntent,
    next: SetupIntent,
    action: 'confirm' | 'update' | 'cancel' | 'verify',
  ): Promise<void> {
    if (await writeIfStill(trx, 'setup_intents', merchantId, current.id, current.status, changeable(next)))
      return;
    const now = await trx
      .selectFrom('setup_intents')
      .select('status')
      .where('id', '=', current.id)
      .executeTakeFirstOrThrow();
    throw unexpectedState(action, now.status);
  }

  async list(merchantId: string, filter: SetupIntentFilter, page: Page): Promise<PageResult<SetupIntent>> {
    const result = await fetchPage(page, (w) => {
      let q = this.db.selectFrom('setup_intents').selectAll().where('merchant_id', '=', merchantId);
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
    setup_intent: SetupIntent;
  }
}
