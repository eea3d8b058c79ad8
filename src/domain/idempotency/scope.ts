import type { CompiledQuery, Kysely } from 'kysely';
import { type CommitMark, currentCommitMark } from '../../store/commit-marks.ts';
import type { QueryTemplates } from '../../store/query-templates.ts';
import type { Database } from '../../store/schema.ts';
import { ApiError } from '../errors.ts';

/** The idempotency key a request holds: who holds it, and the object the request is about. */
export interface KeyHold {
  merchantId: string;
  key: string;
  /** The id of the request that claimed the key. */
  holder: string;
  /** The object the request changes, when its URL names it; a create names it with `madeObject`. */
  objectId?: string | undefined;
}

function takenOver(): ApiError {
  return new ApiError({
    status: 409,
    type: 'invalid_request_error',
    code: 'idempotency_key_in_use',
    message:
      'This request ran so long that another request with the same Idempotency-Key was run in its place; this one made no changes.',
  });
}

/**
 * While a request's handler runs, every write it makes commits with a guarded update of its key:
 * `committed`, with the object it is about. A replay after a crash then answers with that object
 * and never runs the request again; a key whose request committed nothing may run again.
 */
export class IdempotencyScope implements CommitMark {
  #open = true;
  #objectId: string | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly queries: QueryTemplates,
    private readonly hold: KeyHold,
  ) {
    this.#objectId = hold.objectId;
  }

  made(objectId: string): void {
    this.#objectId ??= objectId;
  }

  /** Ends the scope: work the handler left running in the background marks nothing. */
  close(): void {
    this.#open = false;
  }

  statement(): CompiledQuery | undefined {
    if (!this.#open) return undefined;
    const { merchantId, key, holder } = this.hold;
    return this.queries.compiled('commit mark', [this.#objectId ?? null, merchantId, key, holder], (slot) =>
      this.db
        .updateTable('idempotency_keys')
        .set({ state: 'committed', object_id: slot(0) })
        .where('merchant_id', '=', slot<string>(1))
        .where('key', '=', slot<string>(2))
        .where('request_id', '=', slot<string>(3))
        .where('state', '!=', 'done'),
    );
  }

  /** No row: the key was taken for dead and claimed by another request, which runs in its place. */
  check(changedRows: bigint): void {
    if (changedRows !== 1n) throw takenOver();
  }
}

/**
 * Names the object a create makes, for a replay that finds the request committed but unanswered.
 * Called before the object's first write; outside an idempotent request it does nothing.
 */
export function madeObject(id: string): void {
  const mark = currentCommitMark();
  if (mark instanceof IdempotencyScope) mark.made(id);
}
