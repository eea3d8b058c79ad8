/**
 * CPU per request of the hot routes in two checkouts of openfc, measured side by side: both run at
 * once (each `bench/openfc-server.ts` from its own checkout), and each route is loaded in
 * alternating 1 s windows, one checkout then the other, so that other people's load on a shared
 * machine falls on both alike. Prints, per route and checkout, the smallest CPU µs per request of
 * its windows (the least disturbed) and their median.
 *
 *   node --import tsx bench/compare.ts <checkout before> <checkout after>
 *   BENCH_ROUNDS=10 node --import tsx bench/compare.ts …     windows per route and checkout (6)
 *   BENCH_COMPARE_STORE=postgres node --import tsx bench/compare.ts …
 *       each checkout on a PostgreSQL database of its own (made on the suites' server and dropped
 *       after); the PostgreSQL server's CPU in each window is reported beside openfc's, and the
 *       sum of both is what the min and median are of
 *
 * Each checkout needs its node_modules. Linux only (/proc). A report, not a test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Child } from './children.ts';
import { cpuMicros, hotRoutes, loadRoute, type OpenfcFixtures, postgresCpuMicros } from './cpu-load.ts';
import { median, table } from './format.ts';
import { type BenchDatabase, createBenchDatabase } from './postgres.ts';
import { positiveInteger } from './settings.ts';

type ChildrenModule = typeof import('./children.ts');

const checkouts = process.argv.slice(2).map((dir) => path.resolve(dir));
if (checkouts.length !== 2) {
  console.error('Usage: compare.ts <checkout before> <checkout after>');
  process.exit(2);
}
const rounds = positiveInteger('BENCH_ROUNDS', 6);
const store = process.env.BENCH_COMPARE_STORE ?? 'sqlite';
if (store !== 'sqlite' && store !== 'postgres') {
  console.error('BENCH_COMPARE_STORE must be sqlite or postgres.');
  process.exit(2);
}

interface Server {
  name: string;
  children: ChildrenModule;
  openfc: Child<OpenfcFixtures>;
  dataDir: string;
  database: BenchDatabase | undefined;
}

const servers: Server[] = [];
let bare: Child<{ url: string }> | undefined;
try {
  for (const dir of checkouts) {
    // Each checkout's own bench/children.ts, which starts that checkout's server.
    const children = (await import(path.join(dir, 'bench', 'children.ts'))) as ChildrenModule;
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'openfc-compare-'));
    const database = store === 'postgres' ? await createBenchDatabase('openfc_bench_compare') : undefined;
    const openfc = await children.startChild<OpenfcFixtures>('openfc-server.ts', [
      dataDir,
      ...(database ? [database.url] : []),
    ]);
    servers.push({ name: path.basename(dir), children, openfc, dataDir, database });
  }
  const [first] = servers as [Server];
  bare = await first.children.startChild<{ url: string }>('bare-server.ts', [
    String(first.openfc.ready.accountBodyBytes),
  ]);
  const bareUrl = bare.ready.url;
  const routes = servers.map((s) => hotRoutes(s.openfc.ready, bareUrl));
  const route = (s: number, r: number) => {
    const found = routes[s]?.[r];
    if (!found) throw new Error(`No route ${r} for checkout ${s}.`);
    return found;
  };
  const onPostgres = store === 'postgres';
  const rows = [
    [
      'route',
      'checkout',
      'min µs/request',
      'median µs/request',
      ...(onPostgres ? ['median openfc', 'median PostgreSQL'] : []),
      'windows',
    ],
  ];
  for (let r = 0; r < (routes[0]?.length ?? 0); r++) {
    const samples = servers.map(() => [] as { openfc: number; postgres: number }[]);
    for (let s = 0; s < servers.length; s++) await loadRoute(route(s, r), 1);
    for (let round = 0; round < rounds; round++) {
      for (const [s, server] of servers.entries()) {
        const pid = (r === 0 ? bare : server.openfc).process.pid as number;
        const before = cpuMicros(pid);
        const postgresBefore = onPostgres && r !== 0 ? postgresCpuMicros() : 0;
        const total = await loadRoute(route(s, r), 1);
        const postgres = onPostgres && r !== 0 ? postgresCpuMicros() - postgresBefore : 0;
        samples[s]?.push({ openfc: (cpuMicros(pid) - before) / total, postgres: postgres / total });
      }
    }
    for (const [s, server] of servers.entries()) {
      const windows = samples[s] ?? [];
      const sums = windows.map((w) => w.openfc + w.postgres).sort((a, b) => a - b);
      rows.push([
        route(s, r).name,
        server.name,
        (sums[0] ?? Number.NaN).toFixed(0),
        median(sums).toFixed(0),
        ...(onPostgres
          ? [
              median(windows.map((w) => w.openfc)).toFixed(0),
              median(windows.map((w) => w.postgres)).toFixed(0),
            ]
          : []),
        sums.map((v) => v.toFixed(0)).join(' '),
      ]);
    }
    process.stderr.write(`${route(0, r).name}: done\n`);
  }
  console.log(
    `\nLoad average (1 min) at the end: ${os.loadavg()[0]?.toFixed(2)}; ${rounds} windows of 1 s; store: ${store}`,
  );
  console.log(table(rows));
} finally {
  const { stopChild } = servers[0]?.children ?? (await import('./children.ts'));
  await Promise.all([stopChild(bare?.process), ...servers.map((s) => stopChild(s.openfc.process))]);
  for (const s of servers) {
    rmSync(s.dataDir, { recursive: true, force: true });
    await s.database?.drop();
  }
}
