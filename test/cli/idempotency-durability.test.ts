import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openStore } from '../../src/store/open.ts';
import { backends, type ProvisionedDatabase } from '../support/backends.ts';
import { eventually } from '../support/eventually.ts';
import { cleanUp, type Server, serve } from '../support/processes.ts';

/**
 * openfc killed with SIGKILL in the middle of a burst of writes sent with idempotency keys: after
 * a restart on the same database, sending every key again with the same body answers with the
 * object the first request made and never makes a second one. A key whose request died before
 * committing anything runs once.
 *
 * Each worker makes a customer, a session for it, and completes the session; the completion
 * calls the bank after it commits, so some requests die between their commit and their answer.
 */

const keys = {
  OPENFC_SECRET_KEY: 'sk_test_IdemDurabilityKey00000001',
  OPENFC_PUBLISHABLE_KEY: 'pk_test_IdemDurabilityKey00000002',
};
const secretKey = keys.OPENFC_SECRET_KEY;

type Step = 'customer' | 'session' | 'complete';

interface Sent {
  step: Step;
  path: string;
  body: string;
  key: string;
  /** The first answer, when one came back before the crash. */
  answer?: Answer;
}

/** The object an answer carries: its id, and its status for a session. */
interface Answer {
  id: string;
  status?: string;
}

/** Sends a request with its key; anything but a 200 throws, with the body. */
async function send(server: Server, request: Sent): Promise<Answer> {
  const response = await server.post(request.path, request.body, secretKey, {
    'idempotency-key': request.key,
  });
  const text = await response.text();
  if (response.status !== 200)
    throw new Error(`${request.key} (${request.step}): ${response.status} ${text}`);
  return JSON.parse(text) as Answer;
}

/** One worker's writes until the server dies under one of them. */
async function burst(server: Server, worker: number, sent: Sent[], stop: () => boolean) {
  for (let i = 0; !stop(); i++) {
    const steps: Array<(previous: string) => Omit<Sent, 'key'>> = [
      () => ({ step: 'customer', path: '/v1/customers', body: `email=w${worker}-${i}%40example.com` }),
      (customer) => ({
        step: 'session',
        path: '/v1/financial_connections/sessions',
        body: `account_holder[type]=customer&account_holder[customer]=${customer}&permissions[]=balances`,
      }),
      (session) => ({
        step: 'complete',
        path: `/v1/test_helpers/financial_connections/sessions/${session}/complete`,
        body: '',
      }),
    ];
    let previous = '';
    for (const [n, step] of steps.entries()) {
      const request: Sent = { ...step(previous), key: `w${worker}-${i}-${n}` };
      sent.push(request);
      try {
        request.answer = await send(server, request);
      } catch {
        return; // the server died under this request
      }
      previous = request.answer.id;
    }
  }
}

/** Rows of a table, read from the database itself. */
async function count(
  database: ProvisionedDatabase,
  table: 'customers' | 'fc_sessions' | 'fc_authorizations',
) {
  const store = openStore(database);
  try {
    const row = await store.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  } finally {
    await store.close();
  }
}

/** Makes every key look older than the time after which an unanswered request counts as dead. */
async function ageKeys(database: ProvisionedDatabase, seconds: number): Promise<void> {
  const store = openStore(database);
  try {
    await store.db
      .updateTable('idempotency_keys')
      .set((eb) => ({ created: eb('created', '-', seconds) }))
      .execute();
  } finally {
    await store.close();
  }
}

for (const backend of backends) {
  describe(`idempotency keys survive kill -9 on ${backend.name}`, { skip: backend.skip }, () => {
    test('every key sent again after a restart maps to exactly one object', async (t) => {
      const database = await backend.provision();
      t.after(async () => {
        await cleanUp();
        await database.drop();
      });
      const args = ['--data-dir', database.dataDir];
      if (database.databaseUrl) args.push('--database', database.databaseUrl);
      let server: Server = await serve(args, keys);

      const sent: Sent[] = [];
      let stopped = false;
      const workers = Array.from({ length: 16 }, (_, i) => burst(server, i, sent, () => stopped));
      await eventually(
        'a burst of answered completions',
        () => sent.filter((s) => s.step === 'complete' && s.answer).length,
        (n) => n >= 24,
        30_000,
      );
      await server.kill();
      stopped = true;
      await Promise.all(workers);
      const unanswered = sent.filter((s) => !s.answer);
      assert.ok(unanswered.length > 0, 'the crash left requests unanswered');

      await ageKeys(database, 3600);
      server = await serve(args, keys);
      const failures: string[] = [];
      for (const request of sent) {
        const again = await send(server, request).catch((error: Error) => error);
        if (again instanceof Error) failures.push(again.message);
        else if (request.answer && again.id !== request.answer.id)
          failures.push(`${request.key} answered ${request.answer.id}, then ${again.id}`);
        else if (request.step === 'complete' && again.status !== 'succeeded')
          failures.push(`${request.key} answered a session ${again.status}`);
      }
      const diagnosis = `${unanswered.length} of ${sent.length} requests were unanswered at the crash`;
      assert.deepEqual(failures, [], diagnosis);

      // One object per key: a second customer, session or authorization would be a key run twice.
      const made = (step: Step) => sent.filter((s) => s.step === step).length;
      assert.equal(await count(database, 'customers'), made('customer'), `customers; ${diagnosis}`);
      assert.equal(await count(database, 'fc_sessions'), made('session'), `sessions; ${diagnosis}`);
      assert.equal(
        await count(database, 'fc_authorizations'),
        made('complete'),
        `authorizations; ${diagnosis}`,
      );
      await server.stop();
    });
  });
}
