/**
 * openfc under the webhook benchmark, in its own process: started with `startOpenfc` on an SQLite
 * data dir or a PostgreSQL database, its delivery worker running as in `openfc serve`.
 *
 * Usage: node --import tsx bench/webhook-server.ts <data dir> [postgres:// URL]
 * Prints one JSON line on stdout once ready: {"url", "secretKey"}. Then answers the parent's
 * requests over the IPC channel (see `WebhookRequest`), one at a time. Stops cleanly (closing the
 * store) on SIGTERM or SIGINT.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';
import { Agent, request } from 'undici';
import { startOpenfc } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import type { Customer } from '../src/domain/customers/service.ts';
import { customerIds } from '../src/domain/customers/service.ts';
import { newId } from '../src/domain/ids.ts';

/** What the parent asks for. */
export type WebhookCommand =
  | {
      /** Writes `count` customers and their events in one transaction, in this process. */
      kind: 'backlog';
      count: number;
    }
  | {
      /** Creates `count` customers one after another, in this process, without HTTP. */
      kind: 'customers';
      count: number;
      writers: number;
    }
  | {
      /** This process's CPU time so far. */
      kind: 'cpu';
    }
  | {
      /** POSTs each body with its signature header to `url`, `concurrency` at a time. */
      kind: 'post';
      url: string;
      deliveries: { body: string; signature: string }[];
      concurrency: number;
    };

/** A command as sent; its answer carries the same `id` (and `error` if it failed). */
export interface WebhookRequest {
  id: number;
  command: WebhookCommand;
}

/** CPU time (user and system) this process has used, in µs. */
export function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** The worker's claims of due deliveries so far (`openfc_webhook_claims_total`). */
export interface Claims {
  found: number;
  empty: number;
}

export interface CpuAnswer {
  id: number;
  cpuMicros: number;
  claims: Claims;
}

export interface CustomersAnswer {
  id: number;
  /** The worker's claims before the first write. */
  claimsBefore: Claims;
  /** This process's CPU time at the last commit. */
  cpuMicros: number;
  /** Wall-clock ms (Date.now()) when the first and the last customer's transaction had committed. */
  firstCommit: number;
  lastCommit: number;
}

export interface PostAnswer {
  id: number;
  /** Wall-clock ms just before the first POST. */
  started: number;
  /** This process's CPU time just before the first POST, and once every answer was read. */
  cpuStartMicros: number;
  cpuEndMicros: number;
  /** Non-2xx answers and request errors. */
  failures: number;
  firstFailure?: string;
}

const [dataDir, databaseUrl] = process.argv.slice(2);
if (!dataDir || !process.send) {
  console.error('Usage: webhook-server.ts <data dir> [postgres:// URL], started with an IPC channel');
  process.exit(2);
}

const adminToken = randomBytes(24).toString('hex');
const running = await startOpenfc(
  loadConfig(
    {
      port: '0',
      host: '127.0.0.1',
      dataDir,
      databaseUrl,
      logLevel: 'warn',
      encryptionKey: randomBytes(32).toString('hex'),
      adminToken,
    },
    {},
  ),
);
const secretKey = running.keys.secretKey;
if (!secretKey) throw new Error('openfc started without a known secret key.');
const merchantId = running.merchant.id;

/** Read from openfc's own metrics, as an operator would. */
async function claims(): Promise<Claims> {
  const response = await request(`${running.url}/metrics`, {
    headers: { authorization: `Bearer ${adminToken}` },
  });
  const text = await response.body.text();
  const count = (result: string) =>
    Number(
      text.match(new RegExp(`^openfc_webhook_claims_total\\{result="${result}"\\} (\\d+)$`, 'm'))?.[1] ?? NaN,
    );
  return { found: count('found'), empty: count('empty') };
}

/**
 * Each create is a state change as the API makes it (the customer, its event and the event's
 * delivery in one transaction, then the worker's wake-up), without the HTTP request around it.
 * `writers` loops create them side by side, as fast as the store takes them.
 */
async function createCustomers(id: number, count: number, writers: number): Promise<CustomersAnswer> {
  const claimsBefore = await claims();
  let firstCommit = 0;
  let next = 0;
  const writer = async () => {
    for (let i = next++; i < count; i = next++) {
      await running.services.customers.create(merchantId, {
        name: `Webhook Bench ${i}`,
        email: `bench-${i}@example.com`,
      });
      if (firstCommit === 0) firstCommit = Date.now();
    }
  };
  await Promise.all(Array.from({ length: writers }, writer));
  return { id, claimsBefore, firstCommit, lastCommit: Date.now(), cpuMicros: cpuMicros() };
}

/**
 * A backlog for the worker alone: what `count` customer creates write (the customer, its
 * `customer.created` event and, through the event log, the event's delivery), all in one
 * transaction, so that every delivery falls due at the one commit and the worker then sends them
 * with nothing else running.
 */
async function writeBacklog(id: number, count: number): Promise<CustomersAnswer> {
  const claimsBefore = await claims();
  const created = Math.floor(Date.now() / 1000);
  await running.store.db.transaction().execute(async (trx) => {
    for (let i = 0; i < count; i++) {
      const customer: Customer = {
        id: newId(customerIds),
        created,
        email: `backlog-${i}@example.com`,
        name: `Webhook Bench ${i}`,
        description: null,
        phone: null,
        metadata: {},
        deleted: false,
      };
      await trx
        .insertInto('customers')
        .values({ ...customer, merchant_id: merchantId, metadata: '{}', deleted: 0 })
        .execute();
      await running.services.events.record(trx, merchantId, {
        type: 'customer.created',
        object: { kind: 'customer', record: customer },
      });
    }
  });
  const committed = Date.now();
  return { id, claimsBefore, firstCommit: committed, lastCommit: committed, cpuMicros: cpuMicros() };
}

/**
 * The baseline: the same signed payloads POSTed with undici, as the worker sends them (same
 * headers, same agent settings, same number in flight), with nothing else around them.
 */
async function post(
  id: number,
  url: string,
  deliveries: { body: string; signature: string }[],
  concurrency: number,
): Promise<PostAnswer> {
  const agent = new Agent({ keepAliveTimeout: 10_000, connections: 64 });
  let next = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  const started = Date.now();
  const cpuStartMicros = cpuMicros();
  const sender = async () => {
    for (let i = next++; i < deliveries.length; i = next++) {
      const delivery = deliveries[i];
      if (!delivery) continue;
      try {
        const response = await request(url, {
          method: 'POST',
          dispatcher: agent,
          headers: {
            'content-type': 'application/json; charset=utf-8',
            'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
            'stripe-signature': delivery.signature,
          },
          body: delivery.body,
        });
        await response.body.text();
        if (response.statusCode < 200 || response.statusCode >= 300) {
          failures += 1;
          firstFailure ??= `answered ${response.statusCode}`;
        }
      } catch (error) {
        failures += 1;
        firstFailure ??= String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, sender));
  const cpuEndMicros = cpuMicros();
  await agent.close();
  return {
    id,
    started,
    cpuStartMicros,
    cpuEndMicros,
    failures,
    ...(firstFailure !== undefined && { firstFailure }),
  };
}

/**
 * With BENCH_CPU_PROF, each window from a backlog's commit until the next `cpu` command (the
 * worker sending that backlog) is profiled on its own, into worker-<n>.cpuprofile in that folder.
 */
const profileDir = process.env.BENCH_CPU_PROF;
const profiler = profileDir ? new Session() : undefined;
profiler?.connect();
let profiles = 0;
let profiling = false;
const inspect = (method: string) =>
  new Promise<unknown>((resolve, reject) =>
    profiler?.post(method, (error, result) => (error ? reject(error) : resolve(result))),
  );

async function profileFromNow(answer: Promise<CustomersAnswer>): Promise<CustomersAnswer> {
  const answered = await answer;
  if (profiler) {
    // A window no `cpu` command closed (the warm-up's) is dropped.
    if (profiling) await inspect('Profiler.stop');
    await inspect('Profiler.enable');
    await inspect('Profiler.start');
    profiling = true;
  }
  return answered;
}

async function cpuAnswer(id: number): Promise<CpuAnswer> {
  const answer = { id, cpuMicros: cpuMicros(), claims: await claims() };
  if (profiler && profileDir && profiling) {
    profiling = false;
    const { profile } = (await inspect('Profiler.stop')) as { profile: unknown };
    mkdirSync(profileDir, { recursive: true });
    writeFileSync(path.join(profileDir, `worker-${++profiles}.cpuprofile`), JSON.stringify(profile));
  }
  return answer;
}

process.on('message', (message: WebhookRequest) => {
  const { command } = message;
  const answer =
    command.kind === 'backlog'
      ? profileFromNow(writeBacklog(message.id, command.count))
      : command.kind === 'customers'
        ? createCustomers(message.id, command.count, command.writers)
        : command.kind === 'cpu'
          ? cpuAnswer(message.id)
          : post(message.id, command.url, command.deliveries, command.concurrency);
  answer.then(
    (a) => process.send?.(a),
    (error: unknown) => process.send?.({ id: message.id, error: String(error) }),
  );
});

process.stdout.write(`${JSON.stringify({ url: running.url, secretKey })}\n`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await running.close();
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
