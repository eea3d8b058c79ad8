/**
 * The scale benchmark (`BENCH_SCALE=1 npm run bench`): the read routes and webhook delivery on an
 * empty database, then again after seeding it with a million linked accounts, ten million
 * transactions, ten thousand customers and their authorizations and events, on SQLite and on
 * PostgreSQL. Also prints each statement's query plan and the database's size.
 *
 * For each store: openfc (bench/scale/server.ts) starts on a fresh data folder (and a fresh
 * PostgreSQL database), the fixtures are made through the API, the routes are measured; openfc
 * stops, the seeder writes straight into its database, openfc starts again on the same data, a few
 * seeded objects are read through the API (the run fails if any read is wrong), and the routes
 * are measured again. Everything is removed at the end.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadOrCreateKey, SecretBox } from '../../src/store/secrets.ts';
import { type Child, startChild, stopChild } from '../children.ts';
import { table } from '../format.ts';
import type { LoadTarget } from '../load-options.ts';
import { createBenchDatabase, postgresUnreachable } from '../postgres.ts';
import { type LoadResult, loadRoute } from '../route-load.ts';
import { openBulkWriter, type SeedTarget, seedTarget } from './bulk-writer.ts';
import { explainPlans, type PlanInputs, type QueryPlan } from './plans.ts';
import { type SeedCounts, type SeedResult, type SeedSize, seed } from './seed.ts';
import { apiCaller, type Call, makeTemplate } from './template.ts';
import { measureWebhookLatency, startWebhookReceiver, type WebhookLatency } from './webhook-latency.ts';

const apiVersion = '2026-03-04.preview';
const connections = 32;
const warmupSeconds = 2;
const pageLimit = 10;

type Store = 'sqlite' | 'postgres';

interface Ready {
  url: string;
  secretKey: string | null;
  merchant: string;
}

interface Route {
  name: string;
  path: string;
  /** Measured on the seeded database only (it reads seeded objects). */
  seededOnly?: boolean;
}

interface RouteFigure extends LoadResult {
  name: string;
  /** 1-minute load average just before the route's warm-up. */
  load: number;
}

interface Phase {
  routes: RouteFigure[];
  webhooks: WebhookLatency;
}

export interface StoreReport {
  store: Store;
  size: SeedSize;
  empty: Phase;
  seeded: Phase;
  counts: SeedCounts;
  seedSeconds: number;
  loadDuringSeed: number;
  bytes: number;
  plans: QueryPlan[];
  checks: string[];
}

/** The size asked for: `BENCH_SCALE_ACCOUNTS` (default a million), ten transactions each, a hundred per customer. */
export function readScaleSize(): SeedSize {
  const raw = process.env.BENCH_SCALE_ACCOUNTS;
  const accounts = raw === undefined || raw === '' ? 1_000_000 : Number(raw);
  if (!Number.isInteger(accounts) || accounts < 100)
    throw new Error(`BENCH_SCALE_ACCOUNTS must be an integer of at least 100, not ${raw}.`);
  return { accounts, transactions: accounts * 10, customers: Math.max(1, Math.round(accounts / 100)) };
}

function readStores(): Store[] {
  const raw = process.env.BENCH_SCALE_STORES ?? 'sqlite,postgres';
  const stores = raw.split(',').filter((s) => s !== '');
  for (const s of stores)
    if (s !== 'sqlite' && s !== 'postgres')
      throw new Error(`BENCH_SCALE_STORES lists sqlite or postgres, not ${s}.`);
  return stores as Store[];
}

async function measureRoutes(url: string, secretKey: string, routes: Route[], bare: string, seconds: number) {
  const headers = { authorization: `Bearer ${secretKey}`, 'stripe-version': apiVersion };
  const targets: Array<{ name: string; target: LoadTarget }> = [
    { name: 'bare node:http GET', target: { url: bare, method: 'GET', headers: {} } },
    ...routes.map((r) => ({
      name: r.name,
      target: { url: `${url}${r.path}`, method: 'GET' as const, headers },
    })),
  ];
  const figures: RouteFigure[] = [];
  for (const { name, target } of targets) {
    const load = os.loadavg()[0] ?? 0;
    process.stderr.write(`  ${name}: `);
    await loadRoute(target, warmupSeconds, connections, 'scale');
    const m = await loadRoute(target, seconds, connections, 'scale');
    process.stderr.write(
      `${Math.round(m.requestsPerSecond)} req/s, p50 ${m.p50.toFixed(2)} ms, p99 ${m.p99.toFixed(2)} ms\n`,
    );
    if (m.non2xx > 0 || m.errors > 0)
      throw new Error(`${name}: ${m.non2xx} non-2xx responses and ${m.errors} errors of ${m.total}.`);
    figures.push({ name, load, ...m });
  }
  return figures;
}

/** Every item of a list, page by page. */
async function listAll(call: Call, listPath: string): Promise<Array<{ id: string }>> {
  const items: Array<{ id: string }> = [];
  for (let after: string | undefined; ; ) {
    const page = (await call('GET', `${listPath}&limit=100${after ? `&starting_after=${after}` : ''}`)) as {
      data: Array<{ id: string }>;
      has_more: boolean;
    };
    items.push(...page.data);
    after = page.data.at(-1)?.id;
    if (!page.has_more || !after) return items;
  }
}

/** Reads seeded objects through the API; throws when one reads wrong. */
async function checkSeeded(call: Call, { sample }: SeedResult): Promise<string[]> {
  const account = await call('GET', `/v1/financial_connections/accounts/${sample.account}`);
  const holder = account.account_holder as { customer?: string };
  if (holder.customer !== sample.customer)
    throw new Error(`${sample.account} reads with holder ${JSON.stringify(holder)}.`);
  const owned = await listAll(
    call,
    `/v1/financial_connections/accounts?account_holder[customer]=${sample.customer}`,
  );
  if (owned.length !== sample.customerAccounts)
    throw new Error(`${sample.customer} lists ${owned.length} accounts, not ${sample.customerAccounts}.`);
  const transactions = await listAll(
    call,
    `/v1/financial_connections/transactions?account=${sample.account}`,
  );
  if (transactions.length !== sample.accountTransactions)
    throw new Error(
      `${sample.account} lists ${transactions.length} transactions, not ${sample.accountTransactions}.`,
    );
  const event = await call('GET', `/v1/events/${sample.event}`);
  if ((event.data as { object: { id: string } }).object.id !== sample.account)
    throw new Error(`${sample.event} is not about ${sample.account}.`);
  await call('GET', `/v1/customers/${sample.customer}`);
  return [
    `GET /v1/financial_connections/accounts/${sample.account}: holder ${sample.customer}, last4 ${String(account.last4)}`,
    `GET …/accounts?account_holder[customer]=${sample.customer}: all ${owned.length} accounts`,
    `GET …/transactions?account=${sample.account}: all ${transactions.length} transactions`,
    `GET /v1/events/${sample.event}: ${String(event.type)} about ${sample.account}`,
    `GET /v1/customers/${sample.customer}: found`,
  ];
}

async function databaseBytes(target: SeedTarget): Promise<number> {
  if (target.kind === 'sqlite') {
    const size = (file: string) => {
      try {
        return statSync(file).size;
      } catch {
        return 0;
      }
    };
    return size(target.file) + size(`${target.file}-wal`);
  }
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  try {
    return Number((await client.query('select pg_database_size(current_database()) as n')).rows[0].n);
  } finally {
    await client.end();
  }
}

/** What autovacuum would do shortly after a load this size; SQLite is left as openfc leaves it. */
async function analyze(target: SeedTarget): Promise<void> {
  if (target.kind !== 'postgres') return;
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  try {
    // What autovacuum would do shortly after a load this size (statistics, and the visibility map
    // its insert threshold sets), done before measuring rather than in the middle of it.
    await client.query('vacuum (analyze)');
  } finally {
    await client.end();
  }
}

async function runStore(store: Store, size: SeedSize, seconds: number): Promise<StoreReport> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'openfc-scale-'));
  const database = store === 'postgres' ? await createBenchDatabase('openfc_scale') : undefined;
  const receiver = await startWebhookReceiver();
  let openfc: Child<Ready> | undefined;
  let bare: Child<{ url: string }> | undefined;
  const serverArgs = [dataDir, ...(database ? [database.url] : [])];
  try {
    process.stderr.write(`\n${store}: empty database\n`);
    openfc = await startChild<Ready>('scale/server.ts', serverArgs);
    const { url, secretKey, merchant } = openfc.ready;
    if (!secretKey) throw new Error('openfc started on a new database without a known secret key.');
    const call = apiCaller(url, secretKey);
    const template = await makeTemplate(call, receiver.url);
    // More accounts for the template's customer, so that its list fills a page.
    for (let linked = template.accounts.length; linked <= pageLimit; ) {
      const session = (
        await call(
          'POST',
          '/v1/financial_connections/sessions',
          `account_holder[type]=customer&account_holder[customer]=${template.customer}&permissions[0]=balances`,
        )
      ).id as string;
      const done = await call(
        'POST',
        `/v1/test_helpers/financial_connections/sessions/${session}/complete`,
        '',
      );
      linked += (done.accounts as { data: unknown[] }).data.length;
    }
    const accountBytes = Buffer.byteLength(
      JSON.stringify(await call('GET', `/v1/financial_connections/accounts/${template.account}`)),
    );
    bare = await startChild<{ url: string }>('bare-server.ts', [String(accountBytes)]);

    // A range and a cursor inside the template account's transactions (newest first).
    const transactions = (await listAll(
      call,
      `/v1/financial_connections/transactions?account=${template.account}`,
    )) as Array<{ id: string; transacted_at: number }>;
    const at = (i: number) =>
      transactions[Math.min(i, transactions.length - 1)] as { id: string; transacted_at: number };
    const range = { gte: at(transactions.length - 5).transacted_at, lt: at(2).transacted_at };
    const startingAfter = at(4).id;
    const routes: Route[] = [
      {
        name: 'GET /v1/financial_connections/accounts/{id}',
        path: `/v1/financial_connections/accounts/${template.account}`,
      },
      {
        name: `GET …/accounts?account_holder[customer]&limit=${pageLimit}`,
        path: `/v1/financial_connections/accounts?account_holder[customer]=${template.customer}&limit=${pageLimit}`,
      },
      {
        name: `GET …/transactions?transacted_at[gte,lt]&starting_after&limit=${pageLimit}`,
        path: `/v1/financial_connections/transactions?account=${template.account}&transacted_at[gte]=${range.gte}&transacted_at[lt]=${range.lt}&starting_after=${startingAfter}&limit=${pageLimit}`,
      },
      { name: `GET /v1/events?limit=${pageLimit}`, path: `/v1/events?limit=${pageLimit}` },
    ];
    const empty: Phase = {
      routes: await measureRoutes(url, secretKey, routes, bare.ready.url, seconds),
      webhooks: await measureWebhookLatency(call, receiver),
    };
    process.stderr.write(
      `  webhook response→delivery p50 ${empty.webhooks.p50.toFixed(2)} ms, p99 ${empty.webhooks.p99.toFixed(2)} ms\n`,
    );
    await stopChild(openfc.process);
    openfc = undefined;

    const target = seedTarget(dataDir, database?.url);
    process.stderr.write(
      `${store}: seeding ${size.accounts} accounts, ${size.transactions} transactions, ${size.customers} customers\n`,
    );
    const started = performance.now();
    const loads: number[] = [];
    const writer = openBulkWriter(target);
    let seeded: SeedResult;
    try {
      seeded = await seed({
        writer,
        secrets: new SecretBox(loadOrCreateKey({ dataDir }).key),
        templateAccount: template.account,
        size,
        progress: (c) => {
          loads.push(os.loadavg()[0] ?? 0);
          const s = (performance.now() - started) / 1000;
          process.stderr.write(
            `  ${s.toFixed(0)} s: ${c.accounts} accounts, ${c.transactions} transactions, ${c.events} events\n`,
          );
        },
      });
    } finally {
      await writer.close();
    }
    await analyze(target);
    const seedSeconds = (performance.now() - started) / 1000;
    const bytes = await databaseBytes(target);
    process.stderr.write(
      `  seeded in ${seedSeconds.toFixed(0)} s; database ${(bytes / 2 ** 30).toFixed(2)} GiB\n`,
    );

    const planInputs: PlanInputs = {
      merchant,
      account: template.account,
      customer: template.customer,
      transactionsAccount: template.account,
      range,
      startingAfter,
    };
    const plans = await explainPlans(target, new SecretBox(loadOrCreateKey({ dataDir }).key), planInputs);

    process.stderr.write(`${store}: seeded database\n`);
    openfc = await startChild<Ready>('scale/server.ts', serverArgs);
    const again = apiCaller(openfc.ready.url, secretKey);
    const checks = await checkSeeded(again, seeded);
    for (const line of checks) process.stderr.write(`  read: ${line}\n`);
    const { sample } = seeded;
    const seededRoutes: Route[] = [
      ...routes,
      {
        name: 'GET …/accounts/{id} (a seeded account)',
        path: `/v1/financial_connections/accounts/${sample.account}`,
        seededOnly: true,
      },
      {
        name: `GET …/accounts?account_holder[customer] (a seeded customer)&limit=${pageLimit}`,
        path: `/v1/financial_connections/accounts?account_holder[customer]=${sample.customer}&limit=${pageLimit}`,
        seededOnly: true,
      },
      {
        name: `GET /v1/events?starting_after (mid-seed)&limit=${pageLimit}`,
        path: `/v1/events?starting_after=${sample.event}&limit=${pageLimit}`,
        seededOnly: true,
      },
    ];
    const seededPhase: Phase = {
      routes: await measureRoutes(openfc.ready.url, secretKey, seededRoutes, bare.ready.url, seconds),
      webhooks: await measureWebhookLatency(again, receiver),
    };
    process.stderr.write(
      `  webhook response→delivery p50 ${seededPhase.webhooks.p50.toFixed(2)} ms, p99 ${seededPhase.webhooks.p99.toFixed(2)} ms\n`,
    );
    return {
      store,
      size,
      empty,
      seeded: seededPhase,
      counts: seeded.counts,
      seedSeconds,
      loadDuringSeed: loads.length === 0 ? 0 : loads.reduce((a, b) => a + b, 0) / loads.length,
      bytes,
      plans,
      checks,
    };
  } finally {
    await Promise.all([stopChild(openfc?.process), stopChild(bare?.process)]);
    await receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
    await database?.drop();
  }
}

const change = (before: number, after: number) =>
  `${after >= before ? '+' : ''}${(((after - before) / before) * 100).toFixed(0)}%`;

function reportStore(r: StoreReport, seconds: number): void {
  const gib = r.bytes / 2 ** 30;
  console.log('');
  console.log(`## ${r.store}`);
  console.log('');
  console.log(
    `Seeded ${r.counts.customers} customers, ${r.counts.authorizations} authorizations, ${r.counts.accounts} accounts, ${r.counts.transactions} transactions, ${r.counts.events} events, ${r.counts.deliveries} deliveries, ${r.counts.attempts} attempts in ${r.seedSeconds.toFixed(0)} s (load average ${r.loadDuringSeed.toFixed(2)} on average while seeding).`,
  );
  console.log(
    `Database: ${gib.toFixed(2)} GiB, ${(gib / (r.counts.accounts / 1e6)).toFixed(2)} GiB per million accounts (with their transactions, events and deliveries).`,
  );
  console.log('');
  console.log('Read back through the API after seeding:');
  for (const line of r.checks) console.log(`- ${line}`);
  console.log('');
  console.log(
    `autocannon: ${connections} connections, ${seconds} s per route after ${warmupSeconds} s of warm-up`,
  );
  console.log('');
  const rows = [
    [
      'route',
      'empty p50',
      'p99',
      'load',
      'seeded p50',
      'p99',
      'load',
      'p50 Δ',
      'p99 Δ',
      'req/s empty',
      'seeded',
    ],
  ];
  for (const s of r.seeded.routes) {
    const e = r.empty.routes.find((x) => x.name === s.name);
    rows.push([
      s.name,
      e ? e.p50.toFixed(2) : '',
      e ? e.p99.toFixed(2) : '',
      e ? e.load.toFixed(2) : '',
      s.p50.toFixed(2),
      s.p99.toFixed(2),
      s.load.toFixed(2),
      e ? change(e.p50, s.p50) : '',
      e ? change(e.p99, s.p99) : '',
      e ? e.requestsPerSecond.toFixed(0) : '',
      s.requestsPerSecond.toFixed(0),
    ]);
  }
  const w = (p: Phase) => p.webhooks;
  rows.push([
    `webhook response→delivery (${w(r.seeded).count} customers, one at a time)`,
    w(r.empty).p50.toFixed(2),
    w(r.empty).p99.toFixed(2),
    w(r.empty).load.toFixed(2),
    w(r.seeded).p50.toFixed(2),
    w(r.seeded).p99.toFixed(2),
    w(r.seeded).load.toFixed(2),
    change(w(r.empty).p50, w(r.seeded).p50),
    change(w(r.empty).p99, w(r.seeded).p99),
    '',
    '',
  ]);
  console.log(table(rows));
  console.log('');
  console.log('Query plans on the seeded database:');
  for (const p of r.plans) {
    console.log('');
    console.log(`${p.what}:`);
    console.log(`  ${p.sql}`);
    for (const line of p.plan) console.log(`    ${line}`);
    if (p.preparedPlan) {
      console.log('  prepared, from its sixth run (a generic plan):');
      for (const line of p.preparedPlan) console.log(`    ${line}`);
    }
  }
}

export async function runScale(seconds: number): Promise<void> {
  const size = readScaleSize();
  const reports: StoreReport[] = [];
  for (const store of readStores()) {
    if (store === 'postgres') {
      const why = await postgresUnreachable();
      if (why !== undefined) {
        process.stderr.write(`scale: skipping PostgreSQL: ${why}\n`);
        continue;
      }
    }
    reports.push(await runStore(store, size, seconds));
  }
  const cpus = os.cpus();
  console.log('');
  console.log(`# openfc scale benchmark — ${new Date().toISOString()}`);
  console.log(`Node ${process.version}; CPU: ${cpus[0]?.model.trim() ?? 'unknown'} × ${cpus.length}`);
  console.log('Latencies in ms; load: the 1-minute load average just before each measurement.');
  for (const r of reports) reportStore(r, seconds);
}
