/**
 * How long `openfc serve` (the built command users run) takes to answer `/healthz`, on a new
 * data folder and again on the one it made, and how much memory the idle process holds.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './format.ts';

const projectDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

export interface StartMeasurement {
  /** Milliseconds from spawning to a healthy `/healthz` on a new data folder. */
  firstMs: number;
  /** The same on the folder the first start made (migrations applied, keys kept). */
  againMs: number;
  /**
   * CPU time (user and system) the process had used when it first answered `/healthz` on the
   * existing folder, in ms: less dependent than `againMs` on what else the machine runs.
   */
  againCpuMs: number;
  /** Resident memory of the idle process a second after it became healthy, in MB. */
  idleRssMb: number;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** User + system CPU time of a process so far, in ms (Linux; USER_HZ is 100). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function startOnce(
  dataDir: string,
  measureRss: boolean,
): Promise<{ ms: number; cpuMs: number; rssMb: number }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ['bin/openfc.js', 'serve', '--port', String(port), '--data-dir', dataDir, '--scheduler-interval', '0'],
    { cwd: projectDir, stdio: 'ignore', env: { ...process.env, OPENFC_LOG_LEVEL: 'warn' } },
  );
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`openfc serve exited with ${child.exitCode}`);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
      if (health?.ok) break;
      if (performance.now() - started > 30_000) throw new Error('openfc serve was not healthy within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const ms = performance.now() - started;
    const cpu = child.pid === undefined ? 0 : cpuMs(child.pid);
    if (!measureRss || child.pid === undefined) return { ms, cpuMs: cpu, rssMb: 0 };
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { ms, cpuMs: cpu, rssMb: rssKb / 1024 };
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

async function measureOnce(): Promise<StartMeasurement> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'openfc-bench-start-'));
  try {
    process.stderr.write('openfc serve start: a new data folder, then the same one again… ');
    const first = await startOnce(dataDir, false);
    const again = await startOnce(dataDir, true);
    process.stderr.write('done\n');
    return { firstMs: first.ms, againMs: again.ms, againCpuMs: again.cpuMs, idleRssMb: again.rssMb };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** `runs` measurements, each on a data folder of its own. */
export async function measureStart(runs = 1): Promise<StartMeasurement[]> {
  const measured: StartMeasurement[] = [];
  for (let i = 0; i < runs; i++) measured.push(await measureOnce());
  return measured;
}

/** One measurement as it is; several as their median, then each. */
export function reportStart(measured: StartMeasurement[]): void {
  const show = (pick: (m: StartMeasurement) => number, digits: number) => {
    const values = measured.map(pick);
    const each = values.length > 1 ? ` (median of ${values.map((v) => v.toFixed(digits)).join(', ')})` : '';
    return { value: median(values), text: `${median(values).toFixed(digits)}${each}` };
  };
  const first = show((m) => m.firstMs, 0);
  const again = show((m) => m.againMs, 0);
  const rss = show((m) => m.idleRssMb, 1);
  console.log('\nopenfc serve (built), to a healthy /healthz');
  console.log(`  new data folder:       ${first.text} ms`);
  console.log(
    `  existing data folder:  ${again.text} ms (goal < 1000 ms: ${again.value < 1000 ? 'met' : 'NOT MET'})`,
  );
  console.log(`  CPU time to healthy:   ${show((m) => m.againCpuMs, 0).text} ms (existing data folder)`);
  console.log(
    `  idle RSS:              ${rss.text} MB (goal < 100 MB: ${rss.value < 100 ? 'met' : 'NOT MET'})`,
  );
}
