import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import SQLite from 'better-sqlite3';
import Stripe from 'stripe';

/**
 * `openfc` as its users run it: real child processes of `node bin/openfc.js`, on real ports and
 * real data directories. The multi-process PostgreSQL cases are in multi-process.test.ts.
 */

const root = path.resolve(import.meta.dirname, '../..');
const children = new Set<ChildProcess>();
const tempDirs: string[] = [];

after(() => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'openfc-cli-'));
  tempDirs.push(dir);
  return dir;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

/** The test runner's environment without any openfc setting, plus the given ones. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(DATABASE_URL|PORT|HOST|OPENFC_.*|NODE_TEST_CONTEXT)$/.test(name),
    ),
  );
  return { ...clean, ...extra };
}

interface Output {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command that ends by itself (migrate, refused configuration). */
function run(args: string[], extra: Record<string, string> = {}, timeoutMs = 15_000): Promise<Output> {
  const child = spawn(process.execPath, ['bin/openfc.js', ...args], { cwd: root, env: env(extra) });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, stdout, stderr });
    }),
  );
}

interface Banner {
  text: string;
  url: string;
  database: string;
  merchant: string;
  createdNow: boolean;
  secretKey: string | undefined;
  publishableKey: string | undefined;
}

interface Server {
  port: number;
  banner: Banner;
  stdout(): string;
  stderr(): string;
  stripe(key?: string): Stripe;
  /** SIGTERM, then waits for the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `openfc serve`, waits until `/healthz` answers and the banner is printed. */
async function serve(args: string[], extra: Record<string, string> = {}): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, ['bin/openfc.js', 'serve', '--port', String(port), ...args], {
    cwd: root,
    env: env(extra),
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  let code: number | null | undefined;
  void exited.then((c) => {
    code = c;
    children.delete(child);
  });

  const deadline = Date.now() + 15_000;
  let healthy = false;
  while (!(healthy && /try: curl .*\n/.test(stdout))) {
    if (code !== undefined) assert.fail(`openfc serve exited with ${code} before it was ready:\n${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      assert.fail(`openfc serve was not ready within 15 s.\nstdout:\n${stdout}\nstderr:\n${stderr}`);
    }
    if (!healthy) {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`, {
        signal: AbortSignal.timeout(1000),
      }).catch(() => undefined);
      if (response?.status === 200) {
        assert.deepEqual(await response.json(), { status: 'ok' });
        healthy = true;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const text = stdout.slice(stdout.indexOf('openfc listening on'), stdout.search(/try: curl .*\n/));
  const field = (pattern: RegExp) => text.match(pattern)?.[1];
  const banner: Banner = {
    text: stdout.match(/openfc listening on [\s\S]*?try: curl .*\n/)?.[0] ?? '',
    url: field(/openfc listening on (\S+)/) ?? '',
    database: field(/database:\s+(\S+)/) ?? '',
    merchant: field(/merchant:\s+(acct_[A-Za-z0-9]+)/) ?? '',
    createdNow: text.includes('(created now)'),
    secretKey: field(/secret key:\s+(sk_test_[A-Za-z0-9]+)/),
    publishableKey: field(/publishable key:\s+(pk_test_[A-Za-z0-9]+)/),
  };
  return {
    port,
    banner,
    stdout: () => stdout,
    stderr: () => stderr,
    stripe: (key = banner.secretKey ?? '') =>
      new Stripe(key, {
        host: '127.0.0.1',
        port,
        protocol: 'http',
        apiVersion: '2026-03-04.preview' as Stripe.LatestApiVersion,
        maxNetworkRetries: 0,
      }),
    async stop() {
      if (code !== undefined) return code;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** A few requests, then the key must appear nowhere but in the banner. */
async function assertSecretKeptOutOfLogs(server: Server, secretKey: string): Promise<void> {
  const base = `http://127.0.0.1:${server.port}`;
  const auth = { authorization: `Bearer ${secretKey}` };
  await fetch(`${base}/v1/customers?limit=1`, { headers: auth });
  await fetch(`${base}/v1/nowhere`, { headers: auth });
  await fetch(`${base}/v1/customers/cus_missing`, { headers: auth });
  await fetch(`${base}/v1/customers`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'nickname=x',
  });
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.ok(!server.stderr().includes(secretKey), 'the secret key is on stderr');
  assert.ok(
    !server.stdout().replace(server.banner.text, '').includes(secretKey),
    'the secret key is in the logs',
  );
}

describe('openfc serve on SQLite', () => {
  test('first start makes a merchant and keys; a restart keeps them and the data', async () => {
    const dataDir = tempDir();
    const first = await serve(['--data-dir', dataDir]);
    const b = first.banner;
    assert.equal(b.url, `http://127.0.0.1:${first.port}`);
    assert.equal(b.database, `sqlite:${path.join(dataDir, 'openfc.db')}`);
    assert.match(b.merchant, /^acct_[A-Za-z0-9]{24}$/);
    assert.equal(b.createdNow, true);
    assert.match(b.secretKey ?? '', /^sk_test_[A-Za-z0-9]{32}$/);
    assert.match(b.publishableKey ?? '', /^pk_test_[A-Za-z0-9]{32}$/);
    assert.equal(statSync(path.join(dataDir, 'test-keys.json')).mode & 0o777, 0o600);

    const customer = await first.stripe().customers.create({ email: 'ada@example.com', name: 'Ada' });
    assert.match(customer.id, /^cus_/);
    await assert.rejects(first.stripe(b.publishableKey).customers.list(), { statusCode: 401 });
    await assertSecretKeptOutOfLogs(first, b.secretKey as string);
    assert.equal(await first.stop(), 0);

    const second = await serve(['--data-dir', dataDir]);
    assert.equal(second.banner.merchant, b.merchant);
    assert.equal(second.banner.createdNow, false);
    assert.equal(second.banner.secretKey, b.secretKey);
    assert.equal(second.banner.publishableKey, b.publishableKey);
    const again = await second.stripe().customers.retrieve(customer.id);
    assert.equal((again as Stripe.Customer).email, 'ada@example.com');
    assert.equal(await second.stop(), 0);
  });

  test('OPENFC_SECRET_KEY and OPENFC_PUBLISHABLE_KEY choose the keys', async () => {
    const secretKey = 'sk_test_ChosenByTheOperator0001';
    const publishableKey = 'pk_test_ChosenByTheOperator0002';
    const server = await serve(['--data-dir', tempDir()], {
      OPENFC_SECRET_KEY: secretKey,
      OPENFC_PUBLISHABLE_KEY: publishableKey,
    });
    assert.equal(server.banner.secretKey, secretKey);
    assert.equal(server.banner.publishableKey, publishableKey);
    const customer = await server.stripe(secretKey).customers.create({ name: 'chosen' });
    assert.match(customer.id, /^cus_/);
    await assert.rejects(server.stripe('sk_test_NotTheConfiguredKey0000').customers.list(), {
      statusCode: 401,
    });
    await assertSecretKeptOutOfLogs(server, secretKey);
    assert.equal(await server.stop(), 0);
  });

  test('bad configuration is refused at start, naming the setting, with exit code 2', async () => {
    const dataDir = tempDir();
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['serve'], { PORT: 'abc' }, /--port \/ PORT: must be a number/],
      [['serve'], { PORT: '70000' }, /--port \/ PORT: /],
      [['serve'], { DATABASE_URL: 'mysql://x' }, /--database \/ DATABASE_URL: must be a postgres:\/\//],
      [
        ['serve'],
        { OPENFC_SECRET_KEY: 'sk_live_abc' },
        /--secret-key \/ OPENFC_SECRET_KEY: must look like sk_test_/,
      ],
      [
        ['serve'],
        { OPENFC_SECRET_KEY: 'short' },
        /--secret-key \/ OPENFC_SECRET_KEY: must look like sk_test_/,
      ],
      [['serve', '--log-level', 'loud'], {}, /--log-level \/ OPENFC_LOG_LEVEL: /],
      [['frobnicate'], {}, /Unknown command 'frobnicate'/],
    ];
    const results = await Promise.all(
      cases.map(([args, extra]) => run(args, { OPENFC_DATA_DIR: dataDir, PORT: '1', ...extra })),
    );
    for (const [i, [args, extra, message]] of cases.entries()) {
      const { code, stdout, stderr } = results[i] as Output;
      const label = `${JSON.stringify(extra)} openfc ${args.join(' ')}`;
      assert.match(stderr, message, label);
      assert.doesNotMatch(stderr, /\n\s+at /, `${label}: a stack trace instead of a message`);
      assert.doesNotMatch(stdout, /openfc listening/, label);
      assert.equal(code, 2, label);
      for (const value of Object.values(extra)) {
        if (value.startsWith('sk_')) assert.ok(!stderr.includes(value), `${label}: the key is echoed`);
      }
    }
  });

  test('migrate --dry-run shows the plan and applies nothing', async () => {
    const dataDir = tempDir();
    const dry = await run(['migrate', '--dry-run', '--data-dir', dataDir]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^ {2}pending {2}0001_core$/m);
    assert.match(dry.stdout, /1 migration\(s\) would be applied\./);
    assert.doesNotMatch(dry.stdout, /^\s+applied/m);
    const db = new SQLite(path.join(dataDir, 'openfc.db'), { readonly: true });
    const tables = db.prepare("select name from sqlite_master where type = 'table'").all();
    db.close();
    assert.deepEqual(tables, []);

    const apply = await run(['migrate', '--data-dir', dataDir]);
    assert.equal(apply.code, 0, apply.stderr);
    assert.match(apply.stdout, /^ {2}applied {2}0001_core \(now\)$/m);

    const again = await run(['migrate', '--data-dir', dataDir]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^ {2}applied {2}0001_core$/m);
    assert.match(again.stdout, /Nothing to apply\./);
  });
});
