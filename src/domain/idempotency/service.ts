import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { withCommitMark } from '../../store/commit-marks.ts';
import { QueryTemplates } from '../../store/query-templates.ts';
import type { Database } from '../../store/schema.ts';
import type { SecretBox } from '../../store/secrets.ts';
import { ApiError } from '../errors.ts';
import { IdempotencyScope, type KeyHold } from './scope.ts';

/** How long a key's first response is replayed. */
export const idempotencyWindowSeconds = 24 * 60 * 60;
/** A request that has not answered after this long is taken to have died with its process. */
const abandonedAfterSeconds = 60;

export type Claim =
  | { kind: 'claimed'; holder: string }
  | { kind: 'replay'; statusCode: number; body: string }
  /** The request that held the key committed its change and died before answering. */
  | { kind: 'committed'; holder: string; objectId: string | null };

export function requestHash(method: string, path: string, params: string): string {
  return createHash('sha256').update(`${method} ${path}\n${params}`).digest('hex');
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

function keyInUse(): ApiError {
  return new ApiError({
    status: 409,
    type: 'invalid_request_error',
    code: 'idempotency_key_in_use',
    message:
      'There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through). Please try again later.',
  });
}

/**
 * Idempotency keys live in the database, so a replay holds across processes and restarts: the
 * first request claims the key, later ones get its stored response. Responses are sealed at rest,
 * bound to their key, as some carry a signing secret.
 */
export class IdempotencyService {
  /** The writes every idempotent request makes, each built and compiled once. */
  private readonly queries: QueryTemplates;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly secrets: SecretBox,
  ) {
    this.queries = new QueryTemplates(db);
  }

  /** Claims `key` for the request `requestId`, or says how an earlier request with it ended. */
  async claim(merchantId: string, key: string, hash: string, requestId: string): Promise<Claim> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const inserted = await this.queries.run(
        this.db,
        'claim',
        [merchantId, key, hash, now(), requestId],
        (slot) =>
          this.db
            .insertInto('idempotency_keys')
            .values({
              merchant_id: slot(0),
              key: slot(1),
              request_hash: slot(2),
              state: 'running',
              status_code: null,
              body: null,
              created: slot(3),
              request_id: slot(4),
              object_id: null,
            })
            .onConflict((oc) => oc.columns(['merchant_id', 'key']).doNothing()),
      );
      if (Number(inserted.numAffectedRows ?? 0) === 1) return { kind: 'claimed', holder: requestId };

      const row = await this.db
        .selectFrom('idempotency_keys')
        .selectAll()
        .where('merchant_id', '=', merchantId)
        .where('key', '=', key)
        .executeTakeFirst();
      if (!row) continue;
      const age = now() - row.created;
      if (age > idempotencyWindowSeconds) {
        await this.forget(merchantId, key, row.request_id, false);
        continue;
      }
      if (row.state !== 'done' && age <= abandonedAfterSeconds) throw keyInUse();
      if (row.state === 'running') {
        // Its request died before writing anything: the key may run again.
        await this.forget(merchantId, key, row.request_id, true);
        continue;
      }
      if (row.request_hash !== hash) {
        throw new ApiError({
          status: 400,
          type: 'idempotency_error',
          message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
        });
      }
      if (row.state === 'committed')
        return { kind: 'committed', holder: row.request_id, objectId: row.object_id };
      const body = row.body === null ? '{}' : this.secrets.open(row.body, sealedFor(merchantId, key));
      return { kind: 'replay', statusCode: row.status_code ?? 200, body };
    }
    throw new ApiError({
      status: 409,
      type: 'invalid_request_error',
      code: 'idempotency_key_in_use',
      message: 'The idempotency key is busy. Please try again.',
    });
  }

  /** Runs a request's handler so that its writes commit with its key (see `IdempotencyScope`). */
  async holding<T>(hold: KeyHold, work: () => Promise<T>): Promise<T> {
    const scope = new IdempotencyScope(this.db, this.queries, hold);
    try {
      return await withCommitMark(scope, work);
    } finally {
      scope.close();
    }
  }

  /** Stores the response of the request `holder` under its key. */
  async complete(
    merchantId: string,
    key: string,
    holder: string,
    statusCode: number,
    body: string,
  ): Promise<void> {
    const sealed = this.secrets.seal(body, sealedFor(merchantId, key));
    await this.queries.run(this.db, 'complete', [statusCode, sealed, merchantId, key, holder], (slot) =>
      this.db
        .updateTable('idempotency_keys')
        .set({ state: 'done', status_code: slot(0), body: slot(1) })
        .where('merchant_id', '=', slot<string>(2))
        .where('key', '=', slot<string>(3))
        .where('request_id', '=', slot<string>(4)),
    );
  }

  /** Deletes keys past the replay window; returns how many. */
  async pruneExpired(): Promise<number> {
    const result = await this.db
      .deleteFrom('idempotency_keys')
      .where('created', '<', now() - idempotencyWindowSeconds)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /**
   * Forgets the claim of a request refused before it changed anything, so that a retry may run
   * it; false when the request had already committed a change, whose outcome must be kept.
   */
  release(merchantId: string, key: string, holder: string): Promise<boolean> {
    return this.forget(merchantId, key, holder, true);
  }

  private async forget(merchantId: string, key: string, holder: string, onlyRunning: boolean) {
    let query = this.db
      .deleteFrom('idempotency_keys')
      .where('merchant_id', '=', merchantId)
      .where('key', '=', key)
      .where('request_id', '=', holder);
    if (onlyRunning) query = query.where('state', '=', 'running');
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }
}

/** Binds a sealed response to its key, so that it cannot be replayed under another. */
function sealedFor(merchantId: string, key: string): string {
  return `idempotency:${merchantId}:${key}`;
}
