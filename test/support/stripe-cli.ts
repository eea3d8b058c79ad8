import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { tempDir } from './processes.ts';

/**
 * The official Stripe CLI from npm (`@stripe/cli`, whose binary ships in a per-platform optional
 * package), run against openfc. It gets a home folder of its own, telemetry off, and a proxy
 * that refuses every connection: its update check cannot reach the internet or hang, while
 * requests to 127.0.0.1 are never proxied.
 */

const require = createRequire(import.meta.url);

function findBinary(): string | undefined {
  try {
    const manifest = require.resolve(`@stripe/cli-${process.platform}-${process.arch}/package.json`);
    return path.join(path.dirname(manifest), 'bin', process.platform === 'win32' ? 'stripe.exe' : 'stripe');
  } catch {
    return undefined;
  }
}

export const stripeBinary = findBinary();

/** Why Stripe CLI tests are skipped here, or false. */
export const stripeCliSkip = stripeBinary
  ? false
  : `the Stripe CLI binary for ${process.platform}-${process.arch} is not installed (npm ci installs @stripe/cli)`;

const children = new Set<ChildProcess>();

function cliEnv(): NodeJS.ProcessEnv {
  const home = tempDir();
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(STRIPE_.*|HTTPS?_PROXY|NO_PROXY|https?_proxy|no_proxy)$/i.test(name),
    ),
  );
  return {
    ...clean,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    STRIPE_CLI_TELEMETRY_OPTOUT: '1',
    HTTPS_PROXY: 'http://127.0.0.1:9',
    HTTP_PROXY: 'http://127.0.0.1:9',
  };
}

export interface StripeCli {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** Starts `stripe <args>`; `killStripeClis` ends every one still running. */
export function spawnStripe(args: string[]): StripeCli {
  const child = spawn(stripeBinary as string, args, { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  return { child, output: () => output, exited };
}

/** Runs a Stripe CLI command that ends by itself; SIGKILL after `timeoutMs`. */
export async function runStripe(
  args: string[],
  timeoutMs = 20_000,
): Promise<{ code: number | null; output: string }> {
  const cli = spawnStripe(args);
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), timeoutMs);
  const code = await cli.exited;
  clearTimeout(timer);
  return { code, output: cli.output() };
}

export async function killStripeClis(): Promise<void> {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('close', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}
