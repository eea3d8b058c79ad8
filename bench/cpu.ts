import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Child, startChild, stopChild } from './children.ts';
import { cpuMicros, hotRoutes, loadRoute, type OpenfcFixtures } from './cpu-load.ts';
import { table } from './format.ts';
import { perfAvailable, perfNodeFlags, recordPerf, removePerfLeftovers, summarizePerf } from './perf.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const profileDir = process.env.BENCH_CPU_PROF ? path.resolve(process.env.BENCH_CPU_PROF) : undefined;
const perfDir = process.env.BENCH_PERF ? path.resolve(process.env.BENCH_PERF) : undefined;
if (perfDir && !perfAvailable()) {
  console.error('BENCH_PERF needs Linux perf (Debian: apt-get install linux-perf).');
  process.exit(2);
}
if (perfDir) mkdirSync(perfDir, { recursive: true });
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
let openfc: Child<OpenfcFixtures> | undefined;
let bare: Child<{ url: string }> | undefined;
const windows: Window[] = [];
const perfFiles: { route: string; file: string }[] = [];
try {
  const flags = [
    ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    ...(perfDir ? perfNodeFlags(perfDir) : []),
  ];
  openfc = await startChild('openfc-server.ts', [dataDir], { nodeFlags: flags });
  const fc = openfc.ready;
  bare = await startChild<{ url: string }>('bare-server.ts', [String(fc.accountBodyBytes)], {
    nodeFlags: perfDir ? perfNodeFlags(perfDir) : [],
  });
  const routes = hotRoutes(fc, bare.ready.url);
  const rows = [['route', 'requests', 'req/s', 'ratio', 'CPU µs/request', 'CPU ratio']];
  let bareRate = 0;
  let bareCpu = 0;
  for (const route of routes) {
    const pid = (route === routes[0] ? bare : openfc).process.pid as number;
    await loadRoute(route, 2);
    const perfFile = perfDir && path.join(perfDir, `${perfFiles.length + 1}.data`);
    const recording = perfFile ? recordPerf(pid, perfFile) : undefined;
    const cpuBefore = cpuMicros(pid);
    const from = Number(process.hrtime.bigint() / 1000n);
    const total = await loadRoute(route, seconds);
    windows.push({ route: route.name, from, to: Number(process.hrtime.bigint() / 1000n) });
    const used = cpuMicros(pid) - cpuBefore;
    await recording?.stop();
    if (perfFile) perfFiles.push({ route: route.name, file: perfFile });
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
for (const { route, file } of perfFiles) {
  const { samples, shares } = await summarizePerf(file);
  console.log(`\n${route}: ${samples} perf samples, every thread and the kernel; share of the samples`);
  for (const [name, share] of shares.filter(([, share]) => share >= 0.002))
    console.log(`  ${(100 * share).toFixed(1).padStart(5)}%  ${name}`);
}
for (const pid of [openfc?.process.pid, bare?.process.pid])
  if (perfDir && pid) removePerfLeftovers(pid, perfDir);
