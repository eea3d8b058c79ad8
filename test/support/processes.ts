import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Stripe from 'stripe';

/**
 * `openfc` as its users run it: child processes of `node bin/openfc.js` with a clean environment,
 * on free ports and in temporary data directories. A test file that uses these calls `cleanUp()`
 * from its `after` hook.
 */

const root = path.resolve(import.meta.dirname, '../..');
const children = new Set<ChildProcess>();
const tempDirs: string[] = [];

/** How long `serve` waits for `/healthz` and the banner. */
const readyMs = 15_000;
/** How long `stop` waits after SIGTERM, and `cleanUp` after SIGKILL. */
const exitMs = 5_000;

/** Kills every openfc process still running, waits until they are gone, removes the temporary dirs. */
export async function cleanUp(): Promise<void> {
  const gone = [...children].map(
    (child) =>
      new Promise<void>((resolve) => {
        child.once('close', () => resolve());
        child.kill('SIGKILL');
      }),
  );
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(gone),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, exitMs);
    }),
  ]);
  clearTimeout(timer);
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A new temporary directory, removed by `cleanUp`. */
export function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'openfc-cli-'));
  tempDirs.push(dir);
  return dir;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

/** The test runner's environment without any openfc setting, plus the given ones. */
export function openfcEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(DATABASE_URL|PORT|HOST|OPENFC_.*|NODE_TEST_CONTEXT)$/.test(name),
    ),
  );
  return { ...clean, ...extra };
}

export interface OpenfcProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** The exit code, or undefined while the process runs. */
  code(): number | null | undefined;
  exited: Promise<number | null>;
}

/** Starts `node bin/openfc.js <args>` and collects what it prints. */
export function spawnOpenfc(args: string[], extra: Record<string, string> = {}): OpenfcProcess {
  const child = spawn(process.execPath, ['bin/openfc.js', ...args], { cwd: root, env: openfcEnv(extra) });
  children.add(child);
  let stdout = '';
  let stderr = '';
  let code: number | null | undefined;
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (exitCode) => {
      code = exitCode;
      children.delete(child);
      resolve(exitCode);
    }),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, code: () => code, exited };
}

export interface Output {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command that ends by itself (migrate, refused configuration); SIGKILL after `timeoutMs`. */
export async function run(
  args: string[],
  extra: Record<string, string> = {},
  timeoutMs = 15_000,
): Promise<Output> {
  const openfc = spawnOpenfc(args, extra);
  const timer = setTimeout(() => openfc.child.kill('SIGKILL'), timeoutMs);
  const code = await openfc.exited;
  clearTimeout(timer);
  return { code, stdout: openfc.stdout(), stderr: openfc.stderr() };
}

export interface Banner {
  text: string;
  url: string;
  database: string;
  merchant: string;
  createdNow: boolean;
  secretKey: string | undefined;
  publishableKey: string | undefined;
  /** Where the dashboard is, or `off`. */
  dashboard: string | undefined;
}

const bannerEnd = /try: curl .*\n/;

function parseBanner(stdout: string): Banner {
  const text = stdout.slice(stdout.indexOf('openfc listening on'), stdout.search(bannerEnd));
  const field = (pattern: RegExp) => text.match(pattern)?.[1];
  return {
    text: stdout.match(/openfc listening on [\s\S]*?try: curl .*\n/)?.[0] ?? '',
    url: field(/openfc listening on (\S+)/) ?? '',
    database: field(/database:\s+(\S+)/) ?? '',
    merchant: field(/merchant:\s+(acct_[A-Za-z0-9]+)/) ?? '',
    createdNow: text.includes('(created now)'),
    secretKey: field(/secret key:\s+(sk_test_[A-Za-z0-9]+)/),
    publishableKey: field(/publishable key:\s+(pk_test_[A-Za-z0-9]+)/),
    dashboard: field(/dashboard:\s+(\S+)/),
  };
}

export interface Server {
  port: number;
  banner: Banner;
  stdout(): string;
  stderr(): string;
  /** The official SDK pointed at this server, with the banner's secret key unless another is given. */
  stripe(key?: string): Stripe;
  /** A raw GET with the key as bearer token. */
  get(path: string, key: string): Promise<Response>;
  /** A raw form POST with the key as bearer token. */
  post(path: string, body: string, key: string, headers?: Record<string, string>): Promise<Response>;
  /** SIGTERM, then waits for the exit code (SIGKILL after 5 s). */
  stop(): Promise<number | null>;
  /** SIGKILL at once, as a crash would end it; resolves when it is gone. */
  kill(): Promise<void>;
  /** Sends `signal` and returns at once; `exited` tells the exit code. */
  signal(signal: NodeJS.Signals): void;
  exited: Promise<number | null>;
}

/** Starts `openfc serve` on a free port, waits until `/healthz` answers and the banner is printed. */
export async function serve(args: string[], extra: Record<string, string> = {}): Promise<Server> {
  const port = await freePort();
  const openfc = spawnOpenfc(['serve', '--port', String(port), ...args], extra);
  const base = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + readyMs;
  let healthy = false;
  while (!(healthy && bannerEnd.test(openfc.stdout()))) {
    const code = openfc.code();
    if (code !== undefined)
      assert.fail(`openfc serve exited with ${code} before it was ready:\n${openfc.stderr()}`);
    if (Date.now() > deadline) {
      openfc.child.kill('SIGKILL');
      assert.fail(
        `openfc serve was not ready within ${readyMs / 1000} s.\nstdout:\n${openfc.stdout()}\nstderr:\n${openfc.stderr()}`,
      );
    }
    if (!healthy) {
      const response = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1000) }).catch(
        () => undefined,
      );
      if (response?.status === 200) {
        assert.deepEqual(await response.json(), { status: 'ok' });
        healthy = true;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const banner = parseBanner(openfc.stdout());
  const auth = (key: string) => ({ authorization: `Bearer ${key}` });
  return {
    port,
    banner,
    stdout: openfc.stdout,
    stderr: openfc.stderr,
    stripe: (key = banner.secretKey ?? '') =>
      new Stripe(key, {
        host: '127.0.0.1',
        port,
        protocol: 'http',
        apiVersion: '2026-03-04.preview' as Stripe.LatestApiVersion,
        maxNetworkRetries: 0,
      }),
    get: (p, key) => fetch(`${base}${p}`, { headers: auth(key) }),
    post: (p, body, key, headers = {}) =>
      fetch(`${base}${p}`, {
        method: 'POST',
        headers: { ...auth(key), 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body,
      }),
    async stop() {
      const code = openfc.code();
      if (code !== undefined) return code;
      openfc.child.kill('SIGTERM');
      const timer = setTimeout(() => openfc.child.kill('SIGKILL'), exitMs);
      const result = await openfc.exited;
      clearTimeout(timer);
      return result;
    },
    async kill() {
      if (openfc.code() !== undefined) return;
      openfc.child.kill('SIGKILL');
      await openfc.exited;
    },
    signal: (signal) => openfc.child.kill(signal),
    exited: openfc.exited,
  };
}
