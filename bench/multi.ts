/**
 * Two `openfc serve` processes (the built command) on one PostgreSQL database, against one: the
 * rate of `GET /v1/financial_connections/accounts/{id}` with the load on one process, then spread
 * over both, beside the bare node:http server's rate in the same run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Child, startChild, stopChild } from './children.ts';
import { median, table } from './format.ts';
import type { LoadTarget } from './load-options.ts';
import { createBenchDatabase, postgresUnreachable } from './postgres.ts';
import { loadRoutes, type SpreadLoadResult } from './route-load.ts';
import { positiveInteger } from './settings.ts';
import { freePort } from './start.ts';

const projectDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const apiVersion = '2026-03-04.preview';
const connections = 32;
const warmupSeconds = 2;
/** The goal: two processes serve at least this many times one process's rate. */
const goalRatio = 1.6;

export interface MultiWindow {
  name: string;
  /** The 1-minute load average just before the window's warm-up. */
  loadBefore: number;
  result: SpreadLoadResult;
}

export interface MultiRound {
  one: MultiWindow;
  two: MultiWindow;
}

export interface MultiResults {
  cpus: number;
  accountBytes: number;
  bare: MultiWindow;
  /** The first round's one-process window ran before the second process was started. */
  rounds: MultiRound[];
}

const roundRatio = (r: MultiRound): number => r.two.result.requestsPerSecond / r.one.result.requestsPerSecond;

interface Serve {
  url: string;
  child: ChildProcess;
}

/** `node bin/openfc.js serve` on `databaseUrl`, once `/healthz` answers. */
async function startServe(databaseUrl: string, dataDir: string, env: Record<string, string>): Promise<Serve> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      'bin/openfc.js',
      'serve',
      '--database',
      databaseUrl,
      '--port',
      String(port),
      '--data-dir',
      dataDir,
      '--scheduler-interval',
      '0',
    ],
    { cwd: projectDir, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...env } },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = performance.now() + 60_000;
  while (!(await fetch(`${url}/healthz`).catch(() => undefined))?.ok) {
    if (child.exitCode !== null || performance.now() > deadline) {
      await stopChild(child);
      throw new Error('openfc serve did not become healthy');
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { url, child };
}

/** A customer and a completed session, through the API; the first linked account's id and body size. */
async function seedAccount(url: string, secretKey: string): Promise<{ account: string; bytes: number }> {
  const call = async (method: 'GET' | 'POST', route: string, form?: string) => {
    const response = await fetch(`${url}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${secretKey}`,
        'stripe-version': apiVersion,
        ...(form !== undefined && { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      body: form,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${route} answered ${response.status}: ${text}`);
    return text;
  };
  const customer = (
    JSON.parse(await call('POST', '/v1/customers', 'name=Bench%20Customer')) as { id: string }
  ).id;
  const session = (
    JSON.parse(
      await call(
        'POST',
        '/v1/financial_connections/sessions',
        `account_holder[type]=customer&account_holder[customer]=${customer}&permissions[0]=balances&permissions[1]=payment_method`,
      ),
    ) as { id: string }
  ).id;
  const completed = JSON.parse(
    await call('POST', `/v1/test_helpers/financial_connections/sessions/${session}/complete`, ''),
  ) as { accounts?: { data?: { id: string }[] } };
  const account = completed.accounts?.data?.[0]?.id;
  if (!account) throw new Error(`Completing ${session} linked no accounts.`);
  const body = await call('GET', `/v1/financial_connections/accounts/${account}`);
  return { account, bytes: Buffer.byteLength(body) };
}

/** Warm-up, then `seconds` of load spread over `targets` (`connections` shared evenly). */
async function window(name: string, targets: LoadTarget[], seconds: number): Promise<MultiWindow> {
  const loadBefore = os.loadavg()[0] ?? 0;
  const each = connections / targets.length;
  process.stderr.write(`${name}: ${warmupSeconds} s warm-up, ${seconds} s measured… `);
  await loadRoutes(targets, warmupSeconds, each, 'multi');
  const result = await loadRoutes(targets, seconds, each, 'multi');
  process.stderr.write(`${Math.round(result.requestsPerSecond)} req/s\n`);
  if (result.non2xx > 0 || result.errors > 0) {
    const line = '!'.repeat(100);
    process.stderr.write(
      `\n${line}\n!! WARNING: ${name}: ${result.non2xx} non-2xx responses and ${result.errors} errors out of ${result.total} requests.\n${line}\n\n`,
    );
  }
  return { name, loadBefore, result };
}

/**
 * A fresh PostgreSQL database; one `openfc serve` on it, an account linked through its API and
 * `GET …/accounts/{id}` loaded at 32 connections; then a second process on the same database and
 * the load spread over both (16 connections each). Further rounds alternate the two loads (the
 * second process idle during the first's), so that both meet the same moments of the machine's
 * load. The database is dropped at the end.
 */
export async function measureMulti(seconds: number): Promise<MultiResults> {
  const unreachable = await postgresUnreachable();
  if (unreachable !== undefined) throw new Error(`BENCH_ONLY=multi needs PostgreSQL: ${unreachable}`);
  const database = await createBenchDatabase('openfc_bench_multi');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'openfc-bench-multi-'));
  const secretKey = `sk_test_${randomBytes(16).toString('hex')}`;
  // Both processes share the keys and the encryption key, as processes sharing a database must.
  const env = {
    OPENFC_LOG_LEVEL: 'warn',
    OPENFC_SECRET_KEY: secretKey,
    OPENFC_PUBLISHABLE_KEY: `pk_test_${randomBytes(16).toString('hex')}`,
    OPENFC_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
  };
  const serves: Serve[] = [];
  let bare: Child<{ url: string }> | undefined;
  try {
    serves.push(await startServe(database.url, dataDir, env));
    const first = serves[0] as Serve;
    const { account, bytes } = await seedAccount(first.url, secretKey);
    process.stderr.write(
      `openfc serve at ${first.url} on PostgreSQL: GET account reads ${account} (${bytes} bytes)\n`,
    );
    bare = await startChild<{ url: string }>('bare-server.ts', [String(bytes)]);
    const headers = { authorization: `Bearer ${secretKey}`, 'stripe-version': apiVersion };
    const accountOf = (serve: Serve): LoadTarget => ({
      url: `${serve.url}/v1/financial_connections/accounts/${account}`,
      method: 'GET',
      headers,
    });
    const bareWindow = await window(
      'bare node:http GET',
      [{ url: bare.ready.url, method: 'GET', headers: {} }],
      seconds,
    );
    const rounds: MultiRound[] = [];
    // Rounds of one process then two, one after the other.
    const total = positiveInteger('BENCH_MULTI_ROUNDS', 3);
    for (let round = 1; round <= total; round++) {
      const one = await window(`GET account, one process (round ${round})`, [accountOf(first)], seconds);
      if (serves.length === 1) serves.push(await startServe(database.url, dataDir, env));
      const two = await window(`GET account, two processes (round ${round})`, serves.map(accountOf), seconds);
      rounds.push({ one, two });
    }
    return { cpus: os.cpus().length, accountBytes: bytes, bare: bareWindow, rounds };
  } finally {
    await Promise.all([stopChild(bare?.process), ...serves.map((s) => stopChild(s.child))]);
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function reportMulti(m: MultiResults): void {
  const bareRate = m.bare.result.requestsPerSecond;
  console.log('');
  console.log(
    `Two openfc serve processes on one PostgreSQL database: autocannon, ${connections} connections in all (${connections / 2} per process with two), ${warmupSeconds} s of warm-up each; ${m.cpus} CPUs (os.cpus().length)`,
  );
  console.log(`Bare server body: ${m.accountBytes} bytes of JSON, as large as openfc's account object`);
  console.log('');
  const windows = [m.bare, ...m.rounds.flatMap((r) => [r.one, r.two])];
  const rows = [
    [
      'window',
      'load avg before',
      'req/s',
      'per process',
      'ratio to bare',
      'p50 ms',
      'p99 ms',
      'non-2xx',
      'errors',
    ],
  ];
  for (const w of windows) {
    const r = w.result;
    rows.push([
      w.name,
      w.loadBefore.toFixed(2),
      r.requestsPerSecond.toFixed(0),
      r.each.length > 1 ? r.each.map((x) => x.toFixed(0)).join(' + ') : '',
      (r.requestsPerSecond / bareRate).toFixed(2),
      r.p50.toFixed(2),
      r.p99.toFixed(2),
      String(r.non2xx),
      String(r.errors),
    ]);
  }
  console.log(table(rows));
  const ratios = m.rounds.map(roundRatio);
  const ratio = median(ratios);
  console.log('');
  console.log(`two processes / one, per round: ${ratios.map((r) => r.toFixed(2)).join(', ')}`);
  console.log(
    `two processes / one, median: ${ratio.toFixed(2)} (goal ≥ ${goalRatio} on a machine with enough cores: ${ratio >= goalRatio ? 'met' : 'NOT MET'}${m.cpus < 4 ? `; with ${m.cpus} CPUs, the load generator, PostgreSQL and both servers share them, so the goal cannot be met here` : ''})`,
  );
  for (const w of windows) {
    if (w.result.non2xx > 0 || w.result.errors > 0)
      console.log(
        `WARNING: ${w.name} had ${w.result.non2xx} non-2xx responses and ${w.result.errors} errors.`,
      );
  }
}
