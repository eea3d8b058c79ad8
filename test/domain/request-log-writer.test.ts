import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AnsweredRequest, RequestLogStore } from '../../src/domain/request-logs/log.ts';
import { RequestLogWriter } from '../../src/domain/request-logs/writer.ts';
import type { RequestLogsTable } from '../../src/store/schema.ts';

function answered(id: string, response = '{}'): AnsweredRequest {
  return {
    id,
    merchantId: 'acct_test',
    account: null,
    created: 0,
    method: 'GET',
    path: '/v1/customers',
    status: 200,
    durationMs: 1,
    apiVersion: null,
    idempotencyKey: null,
    params: () => ({}),
    response,
  };
}

/** A store that keeps each INSERT's rows, failing those whose first row is `failOn`. */
function recordingStore(failOn?: string) {
  const batches: RequestLogsTable[][] = [];
  const store = {
    async insert(rows: RequestLogsTable[]) {
      if (rows[0]?.id === failOn) throw new Error('the database refused');
      batches.push(rows);
    },
  } as unknown as RequestLogStore;
  return { store, batches };
}

describe('the request log writer', () => {
  test('writes what is queued in batches of at most batchSize rows and batchChars of bodies', async () => {
    const { store, batches } = recordingStore();
    const writer = new RequestLogWriter(store, { delayMs: 60_000, batchSize: 3, batchChars: 100 });
    for (let i = 0; i < 7; i++) writer.add(answered(`req_${i}`));
    writer.add(answered('req_big1', JSON.stringify({ data: 'x'.repeat(120) })));
    writer.add(answered('req_big2', JSON.stringify({ data: 'y'.repeat(120) })));
    await writer.flush();
    assert.deepEqual(
      batches.map((rows) => rows.map((r) => r.id)),
      [['req_0', 'req_1', 'req_2'], ['req_3', 'req_4', 'req_5'], ['req_6', 'req_big1'], ['req_big2']],
    );
  });

  test('a full batch is written without waiting for the delay', async () => {
    const { store, batches } = recordingStore();
    const writer = new RequestLogWriter(store, { delayMs: 60_000, batchSize: 2 });
    writer.add(answered('req_a'));
    writer.add(answered('req_b'));
    for (let i = 0; i < 100 && batches.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(
      batches.map((rows) => rows.map((r) => r.id)),
      [['req_a', 'req_b']],
    );
  });

  test('a failed write and the requests dropped past maxWaiting are reported, and the writer goes on', async () => {
    const { store, batches } = recordingStore('req_0');
    const writer = new RequestLogWriter(store, { delayMs: 60_000, batchSize: 2, maxWaiting: 3 });
    const reported: { message: string; lost: number }[] = [];
    writer.onError = (error, { lost }) => reported.push({ message: (error as Error).message, lost });
    for (let i = 0; i < 5; i++) writer.add(answered(`req_${i}`));
    await writer.flush();
    assert.deepEqual(reported, [
      { message: 'the database refused', lost: 2 },
      { message: 'request logs waiting to be written passed their limit', lost: 2 },
    ]);
    assert.deepEqual(
      batches.map((rows) => rows.map((r) => r.id)),
      [['req_2']],
    );
    writer.add(answered('req_later'));
    await writer.flush();
    assert.deepEqual(
      batches.at(-1)?.map((r) => r.id),
      ['req_later'],
    );
  });
});
