/**
 * Linux `perf` profiles of a benchmarked process (`BENCH_PERF=<dir>`): every thread of it, the
 * kernel's work on its behalf included, sampled by the CPU clock. V8's own profile
 * (`BENCH_CPU_PROF`) sees only the main thread's JavaScript and the native function it called
 * last: time in a system call, in SQLite's C code or in V8's compiler and collector threads lands
 * on whatever was on the stack, so one native call can look like half the work.
 *
 * The process must run with `--perf-basic-prof` so that JavaScript frames (and compiled regular
 * expressions, whose code would otherwise be named after whatever function had the address before) have
 * names. Needs `perf` (Debian: `linux-perf`) and a kernel that lets root sample other processes.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

/**
 * Node's flags for a process to be profiled: the map `perf` names JavaScript frames by (in /tmp),
 * and V8's own log, which the flag also starts, in `dir` rather than the working directory.
 */
export function perfNodeFlags(dir: string): string[] {
  return ['--perf-basic-prof', `--logfile=${path.join(dir, 'v8-%p.log')}`, '--no-logfile-per-isolate'];
}

/** Removes what `perfNodeFlags` made `pid` write (many MB), once its profiles are read. */
export function removePerfLeftovers(pid: number, dir: string): void {
  rmSync(path.join('/tmp', `perf-${pid}.map`), { force: true });
  rmSync(path.join(dir, `v8-${pid}.log`), { force: true });
}

/** Whether `perf` can be run here. */
export function perfAvailable(): boolean {
  const result = spawnSync('perf', ['--version'], { stdio: 'ignore' });
  return result.status === 0;
}

export interface PerfRecording {
  /** Stops sampling and waits for the file to be written. */
  stop(): Promise<void>;
}

/** Samples every thread of `pid` (with call stacks, about 1,000 times a second) into `file`. */
export function recordPerf(pid: number, file: string): PerfRecording {
  const perf: ChildProcess = spawn(
    'perf',
    ['record', '-q', '-e', 'cpu-clock', '-F', '999', '-g', '-p', String(pid), '-o', file],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => perf.once('exit', () => resolve()));
  return {
    async stop() {
      perf.kill('SIGINT');
      await exited;
    },
  };
}

/**
 * Where a sample's time goes: the kernel (split by what asked it: the socket's reads and writes,
 * SQLite's file locks and writes), SQLite's C code, V8's compiler and collector, else the nearest
 * JavaScript frame's package (`undici`, `fastify`…), openfc's folder (`openfc src/api`…) or Node's
 * own module (`node:_http_server`…).
 */
export function sampleCategory(frames: string[]): string {
  const leaf = frames[0] ?? '';
  const stack = frames.join('\n');
  const sqlite = stack.includes('better_sqlite3.node');
  if (leaf.includes('[kernel.kallsyms]')) {
    if (sqlite) return 'kernel: for SQLite (file locks, log writes)';
    if (/writev|do_writev|sock_write_iter/.test(stack)) return 'kernel: socket writes';
    if (/uv__read|sock_read_iter|tcp_recvmsg/.test(stack)) return 'kernel: socket reads';
    return 'kernel: other (scheduling, interrupts, timers)';
  }
  if (sqlite) {
    // SQLite's own code, and the C library it called (memory, locks), before any JavaScript frame.
    const firstJs = frames.findIndex((f) => f.includes('JS:'));
    const firstSqlite = frames.findIndex((f) => f.includes('better_sqlite3.node'));
    if (firstJs === -1 || firstSqlite < firstJs) return 'SQLite (better-sqlite3)';
  }
  if (/v8::internal::compiler::|v8::internal::maglev::|OptimizingCompileDispatcher/.test(leaf))
    return 'V8 compiler';
  if (/Heap::|Scavenge|MarkCompact|Sweeper|ConcurrentMarking|MinorMarkSweep|GCTracer/.test(stack))
    return 'V8 garbage collector';
  for (const frame of frames) {
    const js = frame.match(/JS:\S*\s+(\S+)/);
    if (!js) continue;
    const where = js[1] as string;
    const pkg = where.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
    if (pkg) return pkg[1] as string;
    const own = where.match(/\/(src|bench)\/([^/:]+)/);
    if (own) return own[1] === 'src' ? `openfc src/${own[2]?.replace(/\.ts$/, '')}` : 'bench';
    const node = where.match(/^node:([\w/]+)/);
    if (node) return `node:${node[1]}`;
  }
  return 'Node.js and V8, no JavaScript frame (event loop, parser, builtins)';
}

/** The share of samples in each category, largest first. */
export async function summarizePerf(file: string): Promise<{ samples: number; shares: [string, number][] }> {
  const script = spawn('perf', ['script', '-i', file], { stdio: ['ignore', 'pipe', 'ignore'] });
  const counts = new Map<string, number>();
  let samples = 0;
  let frames: string[] = [];
  const flush = () => {
    if (frames.length === 0) return;
    const name = sampleCategory(frames);
    counts.set(name, (counts.get(name) ?? 0) + 1);
    samples++;
    frames = [];
  };
  for await (const line of createInterface({ input: script.stdout })) {
    if (line.trim() === '') flush();
    else if (line.startsWith('\t') || line.startsWith(' ')) frames.push(line.trim());
  }
  flush();
  const shares = [...counts]
    .map(([name, n]): [string, number] => [name, samples === 0 ? 0 : n / samples])
    .sort((a, b) => b[1] - a[1]);
  return { samples, shares };
}
