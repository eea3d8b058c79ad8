import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.ts';
import { ApiError } from '../errors.ts';

/** How long a key's first response is replayed. */
export const idempotencyWindowSeconds = 24 * 60 * 60;
/** A request still marked running after this long is taken to have died with its process. */
const abandonedAfterSeconds = 60;

export type Claim = { kind: 'claimed' } | { kind: 'replay'; statusCode: number; body: string };

export function requestHash(method: string, path: string, params: string): string {
  return createHash('sha256').update(`${method} ${path}\n${params}`).digest('hex');
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * Idempotency keys live in the database, so a replay holds across processes and restarts: the
 * first request claims the key, later ones get its stored response.
 */
export class IdempotencyService {
  constructor(private readonly db: Kysely<Database>) {}

  async claim(merchantId: string, key: string, hash: string): Promise<Claim> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const inserted = await this.db
        .insertInto('idempotency_keys')
        .values({
          merchant_id: merchantId,
          key,
          request_hash: hash,
          state: 'running',
          status_code: null,
          body: null,
          created: now(),
        })
        .onConflict((oc) => oc.columns(['merchant_id', 'key']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return { kind: 'claimed' };

      const row = await this.db
        .selectFrom('idempotency_keys')
        .selectAll()
        .where('merchant_id', '=', merchantId)
        .where('key', '=', key)
        .executeTakeFirst();
      if (!row) continue;
      const age = now() - row.created;
      const stale =
        age > idempotencyWindowSeconds || (row.state === 'running' && age > abandonedAfterSeconds);
      if (stale) {
        await this.release(merchantId, key, row.created);
        continue;
      }
      if (row.state === 'running') {
        throw new ApiError({
          status: 409,
          type: 'invalid_request_error',
          code: 'idempotency_key_in_use',
          message:
            'There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through). Please try again later.',
        });
      }
      if (row.request_hash !== hash) {
        throw new ApiError({
          status: 400,
          type: 'idempotency_error',
          message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
        });
      }
      return { kind: 'replay', statusCode: row.status_code ?? 200, body: row.body ?? '{}' };
    }
    throw new ApiError({
      status: 409,
      type: 'invalid_request_error',
      code: 'idempotency_key_in_use',
      message: 'The idempotency key is busy. Please try again.',
    });
  }

  async complete(merchantId: string, key: string, statusCode: number, body: string): Promise<void> {
    await this.db
      .updateTable('idempotency_keys')
      .set({ state: 'done', status_code: statusCode, body })
      .where('merchant_id', '=', merchantId)
      .where('key', '=', key)
      .execute();
  }

  /** Deletes keys past the replay window; returns how many. */
  async pruneExpired(): Promise<number> {
    const result = await this.db
      .deleteFrom('idempotency_keys')
      .where('created', '<', now() - idempotencyWindowSeconds)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Forgets a claim whose request was refused before it ran, so that a retry may run it. */
  async release(merchantId: string, key: string, created?: number): Promise<void> {
    let query = this.db
      .deleteFrom('idempotency_keys')
      .where('merchant_id', '=', merchantId)
      .where('key', '=', key);
    if (created !== undefined) query = query.where('created', '=', created);
    await query.execute();
  }
}
