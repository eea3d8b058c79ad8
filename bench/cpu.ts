/**
 * CPU time per request of openfc's hot routes: the figure to compare before and after a change
 * when the machine is shared and req/s ratios move with other people's load.
 *
 * Starts openfc (bench/openfc-server.ts) and the bare server, loads each route as `npm run bench`
 * does (32 connections, after a warm-up) and reads each server's user + system CPU time from
 * /proc before and after the measured window. "CPU ratio" is the bare server's CPU per request
 * over the route's: what the req/s ratio would be if each server had a core of its own. With
 * `BENCH_CPU_PROF=<dir>`, openfc also writes a V8 CPU profile and the functions with the most
 * self time in each route's window are printed.
 *
 *   BENCH_SECONDS=3 node --import tsx bench/cpu.ts
 *   BENCH_CPU_PROF=/tmp/prof BENCH_SECONDS=3 node --import tsx bench/cpu.ts
 *
 * Linux only (/proc). A report, not a test.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { type Child, startChild, stopChild } from './children.ts';
import { table } from './format.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const profileDir = process.env.BENCH_CPU_PROF ? path.resolve(process.env.BENCH_CPU_PROF) : undefined;
const ticksPerSecond = 100; // USER_HZ on Linux

/** User + system CPU time of a process, in µs. */
function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / ticksPerSecond;
}

interface Route {
  name: string;
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  idempotencyKeys?: boolean;
}

function run(route: Route, duration: number): Promise<number> {
  const opts: autocannon.Options = {
    url: route.url,
    method: route.method,
    headers: route.headers,
    connections: 32,
    duration,
  };
  if (route.body !== undefined) opts.body = route.body;
  if (route.idempotencyKeys) {
    const prefix = randomBytes(6).toString('hex');
    let next = 0;
    opts.requests = [
      {
        setupRequest: (request) => {
          next += 1;
          request.headers = { ...route.headers, 'idempotency-key': `cpu-${prefix}-${next}` };
          return request;
        },
      },
    ];
  }
  return new Promise((resolve, reject) => {
    autocannon(opts, (error, result) => {
      if (error) return reject(error);
      if (result.non2xx > 0 || result.errors > 0)
        return reject(new Error(`${route.name}: ${result.non2xx} non-2xx, ${result.errors} errors`));
      resolve(result.requests.total);
    });
  });
}

interface Window {
  route: string;
  from: number;
  to: number;
}

/** The functions with the most self time in each window of openfc's CPU profile. */
function printProfile(windows: Window[]): void {
  if (!profileDir) return;
  // The main thread's profile (`.0.` in its name); a worker thread writes its own.
  const file = readdirSync(profileDir)
    .filter((f) => /\.0\.\d+\.cpuprofile$/.test(f))
    .map((f) => path.join(profileDir, f))
    .sort()
    .at(-1);
  if (!file) return;
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
    startTime: number;
    samples: number[];
    timeDeltas: number[];
  };
  const label = new Map(
    profile.nodes.map((n) => [
      n.id,
      `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/src\//, 'src/')}:${n.callFrame.lineNumber + 1}`,
    ]),
  );
  for (const window of windows) {
    const self = new Map<string, number>();
    let total = 0;
    let t = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
      t += profile.timeDeltas[i] ?? 0;
      if (t < window.from || t > window.to) continue;
      const name = label.get(profile.samples[i] as number) ?? '?';
      if (name.startsWith('(idle)')) continue;
      self.set(name, (self.get(name) ?? 0) + 1);
      total += 1;
    }
    console.log(`\n${window.route}: ${total} busy samples; top self time`);
    const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 25);
    for (const [name, n] of top) console.log(`  ${((100 * n) / total).toFixed(1).padStart(5)}%  ${name}`);
  }
}

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'openfc-cpu-'));
let openfc: Child<Record<string, string & number>> | undefined;
let bare: Child<{ url: string }> | undefined;
const windows: Window[] = [];
try {
  const flags = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  openfc = await startChild('openfc-server.ts', [dataDir], { nodeFlags: flags });
  const fc = openfc.ready;
  bare = await startChild<{ url: string }>('bare-server.ts', [String(fc.accountBodyBytes)]);
  const auth = { authorization: `Bearer ${fc.secretKey}`, 'stripe-version': '2026-03-04.preview' };
  const post = {
    method: 'POST' as const,
    url: `${fc.url}/v1/financial_connections/sessions`,
    headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: `account_holder[type]=customer&account_holder[customer]=${fc.customer}&permissions[0]=balances&permissions[1]=payment_method`,
  };
  const get = (name: string, p: string): Route => ({
    name,
    url: `${fc.url}${p}`,
    method: 'GET',
    headers: auth,
  });
  const routes: Route[] = [
    { name: 'bare node:http GET', url: bare.ready.url, method: 'GET', headers: {} },
    get('GET accounts/:id', `/v1/financial_connections/accounts/${fc.account}`),
    get('GET accounts?limit=10', '/v1/financial_connections/accounts?limit=10'),
    { name: 'POST sessions', ...post },
    { name: 'POST sessions (Idempotency-Key)', ...post, idempotencyKeys: true },
    get(
      'GET transactions?limit=100',
      `/v1/financial_connections/transactions?account=${fc.transactionsAccount}&limit=100`,
    ),
  ];
  const rows = [['route', 'requests', 'req/s', 'ratio', 'CPU µs/request', 'CPU ratio']];
  let bareRate = 0;
  let bareCpu = 0;
  for (const route of routes) {
    const pid = (route === routes[0] ? bare : openfc).process.pid as number;
    await run(route, 2);
    const cpuBefore = cpuMicros(pid);
    const from = Number(process.hrtime.bigint() / 1000n);
    const total = await run(route, seconds);
    windows.push({ route: route.name, from, to: Number(process.hrtime.bigint() / 1000n) });
    const used = cpuMicros(pid) - cpuBefore;
    const rate = total / seconds;
    const cpu = used / total;
    if (route === routes[0]) {
      bareRate = rate;
      bareCpu = cpu;
    }
    rows.push([
      route.name,
      String(total),
      rate.toFixed(0),
      (rate / bareRate).toFixed(3),
      cpu.toFixed(0),
      (bareCpu / cpu).toFixed(3),
    ]);
    process.stderr.write(
      `${route.name}: ${rate.toFixed(0)} req/s, ${(used / total).toFixed(0)} µs/request\n`,
    );
  }
  console.log(`\nLoad average (1 min) at the end: ${os.loadavg()[0]?.toFixed(2)}, ${seconds} s per route`);
  console.log(table(rows));
} finally {
  await Promise.all([stopChild(bare?.process), stopChild(openfc?.process)]);
  rmSync(dataDir, { recursive: true, force: true });
}
printProfile(windows);
