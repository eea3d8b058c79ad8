/**
 * openfc's HTTP benchmark.
 *
 * Servers in their own child processes: bare node:http servers answering a fixed JSON body as large
 * as openfc's account object (and one as large as a page of 100 transactions), and openfc itself on
 * a fresh SQLite data dir, then on a fresh PostgreSQL database (`BENCH_HTTP_STORES`). The load
 * generator (autocannon) runs here, in the parent. Every openfc route is reported as a ratio to the
 * bare server's throughput on the same machine in the same run, which is what the goals are set on.
 * Completing sessions consumes them, so that one is a closed loop of its own (8 workers, each
 * creating a session and completing it with the test helper) and is reported in completions/s.
 *
 *   npm run bench                       10 s per route
 *   BENCH_SECONDS=5 npm run bench       a shorter run
 *   BENCH_ONLY=start npm run bench      only the start and idle memory of the built `openfc serve`
 *                                       (BENCH_START_RUNS times, default 3; needs `npm run build`)
 *   BENCH_ONLY=flow npm run bench       only the flow in the browser (sizes, time to the consent screen)
 *   BENCH_ONLY=multi npm run bench      GET account on one `openfc serve`, then on two sharing one
 *                                       PostgreSQL database (needs `npm run build`; not in the default run)
 *   BENCH_CPU_PROF=/tmp/prof npm run bench
 *                                       also writes a V8 CPU profile of the openfc process there
 *
 * A report, not a test: goals are printed as met or not met and the exit code is 0 unless
 * something failed to run.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { type Child, startChild, stopChild } from './children.ts';
import { measureFloor, reportFloor } from './floor.ts';
import { measureFlow, reportFlow } from './flow.ts';
import { percentile, table } from './format.ts';
import type { LoadTarget } from './load-options.ts';
import { measureMulti, reportMulti } from './multi.ts';
import { createBenchDatabase, postgresUnreachable } from './postgres.ts';
import { loadRoute } from './route-load.ts';
import { runScale } from './scale/run.ts';
import { positiveInteger } from './settings.ts';
import { measureStart, reportStart } from './start.ts';
import { reportWebhooks, type WebhookResults } from './webhook-report.ts';
import { measureWebhooks } from './webhooks.ts';

const apiVersion = '2026-03-04.preview';
const connections = 32;
const completionWorkers = 8;
const completionAccounts = 3;
const warmupSeconds = 2;

type Part = 'http' | 'webhooks' | 'flow' | 'multi' | 'start' | 'floor';

/**
 * `BENCH_ONLY=http`, `webhooks`, `flow`, `multi`, `start` or `floor` runs one part of the benchmark;
 * `multi` and `floor` run only when asked for; `start` (part of `http`) alone repeats its measurement.
 */
function readOnly(): Part | undefined {
  const raw = process.env.BENCH_ONLY;
  if (raw === undefined || raw === '') return undefined;
  const parts: readonly string[] = ['http', 'webhooks', 'flow', 'multi', 'start', 'floor'];
  if (parts.includes(raw)) return raw as Part;
  throw new Error(`BENCH_ONLY must be http, webhooks, flow, multi, start or floor, not ${raw}.`);
}

function readSeconds(): number {
  const raw = process.env.BENCH_SECONDS;
  if (raw === undefined || raw === '') return 10;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new Error(`BENCH_SECONDS must be a positive number, not ${raw}.`);
  return seconds;
}

// ---------------------------------------------------------------------------------------------
// Load

interface Target extends LoadTarget {
  name: string;
  goals: Goal[];
  /** The bare server's row this route's ratio is to, when not the first (an equal body size). */
  baseline?: string;
}

interface Goal {
  label: string;
  met(m: Measurement, bare: Measurement): boolean;
}

interface Measurement {
  target: Target;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  total: number;
  non2xx: number;
  errors: number;
}

async function load(target: Target, seconds: number): Promise<Measurement> {
  return { target, ...(await loadRoute(target, seconds, connections, 'bench')) };
}

async function measure(target: Target, seconds: number): Promise<Measurement> {
  process.stderr.write(`${target.name}: ${warmupSeconds} s warm-up, ${seconds} s measured… `);
  await load(target, warmupSeconds);
  const m = await load(target, seconds);
  process.stderr.write(`${Math.round(m.requestsPerSecond)} req/s\n`);
  if (m.non2xx > 0 || m.errors > 0) {
    const line = '!'.repeat(100);
    process.stderr.write(
      `\n${line}\n!! WARNING: ${target.name}: ${m.non2xx} non-2xx responses and ${m.errors} errors out of ${m.total} requests.\n!! Its figures do not measure successful requests.\n${line}\n\n`,
    );
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// Session completion (closed loop)

interface CompletionMeasurement {
  name: string;
  completionsPerSecond: number;
  completions: number;
  /** The complete call alone. */
  completeP50: number;
  completeP99: number;
  /** Creating the session and completing it. */
  pairP50: number;
  pairP99: number;
  /** Non-2xx responses, errors, and completions that linked other than `completionAccounts` accounts. */
  failures: number;
}

interface CompletionSetup {
  url: string;
  headers: Record<string, string>;
  sessionBody: string;
}

/**
 * Runs `completionWorkers` workers for `seconds`, each in a loop: create a session, complete it.
 * No operation starts after the deadline; the rate is over the time until the last one finished.
 */
async function completionLoop(setup: CompletionSetup, seconds: number): Promise<CompletionMeasurement> {
  const complete: number[] = [];
  const pair: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  const fail = (what: string) => {
    failures += 1;
    firstFailure ??= what;
  };
  const post = async (url: string, body: string): Promise<{ status: number; text: string }> => {
    const response = await request(url, { method: 'POST', headers: setup.headers, body });
    return { status: response.statusCode, text: await response.body.text() };
  };
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      try {
        const t0 = performance.now();
        const created = await post(`${setup.url}/v1/financial_connections/sessions`, setup.sessionBody);
        if (created.status < 200 || created.status >= 300) {
          fail(`POST …/sessions answered ${created.status}: ${created.text}`);
          continue;
        }
        const session = (JSON.parse(created.text) as { id: string }).id;
        const t1 = performance.now();
        const completed = await post(
          `${setup.url}/v1/test_helpers/financial_connections/sessions/${session}/complete`,
          '',
        );
        const t2 = performance.now();
        if (completed.status < 200 || completed.status >= 300) {
          fail(`POST …/sessions/${session}/complete answered ${completed.status}: ${completed.text}`);
          continue;
        }
        const linked = (JSON.parse(completed.text) as { accounts?: { data?: unknown[] } }).accounts?.data
          ?.length;
        if (linked !== completionAccounts) {
          fail(`Completing ${session} linked ${linked} accounts, not ${completionAccounts}.`);
          continue;
        }
        complete.push(t2 - t1);
        pair.push(t2 - t0);
      } catch (error) {
        fail(String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: completionWorkers }, worker));
  const elapsed = (performance.now() - started) / 1000;
  if (firstFailure !== undefined) process.stderr.write(`\nfirst failure: ${firstFailure}\n`);
  const completeSorted = Float64Array.from(complete).sort();
  const pairSorted = Float64Array.from(pair).sort();
  return {
    name: `session + complete (${completionAccounts} accounts)`,
    completionsPerSecond: complete.length / elapsed,
    completions: complete.length,
    completeP50: percentile(completeSorted, 50),
    completeP99: percentile(completeSorted, 99),
    pairP50: percentile(pairSorted, 50),
    pairP99: percentile(pairSorted, 99),
    failures,
  };
}

async function measureCompletions(setup: CompletionSetup, seconds: number): Promise<CompletionMeasurement> {
  process.stderr.write(
    `session + complete: ${completionWorkers} workers, ${warmupSeconds} s warm-up, ${seconds} s measured… `,
  );
  const warmup = await completionLoop(setup, warmupSeconds);
  const m = await completionLoop(setup, seconds);
  process.stderr.write(`${m.completionsPerSecond.toFixed(0)} completions/s\n`);
  const failures = warmup.failures + m.failures;
  if (failures > 0) {
    const line = '!'.repeat(100);
    process.stderr.write(
      `\n${line}\n!! WARNING: session + complete: ${m.failures} failed operations out of ${m.completions + m.failures} (and ${warmup.failures} in the warm-up).\n!! Its figures do not measure successful completions only.\n${line}\n\n`,
    );
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// Report

function reportMachine(loadBefore: number): void {
  const cpus = os.cpus();
  console.log('');
  console.log(`openfc benchmark — ${new Date().toISOString()}`);
  console.log(`Node ${process.version} on ${os.platform()}/${os.arch()}`);
  console.log(`CPU: ${cpus[0]?.model.trim() ?? 'unknown'} × ${cpus.length}`);
  console.log(`Load average before the run (1 min): ${loadBefore.toFixed(2)}`);
}

interface HttpResults {
  store: Store;
  results: Measurement[];
  completions: CompletionMeasurement;
  transactionsPage: string;
  accountBytes: number;
}

function report(
  { store, results, completions, transactionsPage, accountBytes }: HttpResults,
  seconds: number,
): void {
  const first = results[0];
  if (!first) return;
  const baselineOf = (m: Measurement) => results.find((r) => r.target.name === m.target.baseline) ?? first;
  console.log('');
  console.log(
    `autocannon: ${connections} connections, ${seconds} s per route after ${warmupSeconds} s of warm-up; ${storeNames[store]} store`,
  );
  console.log(`Bare server body: ${accountBytes} bytes of JSON, as large as openfc's account object`);
  console.log(`GET …/transactions?limit=100: ${transactionsPage}`);
  console.log('');
  const rows = [['route', 'req/s', 'ratio', 'p50 ms', 'p99 ms', 'non-2xx', 'errors']];
  for (const m of results) {
    rows.push([
      m.target.name,
      m.requestsPerSecond.toFixed(0),
      (m.requestsPerSecond / baselineOf(m).requestsPerSecond).toFixed(2),
      m.p50.toFixed(2),
      m.p99.toFixed(2),
      String(m.non2xx),
      String(m.errors),
    ]);
  }
  console.log(table(rows));
  console.log('');
  console.log(
    `Closed loop: ${completionWorkers} workers, each creating a session (limits[accounts]=${completionAccounts}) and completing it with the test helper`,
  );
  console.log('');
  console.log(
    table([
      [
        'operation',
        'completions/s',
        'complete p50 ms',
        'complete p99 ms',
        'pair p50 ms',
        'pair p99 ms',
        'failures',
      ],
      [
        completions.name,
        completions.completionsPerSecond.toFixed(0),
        completions.completeP50.toFixed(2),
        completions.completeP99.toFixed(2),
        completions.pairP50.toFixed(2),
        completions.pairP99.toFixed(2),
        String(completions.failures),
      ],
    ]),
  );
  console.log('');
  const goalRows = [['goal', 'measured', 'result']];
  for (const m of results) {
    for (const goal of m.target.goals) {
      const bare = baselineOf(m);
      const ratio = (m.requestsPerSecond / bare.requestsPerSecond).toFixed(2);
      const measured = goal.label.includes('p99') ? `${m.p99.toFixed(2)} ms` : `ratio ${ratio}`;
      goalRows.push([`${m.target.name}: ${goal.label}`, measured, goal.met(m, bare) ? 'met' : 'NOT MET']);
    }
  }
  console.log(table(goalRows));
  const failed = results.filter((m) => m.non2xx > 0 || m.errors > 0);
  if (failed.length > 0 || completions.failures > 0) console.log('');
  for (const m of failed) {
    console.log(`WARNING: ${m.target.name} had ${m.non2xx} non-2xx responses and ${m.errors} errors.`);
  }
  if (completions.failures > 0) {
    console.log(`WARNING: ${completions.name} had ${completions.failures} failed operations.`);
  }
}

const ratioAtLeast = (min: number): Goal => ({
  label: `ratio ≥ ${min}`,
  met: (m, bare) => m.requestsPerSecond / bare.requestsPerSecond >= min,
});
const p99Below = (ms: number): Goal => ({ label: `p99 < ${ms} ms`, met: (m) => m.p99 < ms });

// ---------------------------------------------------------------------------------------------
// Run

interface OpenfcReady {
  url: string;
  secretKey: string;
  customer: string;
  session: string;
  account: string;
  linkedAccounts: number;
  accountBodyBytes: number;
  transactionsAccount: string;
  transactionCount: number;
}

/**
 * A PaymentMethod with a mandate, set up by a confirmed SetupIntent, for the PaymentIntents to
 * debit: each of those makes a new debit from it.
 */
async function savedPaymentMethod(url: string, headers: Record<string, string>, body: string) {
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${url} answered ${response.status}: ${text}`);
  return (JSON.parse(text) as { payment_method: string }).payment_method;
}

type Store = 'sqlite' | 'postgres';
const storeNames: Record<Store, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

/** The stores the HTTP part runs on: `BENCH_HTTP_STORES` (default `sqlite,postgres`). */
function readHttpStores(): Store[] {
  const raw = process.env.BENCH_HTTP_STORES ?? 'sqlite,postgres';
  const stores = raw.split(',').map((s) => s.trim());
  for (const store of stores) {
    if (store !== 'sqlite' && store !== 'postgres')
      throw new Error(`BENCH_HTTP_STORES lists sqlite and postgres, not ${store}.`);
  }
  return stores as Store[];
}

/** The HTTP part on each store asked for; PostgreSQL is skipped, with a message, when unreachable. */
async function runHttpStores(seconds: number): Promise<HttpResults[]> {
  const measured: HttpResults[] = [];
  for (const store of readHttpStores()) {
    if (store === 'postgres') {
      const unreachable = await postgresUnreachable();
      if (unreachable !== undefined) {
        process.stderr.write(`http: skipping PostgreSQL: ${unreachable}\n`);
        continue;
      }
    }
    measured.push(await runHttp(seconds, store));
  }
  return measured;
}

/** The HTTP routes and the session completion loop, against openfc on one store. */
async function runHttp(seconds: number, store: Store): Promise<HttpResults> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'openfc-bench-'));
  const database = store === 'postgres' ? await createBenchDatabase('openfc_bench_http') : undefined;
  let openfc: Child<OpenfcReady> | undefined;
  let bare: Child<{ url: string }> | undefined;
  let barePage: Child<{ url: string }> | undefined;
  try {
    process.stderr.write(`http: openfc on ${storeNames[store]}\n`);
    const profileDir = process.env.BENCH_CPU_PROF;
    const profileFlags = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`] : [];
    const args = database ? [dataDir, database.url] : [dataDir];
    openfc = await startChild<OpenfcReady>('openfc-server.ts', args, { nodeFlags: profileFlags });
    const fc = openfc.ready;
    process.stderr.write(
      `openfc at ${fc.url}: ${fc.linkedAccounts} linked accounts; GET account reads ${fc.account} (${fc.accountBodyBytes} bytes)\n`,
    );

    bare = await startChild<{ url: string }>('bare-server.ts', [String(fc.accountBodyBytes)]);
    const bareBytes = Buffer.byteLength(await (await fetch(bare.ready.url)).text());
    if (bareBytes !== fc.accountBodyBytes) {
      throw new Error(`The bare server answers ${bareBytes} bytes, not ${fc.accountBodyBytes}.`);
    }

    const auth = { authorization: `Bearer ${fc.secretKey}`, 'stripe-version': apiVersion };

    // The transactions page must be full (100), or hold every transaction the account has.
    const transactionsUrl = `${fc.url}/v1/financial_connections/transactions?account=${fc.transactionsAccount}&limit=100`;
    const pageResponse = await fetch(transactionsUrl, { headers: auth });
    const pageText = await pageResponse.text();
    if (!pageResponse.ok)
      throw new Error(`GET ${transactionsUrl} answered ${pageResponse.status}: ${pageText}`);
    const pageLength = (JSON.parse(pageText) as { data: unknown[] }).data.length;
    const expected = Math.min(100, fc.transactionCount);
    if (pageLength !== expected) {
      throw new Error(
        `GET …/transactions?limit=100 returned ${pageLength} transactions; the account has ${fc.transactionCount}.`,
      );
    }
    const transactionsPage =
      pageLength === 100
        ? `a full page of 100 transactions (the account has ${fc.transactionCount}), ${Buffer.byteLength(pageText)} bytes`
        : `only ${pageLength} transactions: the account has fewer than 100, ${Buffer.byteLength(pageText)} bytes`;
    process.stderr.write(`GET …/transactions?limit=100 of ${fc.transactionsAccount}: ${transactionsPage}\n`);
    // The transactions route's baseline: a bare server answering a body as large as that page.
    const pageBytes = Buffer.byteLength(pageText);
    barePage = await startChild<{ url: string }>('bare-server.ts', [String(pageBytes)]);
    const barePageName = `bare node:http GET (${(pageBytes / 1024).toFixed(0)} kB, as the transactions page)`;
    const sessionBody = `account_holder[type]=customer&account_holder[customer]=${fc.customer}&permissions[0]=balances&permissions[1]=payment_method`;
    const post = {
      method: 'POST' as const,
      url: `${fc.url}/v1/financial_connections/sessions`,
      headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: sessionBody,
    };
    const form = { ...auth, 'content-type': 'application/x-www-form-urlencoded' };
    const setupBody = `customer=${fc.customer}&payment_method_data[type]=us_bank_account&payment_method_data[us_bank_account][financial_connections_account]=${fc.account}&confirm=true&mandate_data[customer_acceptance][type]=offline`;
    const paymentMethod = await savedPaymentMethod(`${fc.url}/v1/setup_intents`, form, setupBody);
    process.stderr.write(`payments: ${paymentMethod}, set up on ${fc.account}\n`);
    const targets: Target[] = [
      { name: 'bare node:http GET', url: bare.ready.url, method: 'GET', headers: {}, goals: [] },
      {
        name: 'GET /v1/financial_connections/accounts/:id',
        url: `${fc.url}/v1/financial_connections/accounts/${fc.account}`,
        method: 'GET',
        headers: auth,
        goals: [ratioAtLeast(0.5), p99Below(5)],
      },
      { name: 'POST /v1/financial_connections/sessions', ...post, goals: [ratioAtLeast(0.2)] },
      {
        name: 'POST /v1/financial_connections/sessions (Idempotency-Key)',
        ...post,
        idempotencyKeys: true,
        goals: [ratioAtLeast(0.15)],
      },
      {
        name: 'GET /v1/financial_connections/accounts?limit=10',
        url: `${fc.url}/v1/financial_connections/accounts?limit=10`,
        method: 'GET',
        headers: auth,
        goals: [ratioAtLeast(0.35)],
      },
      {
        name: 'POST /v1/setup_intents (confirm, mandate)',
        url: `${fc.url}/v1/setup_intents`,
        method: 'POST',
        headers: form,
        body: setupBody,
        goals: [],
      },
      {
        name: 'POST /v1/payment_intents (confirm)',
        url: `${fc.url}/v1/payment_intents`,
        method: 'POST',
        headers: form,
        body: `amount=1099&currency=usd&customer=${fc.customer}&payment_method=${paymentMethod}&confirm=true`,
        goals: [],
      },
      {
        name: 'GET /v1/financial_connections/transactions?limit=100',
        url: transactionsUrl,
        method: 'GET',
        headers: auth,
        goals: [ratioAtLeast(0.1)],
        baseline: barePageName,
      },
      {
        name: barePageName,
        url: barePage.ready.url,
        method: 'GET',
        headers: {},
        goals: [],
        baseline: barePageName,
      },
    ];

    const results: Measurement[] = [];
    for (const target of targets) results.push(await measure(target, seconds));
    const completions = await measureCompletions(
      {
        url: fc.url,
        headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
        sessionBody: `account_holder[type]=customer&account_holder[customer]=${fc.customer}&permissions[0]=balances&permissions[1]=transactions&limits[accounts]=${completionAccounts}`,
      },
      seconds,
    );
    return { store, results, completions, transactionsPage, accountBytes: fc.accountBodyBytes };
  } finally {
    await Promise.all([stopChild(bare?.process), stopChild(barePage?.process), stopChild(openfc?.process)]);
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The webhook measurements on SQLite, then on PostgreSQL when it is reachable. */
async function runWebhooks(): Promise<WebhookResults> {
  const measured = [await measureWebhooks('sqlite')];
  const postgresSkipped = await postgresUnreachable();
  if (postgresSkipped === undefined) measured.push(await measureWebhooks('postgres'));
  else process.stderr.write(`webhooks: skipping PostgreSQL: ${postgresSkipped}\n`);
  return { measured, postgresSkipped };
}

async function main(): Promise<void> {
  const seconds = readSeconds();
  if (process.env.BENCH_SCALE) return runScale(seconds);
  const only = readOnly();
  // Other work on the machine skews absolute figures (ratios much less); shown in the report.
  const loadBefore = os.loadavg()[0] ?? 0;
  const runs = (part: Part) => only === undefined || only === part;
  // Calls of collectFinancialConnectionsAccounts timed after the cold one.
  const flowRuns = positiveInteger('BENCH_FLOW_RUNS', 30);
  const start =
    runs('http') || only === 'start'
      ? await measureStart(only === 'start' ? positiveInteger('BENCH_START_RUNS', 3) : 1)
      : undefined;
  const http = runs('http') ? await runHttpStores(seconds) : undefined;
  const webhooks = runs('webhooks') ? await runWebhooks() : undefined;
  const flow = runs('flow') ? await measureFlow(flowRuns) : undefined;
  const multi = only === 'multi' ? await measureMulti(seconds) : undefined;
  const floor = only === 'floor' ? await measureFloor(seconds) : undefined;
  reportMachine(loadBefore);
  if (start) reportStart(start);
  for (const results of http ?? []) report(results, seconds);
  if (webhooks) reportWebhooks(webhooks);
  if (flow) reportFlow(flow);
  if (multi) reportMulti(multi);
  if (floor) reportFloor(floor, seconds);
}

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
}
