import type { Kysely, Selectable } from 'kysely';
import type { Database, SetupAttemptsTable } from '../../store/schema.ts';
import { idKind, newId } from '../ids.ts';
import { fetchPage, type Page, type PageResult } from '../paging.ts';

export const setupAttemptIds = idKind('setatt');

/** One confirmation of a SetupIntent. openfc's confirmations either succeed or change nothing. */
export interface SetupAttempt {
  id: string;
  created: number;
  setupIntent: string;
  customer: string | null;
  paymentMethod: string;
  status: SetupAttemptsTable['status'];
  usage: SetupAttemptsTable['usage'];
}

function fromRow(row: Selectable<SetupAttemptsTable>): SetupAttempt {
  return {
    id: row.id,
    created: Number(row.created),
    setupIntent: row.setup_intent_id,
    customer: row.customer_id,
    paymentMethod: row.payment_method_id,
    status: row.status,
    usage: row.usage,
  };
}

/** Setup attempts: the one module that writes `setup_attempts`. */
export class SetupAttemptLog {
  constructor(private readonly db: Kysely<Database>) {}

  async insertSucceeded(
    trx: Kysely<Database>,
    merchantId: string,
    attempt: Omit<SetupAttempt, 'id' | 'created' | 'status'>,
  ): Promise<SetupAttempt> {
    const row: Selectable<SetupAttemptsTable> = {
      id: newId(setupAttemptIds),
      merchant_id: merchantId,
      created: Math.floor(Date.now() / 1000),
      setup_intent_id: attempt.setupIntent,
      customer_id: attempt.customer,
      payment_method_id: attempt.paymentMethod,
      status: 'succeeded',
      usage: attempt.usage,
    };
    await trx.insertInto('setup_attempts').values(row).execute();
    return fromRow(row);
  }

  async find(merchantId: string, id: string): Promise<SetupAttempt | undefined> {
    const row = await this.db
      .selectFrom('setup_attempts')
      .selectAll()
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  async list(merchantId: string, setupIntentId: string, page: Page): Promise<PageResult<SetupAttempt>> {
    const result = await fetchPage(page, (w) => {
      let q = this.db
        .selectFrom('setup_attempts')
        .selectAll()
        .where('merchant_id', '=', merchantId)
        .where('setup_intent_id', '=', setupIntentId);
      if (w.cursor !== undefined) q = q.where('id', w.direction, w.cursor);
      return q.orderBy('id', w.order).limit(w.limit).execute();
    });
    return { data: result.data.map(fromRow), hasMore: result.hasMore };
  }
}
