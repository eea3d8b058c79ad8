import type { Insertable, Kysely, QueryCreator, Transaction } from 'kysely';
import { idKind, newId } from '../domain/ids.ts';
import type { QueryTemplates, Slot } from '../store/query-templates.ts';
import type { Database, WebhookAttemptsTable } from '../store/schema.ts';
import type { Claimed } from './claims.ts';

export const attemptIds = idKind('whatt');

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
    private readonly templates: QueryTemplates,
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
          await writeSucceeded(this.db, this.templates, batch);
        else await this.db.transaction().execute((trx) => write(trx, this.templates, batch));
        for (const w of batch) w.done();
      } catch (error) {
        for (const w of batch) w.failed(error);
      }
    }
    // In the same turn as the last look at `waiting`: an attempt recorded after it starts a write.
    this.writing = undefined;
  }
}

/** An attempt row's columns, in the order their values are given to the templates. */
const attemptColumns = [
  'id',
  'merchant_id',
  'delivery_id',
  'event_id',
  'endpoint_id',
  'attempted_at',
  'duration_ms',
  'status_code',
  'error',
  'response_excerpt',
  'next_attempt_at',
] as const;

/** The values of the attempt rows of `batch` (those with an attempt), one after another. */
function attemptValues(batch: Finished[], held: (f: Finished) => boolean): unknown[] {
  const values: unknown[] = [];
  for (const f of batch) {
    if (f.attempt === undefined) continue;
    const a = f.attempt;
    values.push(
      newId(attemptIds),
      f.delivery.merchantId,
      f.delivery.id,
      f.delivery.eventId,
      f.delivery.endpointId,
      a.attempted_at,
      a.duration_ms,
      a.status_code,
      a.error,
      a.response_excerpt,
      held(f) ? f.nextAttemptAt : null,
    );
  }
  return values;
}

/** `count` attempt rows whose values start at slot `from`. */
function attemptSlots(slot: Slot, from: number, count: number): Insertable<WebhookAttemptsTable>[] {
  const rows: Insertable<WebhookAttemptsTable>[] = [];
  for (let i = 0; i < count; i++) {
    const row: Record<string, unknown> = {};
    attemptColumns.forEach((column, c) => {
      row[column] = slot(from + i * attemptColumns.length + c);
    });
    rows.push(row as unknown as Insertable<WebhookAttemptsTable>);
  }
  return rows;
}

/**
 * Marks `count` deliveries succeeded, those whose claim this worker still holds: the time in slot
 * 0, then each delivery's id and lease.
 */
function markSucceeded(qc: QueryCreator<Database>, slot: Slot, count: number) {
  return qc
    .updateTable('webhook_deliveries')
    .set({ status: 'succeeded', next_attempt_at: slot<number>(0), lease: null })
    .where((eb) =>
      eb(
        eb.refTuple('id', 'lease'),
        'in',
        Array.from({ length: count }, (_, i) => eb.tuple(slot<string>(1 + 2 * i), slot<string>(2 + 2 * i))),
      ),
    )
    .where('status', '=', 'pending');
}

function succeededValues(succeeded: Finished[]): unknown[] {
  return [Date.now(), ...succeeded.flatMap((f) => [f.delivery.id, f.delivery.lease])];
}

/**
 * Where the database allows it, a batch of successes is one statement: the deliveries' update in
 * its `WITH`, the attempt rows inserted (a success's row names no next attempt, whether the claim
 * held or not).
 */
async function writeSucceeded(db: Kysely<Database>, templates: QueryTemplates, batch: Finished[]) {
  const marks = succeededValues(batch);
  const values = [...marks, ...attemptValues(batch, () => true)];
  await templates.rows(`record ${batch.length} succeeded`, values, (slot) =>
    db
      .with('succeeded', (qc) => markSucceeded(qc, slot, batch.length).returning('id'))
      .insertInto('webhook_attempts')
      .values(attemptSlots(slot, marks.length, batch.length)),
  );
}

async function write(trx: Transaction<Database>, templates: QueryTemplates, batch: Finished[]) {
  const now = Date.now();
  const held = new Set<string>();
  const succeeded = batch.filter((f) => f.status === 'succeeded');
  if (succeeded.length > 0)
    await templates.rows(
      `mark ${succeeded.length} succeeded`,
      succeededValues(succeeded),
      (slot) => markSucceeded(trx, slot, succeeded.length),
      trx,
    );
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
  const values = attemptValues(batch, (f) => held.has(f.delivery.id));
  const count = values.length / attemptColumns.length;
  if (count > 0)
    await templates.rows(
      `insert ${count} attempts`,
      values,
      (slot) => trx.insertInto('webhook_attempts').values(attemptSlots(slot, 0, count)),
      trx,
    );
}
