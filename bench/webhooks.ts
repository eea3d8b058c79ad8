/**
 * openfc's webhook benchmark, run from bench/run.ts on each backend.
 *
 * openfc runs in a child process (bench/webhook-server.ts) with its delivery worker; a plain
 * node:http receiver runs here and answers 200 at once. A webhook endpoint for `customer.created`
 * pointing at the receiver is made with `POST /v1/webhook_endpoints`. Three figures:
 *
 * - throughput of the worker alone: `throughputEvents` customers with their events (and, through
 *   the event log, their deliveries) written in one transaction inside the openfc process, timed from
 *   that commit to the receiver getting the last delivery. The baseline is undici, in the same child
 *   process, POSTing the very bodies and signature headers the receiver got, with the worker's
 *   concurrency and agent settings, timed from its first POST to the receiver getting the last.
 * - writes and deliveries together: `throughputEvents` customer creates (one transaction each) by
 *   `eventWriters` concurrent loops in the openfc process while the worker delivers, timed from the
 *   first commit to the last delivery.
 * - latency: `latencyChanges` `POST /v1/customers` made one at a time from here, each waiting for
 *   its delivery (and a pause) before the next, so that the worker is idle when the change lands.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Stripe from 'stripe';
import { request } from 'undici';
import { type Child, startChild, stopChild } from './children.ts';
import { median, percentile, warn } from './format.ts';
import { createBenchDatabase } from './postgres.ts';
import { positiveInteger } from './settings.ts';
import type {
  Claims,
  CpuAnswer,
  CustomersAnswer,
  PostAnswer,
  WebhookCommand,
  WebhookRequest,
} from './webhook-server.ts';

const apiVersion = '2026-03-04.preview';
/** As in src/app.ts: attempts the worker keeps in flight. */
export const workerConcurrency = 32;
export const throughputEvents = 1000;
/** Rounds of worker then baseline, alternating, so that both meet the same moments of load. */
export const throughputRounds = positiveInteger('BENCH_WEBHOOK_ROUNDS', 3);
/** After the receiver has the last delivery, before the worker's CPU time is read. */
const recordPauseMs = 100;
export const throughputWarmupEvents = 200;
/** Loops writing the throughput events side by side. */
export const eventWriters = 8;
export const latencyChanges = 200;
export const latencyWarmupChanges = 20;
/** Between one delivery and the next change, so the worker has recorded its attempt and is idle. */
export const latencyPauseMs = 20;
/**
 * How long the run waits without any delivery arriving before it gives up, so that a stuck worker
 * cannot hang it. Never a goal: any delivery resets it.
 */
const stallMs = 15_000;

/**
 * Backlogs of events committed at once, sent by the worker with nothing else running, each
 * followed by the baseline sending the same requests; figures are the rounds' medians.
 */
export interface ThroughputMeasurement {
  /** Events over all rounds. */
  events: number;
  rounds: number;
  /** Distinct events the receiver got, and deliveries of an event it had already got. */
  delivered: number;
  duplicates: number;
  /** Deliveries whose `Stripe-Signature` the official SDK rejected. */
  badSignatures: number;
  /** Average body size. */
  payloadBytes: number;
  /** The commit to the receiver getting the last delivery. */
  deliverMs: number;
  deliveriesPerSecond: number;
  /** The openfc process's CPU µs per delivery, from the commit to the last attempt recorded. */
  cpuPerDelivery: number;
  /** undici sending the same requests: its first POST to the receiver getting the last. */
  baselineMs: number;
  baselinePerSecond: number;
  /** The same process's CPU µs per POST of the baseline. */
  cpuPerPost: number;
  /** Each round's deliveries/s divided by its undici POSTs/s. */
  ratios: number[];
  baselineFailures: number;
  /** The worker's claims in a round (median), and those that found nothing due. */
  claims: Claims;
}

/** Customers created by concurrent writers while the worker delivers their events. */
export interface WritersMeasurement {
  events: number;
  writers: number;
  undelivered: number;
  /** First commit to last commit. */
  writeMs: number;
  /** First commit to the receiver getting the last delivery. */
  deliverMs: number;
  deliveriesPerSecond: number;
  /** Deliveries the receiver had got by the last commit. */
  deliveredWhileWriting: number;
  /** The worker's claims from the first write until its last attempt was recorded. */
  claims: Claims;
}

export interface LatencyMeasurement {
  changes: number;
  /** From the API response (the change committed) to the receiver getting the POST. */
  fromResponseP50: number;
  fromResponseP99: number;
  /** From the start of the API request. */
  fromRequestP50: number;
  fromRequestP99: number;
  /** The API request alone. */
  apiP50: number;
  apiP99: number;
  /** Deliveries that reached the receiver before the client had read the API response. */
  beforeResponse: number;
  /** Changes whose delivery did not come within the give-up time. */
  missing: number;
  /** The worker's claims over the measured changes. */
  claims: Claims;
}

export interface WebhookMeasurement {
  backend: string;
  throughput: ThroughputMeasurement;
  writers: WritersMeasurement;
  latency: LatencyMeasurement;
}

// ---------------------------------------------------------------------------------------------
// The receiver

interface Arrival {
  /** Date.now(), comparable with the child's commit times. */
  at: number;
  /** performance.now(), comparable with this process's API request times. */
  hr: number;
  body: string;
  signature: string;
}

interface Receiver {
  url: string;
  arrivals: Arrival[];
  /** Called on each arrival, after it is recorded. */
  onArrival: ((a: Arrival) => void) | undefined;
  /**
   * Resolves once `count` requests have arrived since the last `reset`; fails when none has
   * arrived for `stallMs`.
   */
  waitFor(count: number): Promise<void>;
  reset(): void;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  let waiter: { count: number; progress: () => void } | undefined;
  const receiver: Receiver = {
    url: '',
    arrivals: [],
    onArrival: undefined,
    waitFor(count) {
      return new Promise((resolve, reject) => {
        if (receiver.arrivals.length >= count) return resolve();
        let timer: NodeJS.Timeout | undefined;
        const stalled = () => {
          waiter = undefined;
          reject(
            new Error(
              `The receiver got ${receiver.arrivals.length} of ${count} requests and then nothing for ${stallMs / 1000} s.`,
            ),
          );
        };
        timer = setTimeout(stalled, stallMs);
        waiter = {
          count,
          progress: () => {
            clearTimeout(timer);
            if (receiver.arrivals.length < count) {
              timer = setTimeout(stalled, stallMs);
              return;
            }
            waiter = undefined;
            resolve();
          },
        };
      });
    },
    reset() {
      receiver.arrivals = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const arrival = {
        at: Date.now(),
        hr: performance.now(),
        body: Buffer.concat(chunks).toString('utf8'),
        signature: String(req.headers['stripe-signature'] ?? ''),
      };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"received":true}');
      receiver.arrivals.push(arrival);
      receiver.onArrival?.(arrival);
      waiter?.progress();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;
  return receiver;
}

// ---------------------------------------------------------------------------------------------
// The openfc child

let nextRequestId = 0;

/** Sends a command to bench/webhook-server.ts and waits for its answer. */
function ask<T>(child: ChildProcess, command: WebhookCommand): Promise<T> {
  const id = ++nextRequestId;
  return new Promise((resolve, reject) => {
    const onMessage = (message: { id: number; error?: string }) => {
      if (message.id !== id) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (message.error !== undefined) reject(new Error(`webhook-server.ts: ${message.error}`));
      else resolve(message as T);
    };
    const onExit = () => reject(new Error('webhook-server.ts exited during a command.'));
    child.on('message', onMessage);
    child.once('exit', onExit);
    const sent: WebhookRequest = { id, command };
    child.send(sent);
  });
}

interface OpenfcReady {
  url: string;
  secretKey: string;
}

async function api(
  fc: OpenfcReady,
  path: string,
  form: string,
): Promise<{ status: number; json: Record<string, unknown>; text: string }> {
  const response = await request(`${fc.url}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${fc.secretKey}`,
      'stripe-version': apiVersion,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: form,
    headersTimeout: stallMs,
    bodyTimeout: stallMs,
  });
  const text = await response.body.text();
  return { status: response.statusCode, json: JSON.parse(text) as Record<string, unknown>, text };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const claimsSince = (before: Claims, after: Claims): Claims => ({
  found: after.found - before.found,
  empty: after.empty - before.empty,
});

// ---------------------------------------------------------------------------------------------
// Throughput

/** One round: the worker sends a backlog, then undici POSTs the same requests. */
interface ThroughputRound {
  arrivals: Arrival[];
  deliverMs: number;
  deliveriesPerSecond: number;
  cpuPerDelivery: number;
  baselineMs: number;
  baselinePerSecond: number;
  cpuPerPost: number;
  baselineFailures: number;
  claims: Claims;
}

async function throughputRound(child: ChildProcess, receiver: Receiver): Promise<ThroughputRound> {
  await pause(200);
  receiver.reset();
  const written = await ask<CustomersAnswer>(child, { kind: 'backlog', count: throughputEvents });
  await receiver.waitFor(throughputEvents);
  const arrivals = receiver.arrivals.slice();
  const deliverMs = Math.max(...arrivals.map((a) => a.at)) - written.lastCommit;
  // The worker records its last attempts after the receiver has them.
  await pause(recordPauseMs);
  const idle = await ask<CpuAnswer>(child, { kind: 'cpu' });

  const deliveries = arrivals.map((a) => ({ body: a.body, signature: a.signature }));
  await pause(200);
  receiver.reset();
  const posted = await ask<PostAnswer>(child, {
    kind: 'post',
    url: receiver.url,
    deliveries,
    concurrency: workerConcurrency,
  });
  await receiver.waitFor(deliveries.length);
  const baselineMs = Math.max(...receiver.arrivals.map((a) => a.at)) - posted.started;
  if (posted.firstFailure !== undefined)
    process.stderr.write(`baseline: first failure: ${posted.firstFailure}\n`);
  return {
    arrivals,
    deliverMs,
    deliveriesPerSecond: (arrivals.length / deliverMs) * 1000,
    cpuPerDelivery: (idle.cpuMicros - written.cpuMicros) / arrivals.length,
    baselineMs,
    baselinePerSecond: (receiver.arrivals.length / baselineMs) * 1000,
    cpuPerPost: (posted.cpuEndMicros - posted.cpuStartMicros) / deliveries.length,
    baselineFailures: posted.failures + (deliveries.length - receiver.arrivals.length),
    claims: claimsSince(written.claimsBefore, idle.claims),
  };
}

async function measureThroughput(
  child: ChildProcess,
  receiver: Receiver,
  secret: string,
): Promise<ThroughputMeasurement> {
  // Warm-up: not counted; lets V8 optimise the worker's path and opens the keep-alive connections.
  receiver.reset();
  await ask<CustomersAnswer>(child, { kind: 'backlog', count: throughputWarmupEvents });
  await receiver.waitFor(throughputWarmupEvents);
  const warmup = receiver.arrivals.map((a) => ({ body: a.body, signature: a.signature }));
  await pause(200);
  receiver.reset();
  await ask<PostAnswer>(child, {
    kind: 'post',
    url: receiver.url,
    deliveries: warmup,
    concurrency: workerConcurrency,
  });
  await receiver.waitFor(warmup.length);

  const rounds: ThroughputRound[] = [];
  for (let i = 0; i < throughputRounds; i++) rounds.push(await throughputRound(child, receiver));

  // Checked off the clock: one delivery per event, each signed as Stripe's SDK expects.
  const stripe = new Stripe('sk_test_signatureCheckOnly');
  const ids = new Set<string>();
  let badSignatures = 0;
  const arrivals = rounds.flatMap((r) => r.arrivals);
  for (const a of arrivals) {
    ids.add((JSON.parse(a.body) as { id: string }).id);
    try {
      stripe.webhooks.constructEvent(a.body, a.signature, secret);
    } catch {
      badSignatures += 1;
    }
  }
  const payloadBytes = Math.round(
    arrivals.reduce((sum, a) => sum + Buffer.byteLength(a.body), 0) / Math.max(1, arrivals.length),
  );
  const events = throughputEvents * throughputRounds;
  return {
    events,
    rounds: throughputRounds,
    delivered: ids.size,
    duplicates: arrivals.length - ids.size,
    badSignatures,
    payloadBytes,
    deliverMs: median(rounds.map((r) => r.deliverMs)),
    deliveriesPerSecond: median(rounds.map((r) => r.deliveriesPerSecond)),
    cpuPerDelivery: median(rounds.map((r) => r.cpuPerDelivery)),
    baselineMs: median(rounds.map((r) => r.baselineMs)),
    baselinePerSecond: median(rounds.map((r) => r.baselinePerSecond)),
    cpuPerPost: median(rounds.map((r) => r.cpuPerPost)),
    ratios: rounds.map((r) => r.deliveriesPerSecond / r.baselinePerSecond),
    baselineFailures: rounds.reduce((sum, r) => sum + r.baselineFailures, 0),
    claims: {
      found: median(rounds.map((r) => r.claims.found)),
      empty: median(rounds.map((r) => r.claims.empty)),
    },
  };
}

async function measureWriters(child: ChildProcess, receiver: Receiver): Promise<WritersMeasurement> {
  await pause(200);
  receiver.reset();
  const written = await ask<CustomersAnswer>(child, {
    kind: 'customers',
    count: throughputEvents,
    writers: eventWriters,
  });
  await receiver.waitFor(throughputEvents);
  const arrivals = receiver.arrivals.slice();
  const deliverMs = Math.max(...arrivals.map((a) => a.at)) - written.firstCommit;
  const ids = new Set(arrivals.map((a) => (JSON.parse(a.body) as { id: string }).id));
  await pause(recordPauseMs);
  const idle = await ask<CpuAnswer>(child, { kind: 'cpu' });
  return {
    events: throughputEvents,
    writers: eventWriters,
    undelivered: throughputEvents - ids.size,
    writeMs: written.lastCommit - written.firstCommit,
    deliverMs,
    deliveriesPerSecond: (arrivals.length / deliverMs) * 1000,
    deliveredWhileWriting: arrivals.filter((a) => a.at <= written.lastCommit).length,
    claims: claimsSince(written.claimsBefore, idle.claims),
  };
}

// ---------------------------------------------------------------------------------------------
// Latency

async function latencyRun(
  fc: OpenfcReady,
  receiver: Receiver,
  changes: number,
): Promise<{ fromResponse: number[]; fromRequest: number[]; api: number[]; missing: number }> {
  // The delivery may reach the receiver before the API response reaches the client: arrivals are
  // kept by customer id and matched afterwards.
  const arrived = new Map<string, number>();
  let waiting: { customer: string; resolve: () => void } | undefined;
  receiver.onArrival = (a) => {
    const event = JSON.parse(a.body) as { data: { object: { id: string } } };
    arrived.set(event.data.object.id, a.hr);
    if (waiting?.customer === event.data.object.id) waiting.resolve();
  };
  const fromResponse: number[] = [];
  const fromRequest: number[] = [];
  const apiTimes: number[] = [];
  let missing = 0;
  try {
    for (let i = 0; i < changes; i++) {
      const t0 = performance.now();
      const created = await api(fc, '/v1/customers', `name=Latency%20${i}&email=latency-${i}%40example.com`);
      const t1 = performance.now();
      if (created.status !== 200)
        throw new Error(`POST /v1/customers answered ${created.status}: ${created.text}`);
      const customer = created.json.id as string;
      if (!arrived.has(customer)) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, stallMs);
          waiting = {
            customer,
            resolve: () => {
              clearTimeout(timer);
              resolve();
            },
          };
        });
        waiting = undefined;
      }
      const t2 = arrived.get(customer);
      if (t2 === undefined) {
        missing += 1;
        continue;
      }
      fromResponse.push(t2 - t1);
      fromRequest.push(t2 - t0);
      apiTimes.push(t1 - t0);
      await pause(latencyPauseMs);
    }
  } finally {
    receiver.onArrival = undefined;
  }
  return { fromResponse, fromRequest, api: apiTimes, missing };
}

async function measureLatency(
  child: ChildProcess,
  fc: OpenfcReady,
  receiver: Receiver,
): Promise<LatencyMeasurement> {
  await latencyRun(fc, receiver, latencyWarmupChanges);
  await pause(200);
  const before = await ask<CpuAnswer>(child, { kind: 'cpu' });
  const run = await latencyRun(fc, receiver, latencyChanges);
  await pause(recordPauseMs);
  const after = await ask<CpuAnswer>(child, { kind: 'cpu' });
  const sorted = (values: number[]) => Float64Array.from(values).sort();
  const fromResponse = sorted(run.fromResponse);
  const fromRequest = sorted(run.fromRequest);
  const apiTimes = sorted(run.api);
  return {
    changes: latencyChanges,
    fromResponseP50: percentile(fromResponse, 50),
    fromResponseP99: percentile(fromResponse, 99),
    fromRequestP50: percentile(fromRequest, 50),
    fromRequestP99: percentile(fromRequest, 99),
    apiP50: percentile(apiTimes, 50),
    apiP99: percentile(apiTimes, 99),
    beforeResponse: run.fromResponse.filter((ms) => ms < 0).length,
    missing: run.missing,
    claims: claimsSince(before.claims, after.claims),
  };
}

// ---------------------------------------------------------------------------------------------
// One backend

/** Both measurements on a fresh SQLite data dir, or on a fresh PostgreSQL database. */
export async function measureWebhooks(backend: 'sqlite' | 'postgres'): Promise<WebhookMeasurement> {
  const name = backend === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'openfc-bench-webhooks-'));
  const database = backend === 'postgres' ? await createBenchDatabase() : undefined;
  let receiver: Receiver | undefined;
  let openfc: Child<OpenfcReady> | undefined;
  try {
    receiver = await startReceiver();
    const profileDir = process.env.BENCH_CPU_PROF;
    openfc = await startChild<OpenfcReady>(
      'webhook-server.ts',
      database ? [dataDir, database.url] : [dataDir],
      {
        ipc: true,
        env: profileDir ? { BENCH_CPU_PROF: path.resolve(profileDir, `webhooks-${backend}`) } : {},
      },
    );
    const fc = openfc.ready;
    const endpoint = await api(
      fc,
      '/v1/webhook_endpoints',
      `url=${encodeURIComponent(receiver.url)}&enabled_events[]=customer.created`,
    );
    if (endpoint.status !== 200)
      throw new Error(`POST /v1/webhook_endpoints answered ${endpoint.status}: ${endpoint.text}`);
    const secret = endpoint.json.secret as string;

    process.stderr.write(
      `webhooks (${name}): ${throughputWarmupEvents} events of warm-up, then ${throughputRounds} rounds of ${throughputEvents}… `,
    );
    const throughput = await measureThroughput(openfc.process, receiver, secret);
    process.stderr.write(
      `${throughput.deliveriesPerSecond.toFixed(0)} deliveries/s (undici ${throughput.baselinePerSecond.toFixed(0)} POSTs/s; ratios ${throughput.ratios.map((r) => r.toFixed(2)).join(', ')})\n`,
    );
    process.stderr.write(
      `webhooks (${name}): ${throughputEvents} customer creates by ${eventWriters} writers while the worker delivers… `,
    );
    const writers = await measureWriters(openfc.process, receiver);
    process.stderr.write(
      `${writers.deliveriesPerSecond.toFixed(0)} deliveries/s (writes took ${writers.writeMs} ms)\n`,
    );
    process.stderr.write(
      `webhooks (${name}): ${latencyWarmupChanges} changes of warm-up, then ${latencyChanges} one at a time… `,
    );
    const latency = await measureLatency(openfc.process, fc, receiver);
    process.stderr.write(`p50 ${latency.fromResponseP50.toFixed(2)} ms from the response\n`);

    const problems = [
      throughput.delivered < throughput.events &&
        `${throughput.events - throughput.delivered} of ${throughput.events} events were not delivered`,
      throughput.duplicates > 0 && `${throughput.duplicates} events were delivered more than once`,
      throughput.badSignatures > 0 && `${throughput.badSignatures} deliveries had a bad signature`,
      throughput.baselineFailures > 0 && `${throughput.baselineFailures} baseline POSTs failed`,
      writers.undelivered > 0 &&
        `${writers.undelivered} of ${writers.events} created customers' events were not delivered`,
      latency.missing > 0 && `${latency.missing} of ${latency.changes} changes were never delivered`,
    ].filter((p): p is string => typeof p === 'string');
    if (problems.length > 0)
      warn([`webhooks (${name}):`, ...problems, 'Its figures do not describe complete, valid deliveries.']);
    return { backend: name, throughput, writers, latency };
  } finally {
    await stopChild(openfc?.process);
    await receiver?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
