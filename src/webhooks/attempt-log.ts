import type { Insertable, Kysely, QueryCreator, Transaction } from 'kysely';
import { newId } from '../domain/ids.ts';
import type { Database, WebhookAttemptsTable } from '../store/schema.ts';
import type { Claimed } from './claims.ts';

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'cancelled';

/** How an attempt went, as its row keeps it. */
export interface AttemptFields {
  attempted_at: number;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
  response_excerpt: string | null;
}

/** A delivery's new state after an attempt (or without one, when there was nothing to send). */
export interface Finished {
  delivery: Claimed;
  status: DeliveryStatus;
  nextAttemptAt: number | null;
  attempt?: AttemptFields;
}

interface Waiting extends Finished {
  done: () => void;
  failed: (error: unknown) => void;
}

/**
 * Records attempts and their deliveries' new states. Attempts that end while a write is under way
 * wait for the next one, and each write records all that are waiting in one transaction: the
 * deliveries that succeeded in one UPDATE, the attempt rows in one INSERT (on PostgreSQL, a batch
 * of successes in one statement). A
 * delivery is changed only while this worker's claim on it holds; an attempt whose claim lapsed
 * meanwhile is kept, and the schedule is the other worker's.
 */
export class AttemptLog {
  private waiting: Waiting[] = [];
  private writing: Promise<void> | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly writesInWith: boolean,
  ) {}

  /** Resolves once the attempt and the delivery's state have committed. */
  record(finished: Finished): Promise<void> {
    return new Promise((done, failed) => {
      this.waiting.push({ ...finished, done, failed });
      this.writing ??= this.writeAll();
    });
  }

  /** Resolves when nothing is waiting to be written. */
  async flushed(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async writeAll(): Promise<void> {
    // Lets the attempts ending in this turn join the first write.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.waiting.length > 0) {
      const batch = this.waiting;
      this.waiting = [];
      try {
        if (this.writesInWith && batch.every((f) => f.status === 'succeeded' && f.attempt))
          await writeSucceeded(this.db, batch);
        else await this.db.transaction().execute((trx) => write(trx, batch));
        for (const w of batch) w.done();
      } catch (error) {
        for (const w of batch) w.failed(error);
      }
    }
    // In the same turn as the last look at `waiting`: an attempt recorded after it starts a write.
    this.writing = undefined;
  }
}

function attemptRow(f: Finished, held: boolean): Insertable<WebhookAttemptsTable> | undefined {
  if (f.attempt === undefined) return undefined;
  return {
    id: newId('attempt'),
    merchant_id: f.delivery.merchantId,
    delivery_id: f.delivery.id,
    event_id: f.delivery.eventId,
    endpoint_id: f.delivery.endpointId,
    ...f.attempt,
    next_attempt_at: held ? f.nextAttemptAt : null,
  };
}

/** Marks the deliveries succeeded, those whose claim this worker still holds. */
function markSucceeded(qc: QueryCreator<Database>, batch: Finished[], now: number) {
  return qc
    .updateTable('webhook_deliveries')
    .set({ status: 'succeeded', next_attempt_at: now, lease: null })
    .where((eb) =>
      eb(
        eb.refTuple('id', 'lease'),
        'in',
        batch.map((f) => eb.tuple(f.delivery.id, f.delivery.lease)),
      ),
    )
    .where('status', '=', 'pending');
}

/**
 * Where the database allows it, a batch of successes is one statement: the deliveries' update in
 * its `WITH`, the attempt rows inserted (a success's row names no next attempt, whether the claim
 * held or not).
 */
async function writeSucceeded(db: Kysely<Database>, batch: Finished[]): Promise<void> {
  const now = Date.now();
  const rows = batch.map((f) => attemptRow(f, true)).filter((r) => r !== undefined);
  await db
    .with('succeeded', (qc) => markSucceeded(qc, batch, now).returning('id'))
    .insertInto('webhook_attempts')
    .values(rows)
    .execute();
}

async function write(trx: Transaction<Database>, batch: Finished[]): Promise<void> {
  const now = Date.now();
  const held = new Set<string>();
  const succeeded = batch.filter((f) => f.status === 'succeeded');
  if (succeeded.length > 0) await markSucceeded(trx, succeeded, now).execute();
  for (const f of batch) {
    if (f.status === 'succeeded') continue;
    const result = await trx
      .updateTable('webhook_deliveries')
      .set({ status: f.status, next_attempt_at: f.nextAttemptAt ?? now, lease: null })
      .where('id', '=', f.delivery.id)
      .where('lease', '=', f.delivery.lease)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) > 0) held.add(f.delivery.id);
  }
  const rows = batch.map((f) => attemptRow(f, held.has(f.delivery.id))).filter((r) => r !== undefined);
  if (rows.length > 0) await trx.insertInto('webhook_attempts').values(rows).execute();
}
