/** The bank's store stays bounded: what has expired is forgotten. */
import type { Kysely } from 'kysely';
import type { BankDatabase } from './store/schema.ts';

/** Forgets what has expired, so the bank's store stays bounded however long it runs. */
export async function pruneBank(db: Kysely<BankDatabase>, now: number): Promise<void> {
  const keepEndedSeconds = 90 * 86_400;
  await db.deleteFrom('bank_access_tokens').where('expires_at', '<=', now).execute();
  await db.deleteFrom('bank_codes').where('expires_at', '<=', now).execute();
  await db.deleteFrom('bank_pending').where('expires_at', '<=', now).execute();
  await db
    .deleteFrom('bank_consents')
    .where((eb) =>
      eb.or([eb('ended_at', '<=', now - keepEndedSeconds), eb('expires_at', '<=', now - keepEndedSeconds)]),
    )
    .execute();
  // Holders made by a login that never ended in a consent, a day on.
  const stale = await db
    .selectFrom('bank_users')
    .leftJoin('bank_consents', 'bank_consents.user_id', 'bank_users.id')
    .select('bank_users.id')
    .where('bank_users.created', '<=', now - 86_400)
    .where('bank_consents.id', 'is', null)
    .limit(1_000)
    .execute();
  const ids = stale.map((row) => row.id);
  if (ids.length === 0) return;
  await db.deleteFrom('bank_accounts').where('user_id', 'in', ids).execute();
  await db.deleteFrom('bank_users').where('id', 'in', ids).execute();
}
