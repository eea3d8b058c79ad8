import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { withCommitMark } from '../../store/commit-marks.ts';
import { QueryTemplates, type Slot } from '../../store/query-templates.ts';
import type { Database } from '../../store/schema.ts';
import type { SecretBox } from '../../store/secrets.ts';
import { WriteGroups } from '../../store/write-groups.ts';
import { ApiError } from '../errors.ts';
import { IdempotencyScope, type KeyHold } from './scope.ts';

/** How long a key's first response is replayed. */
export const idempotencyWindowSeconds = 24 * 60 * 60;
/** A request that has not answered after this long is taken to have died with its process. */
const abandonedAfterSeconds = 60;

/**
 * The most keys claimed, or responses stored, by one statement: at five values or fewer for each,
 * a group's statement stays within what PostgreSQL keeps prepared (see `pg-statements.ts`).
 */
const maxGroup = 12;

interface NewKey {
  merchantId: string;
  key: string;
  hash: string;
  requestId: string;
}

interface Response {
  merchantId: string;
  key: string;
  holder: string;
  statusCode: number;
  sealed: string;
}

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
  /**
   * The two writes of every idempotent request that are statements of their own, the key's claim
   * and its stored response, made for many requests at once under load (see `WriteGroups`).
   */
  private readonly claims: WriteGroups<NewKey, boolean>;
  private readonly responses: WriteGroups<Response, undefined>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly secrets: SecretBox,
  ) {
    this.queries = new QueryTemplates(db);
    this.claims = new WriteGroups((keys) => this.insertKeys(keys), maxGroup);
    this.responses = new WriteGroups((responses) => this.storeResponses(responses), maxGroup);
  }

  /** Claims `key` for the request `requestId`, or says how an earlier request with it ended. */
  async claim(merchantId: string, key: string, hash: string, requestId: string): Promise<Claim> {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await this.claims.add({ merchantId, key, hash, requestId }))
        return { kind: 'claimed', holder: requestId };

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
    await this.responses.add({ merchantId, key, holder, statusCode, sealed });
  }

  /**
   * Inserts the keys not yet taken, as `running` under their requests; for each, whether it was
   * (a key taken, or asked for twice in the group, is inserted once or not at all).
   */
  private async insertKeys(keys: NewKey[]): Promise<boolean[]> {
    const values = keys.flatMap((k) => [k.merchantId, k.key, k.hash, k.requestId]);
    const inserted = await this.queries.rows(`claim ${keys.length}`, [now(), ...values], (slot) =>
      this.db
        .insertInto('idempotency_keys')
        .values(
          keys.map((_, i) => ({
            merchant_id: slot(1 + 4 * i),
            key: slot(2 + 4 * i),
            request_hash: slot(3 + 4 * i),
            state: 'running',
            status_code: null,
            body: null,
            created: slot(0),
            request_id: slot(4 + 4 * i),
            object_id: null,
          })),
        )
        .onConflict((oc) => oc.columns(['merchant_id', 'key']).doNothing())
        .returning('request_id'),
    );
    const claimed = new Set(inserted.map((row) => row.request_id));
    return keys.map((k) => claimed.has(k.requestId));
  }

  /** Stores each response under its key, while the request that answered it still holds it. */
  private async storeResponses(responses: Response[]): Promise<undefined[]> {
    const values = responses.flatMap((r) => [r.merchantId, r.key, r.holder, r.statusCode, r.sealed]);
    await this.queries.run(this.db, `complete ${responses.length}`, values, (slot) =>
      this.db
        .updateTable('idempotency_keys')
        .from(answered(slot, responses.length))
        .set((eb) => ({
          state: 'done',
          status_code: sql<number>`cast(${eb.ref('v.column4')} as integer)`,
          body: eb.ref('v.column5'),
        }))
        .whereRef('idempotency_keys.merchant_id', '=', 'v.column1')
        .whereRef('idempotency_keys.key', '=', 'v.column2')
        .whereRef('idempotency_keys.request_id', '=', 'v.column3'),
    );
    return responses.map(() => undefined);
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

/**
 * `count` responses as a table `v` of values, five slots a row: the key's merchant, the key, the
 * request holding it, the status code and the sealed body (a `VALUES` list's columns are named
 * `column1`… on both databases).
 */
function answered(slot: Slot, count: number) {
  const rows = Array.from(
    { length: count },
    (_, i) => sql`(${sql.join(Array.from({ length: 5 }, (_, c) => slot(5 * i + c)))})`,
  );
  return sql<{
    column1: string;
    column2: string;
    column3: string;
    column4: number;
    column5: string;
  }>`(values ${sql.join(rows)})`.as('v');
}

/** Binds a sealed response to its key, so that it cannot be replayed under another. */
function sealedFor(merchantId: string, key: string): string {
  return `idempotency:${merchantId}:${key}`;
}
