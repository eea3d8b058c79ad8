import type { Kysely, UpdateObject } from 'kysely';
import type { Database, PaymentIntentsTable, SetupIntentsTable } from '../../store/schema.ts';

/**
 * Writes `values` over the intent `id` only while it is still in `status` (the status it was read
 * in); false when another request or process moved it first, and then nothing is written.
 */
export async function writeIfStill(
  trx: Kysely<Database>,
  table: 'payment_intents' | 'setup_intents',
  merchantId: string,
  id: string,
  status: PaymentIntentsTable['status'] | SetupIntentsTable['status'],
  values: UpdateObject<Database, 'payment_intents' | 'setup_intents'>,
): Promise<boolean> {
  const moved = await trx
    .updateTable(table)
    .set(values)
    .where('id', '=', id)
    .where('merchant_id', '=', merchantId)
    .where('status', '=', status)
    .executeTakeFirst();
  return Number(moved.numUpdatedRows) === 1;
}
