/** The benchmark's servers, each a TypeScript file under bench/ run in its own Node process. */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const projectDir = path.dirname(benchDir);

export interface Child<T> {
  process: ChildProcess;
  ready: T;
}

export interface ChildOptions {
  nodeFlags?: string[];
  /** Opens an IPC channel to the child (`process.send`), for servers that take commands. */
  ipc?: boolean;
  /** Set in the child's environment, besides this process's. */
  env?: Record<string, string>;
}

/** Starts a TypeScript file under bench/ in its own Node process and waits for its JSON line. */
export async function startChild<T>(
  file: string,
  args: string[],
  { nodeFlags = [], ipc = false, env = {} }: ChildOptions = {},
): Promise<Child<T>> {
  const child = spawn(
    process.execPath,
    [...nodeFlags, '--import', 'tsx', path.join(benchDir, file), ...args],
    {
      cwd: projectDir,
      env: { ...process.env, ...env },
      stdio: ipc ? ['ignore', 'pipe', 'inherit', 'ipc'] : ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const ready = await new Promise<T>((resolve, reject) => {
    const onExit = (code: number | null, signal: string | null) =>
      reject(new Error(`${file} exited before it was ready (code ${code}, signal ${signal}).`));
    child.once('exit', onExit);
    child.once('error', reject);
    lines.once('line', (line) => {
      child.off('exit', onExit);
      try {
        resolve(JSON.parse(line) as T);
      } catch {
        reject(new Error(`${file} printed something other than its JSON line: ${line}`));
      }
    });
  });
  // Anything else it prints goes to our stderr, so it cannot be mistaken for results.
  lines.on('line', (line) => process.stderr.write(`[${file}] ${line}\n`));
  return { process: child, ready };
}

/** Asks a child to stop, and kills it if it has not within a few seconds. */
export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
