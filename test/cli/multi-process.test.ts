import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { backends, type ProvisionedDatabase } from '../support/backends.ts';

/**
 * Several `openfc serve` processes on one PostgreSQL database, as a horizontally scaled
 * deployment runs them: they share the default merchant, the data and the idempotency keys.
 */

const root = path.resolve(import.meta.dirname, '../..');
const postgres = backends.find((b) => b.name === 'postgres');
const children = new Set<ChildProcess>();
const databases: ProvisionedDatabase[] = [];
const tempDirs: string[] = [];

after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await new Promise((resolve) => setTimeout(resolve, 200));
  for (const database of databases) await database.drop();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

async function provision(): Promise<ProvisionedDatabase> {
  const database = await (postgres as NonNullable<typeof postgres>).provision();
  databases.push(database);
  return database;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

function spawnOpenfc(args: string[], extra: Record<string, string>) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(DATABASE_URL|PORT|HOST|OPENFC_.*|NODE_TEST_CONTEXT)$/.test(name),
    ),
  );
  const child = spawn(process.execPath, ['bin/openfc.js', ...args], { cwd: root, env: { ...env, ...extra } });
  children.add(child);
  const output = { stdout: '', stderr: '', code: undefined as number | null | undefined };
  child.stdout.on('data', (chunk) => (output.stdout += chunk));
  child.stderr.on('data', (chunk) => (output.stderr += chunk));
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      output.code = code;
      children.delete(child);
      resolve(code);
    }),
  );
  return { child, output, exited };
}

interface Server {
  port: number;
  merchant: string;
  secretKey: string | undefined;
  stderr(): string;
  post(path: string, body: string, key: string, headers?: Record<string, string>): Promise<Response>;
  get(path: string, key: string): Promise<Response>;
}

/** Starts `openfc serve` on the database; resolves once `/healthz` answers and the banner is out. */
async function serve(databaseUrl: string, extra: Record<string, string> = {}): Promise<Server> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'openfc-cli-'));
  tempDirs.push(dataDir);
  const port = await freePort();
  const args = ['serve', '--port', String(port), '--database', databaseUrl, '--data-dir', dataDir];
  const { child, output } = spawnOpenfc(args, extra);
  const deadline = Date.now() + 15_000;
  let healthy = false;
  while (!(healthy && /try: curl .*\n/.test(output.stdout))) {
    if (output.code !== undefined) {
      assert.fail(`openfc serve exited with ${output.code} before it was ready:\n${output.stderr}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      assert.fail(`openfc serve was not ready within 15 s.\n${output.stdout}\n${output.stderr}`);
    }
    const response = healthy
      ? undefined
      : await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) }).catch(
          () => undefined,
        );
    if (response?.status === 200) healthy = true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const base = `http://127.0.0.1:${port}`;
  const auth = (key: string) => ({ authorization: `Bearer ${key}` });
  return {
    port,
    merchant: output.stdout.match(/merchant:\s+(acct_[A-Za-z0-9]+)/)?.[1] ?? '',
    secretKey: output.stdout.match(/secret key:\s+(sk_test_[A-Za-z0-9]+)/)?.[1],
    stderr: () => output.stderr,
    post: (p, body, key, headers = {}) =>
      fetch(`${base}${p}`, {
        method: 'POST',
        headers: { ...auth(key), 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body,
      }),
    get: (p, key) => fetch(`${base}${p}`, { headers: auth(key) }),
  };
}

async function merchantCount(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>('select count(*) as n from merchant_accounts');
    return Number(rows[0]?.n);
  } finally {
    await client.end();
  }
}

const secretKey = 'sk_test_SharedByEveryProcess0001';
const publishableKey = 'pk_test_SharedByEveryProcess0002';
const keys = { OPENFC_SECRET_KEY: secretKey, OPENFC_PUBLISHABLE_KEY: publishableKey };

describe('several openfc processes on one PostgreSQL database', {
  skip: postgres?.skip ?? 'no postgres backend',
}, () => {
  test('migrate, then two servers share the merchant, the data and idempotency keys', async () => {
    const { databaseUrl } = await provision();
    const url = databaseUrl as string;
    const migrate = spawnOpenfc(['migrate', '--database', url], {});
    assert.equal(await migrate.exited, 0, migrate.output.stderr);
    assert.match(migrate.output.stdout, /^ {2}applied {2}0001_core \(now\)$/m);
    assert.match(migrate.output.stdout, /^Database: postgres:\/\/\S+\/openfc_test_\w+$/m);

    const one = await serve(url, keys);
    const two = await serve(url, keys);
    assert.match(one.merchant, /^acct_[A-Za-z0-9]{24}$/);
    assert.equal(two.merchant, one.merchant, 'the second process made its own default merchant');
    assert.equal(one.secretKey, secretKey);
    assert.equal(two.secretKey, secretKey);
    assert.equal(await merchantCount(url), 1);

    const created = await one.post('/v1/customers', 'email=shared%40example.com', secretKey);
    assert.equal(created.status, 200);
    const customer = (await created.json()) as { id: string };
    const fetched = await two.get(`/v1/customers/${customer.id}`, secretKey);
    assert.equal(fetched.status, 200);
    assert.equal(((await fetched.json()) as { email: string }).email, 'shared@example.com');

    const idempotency = { 'idempotency-key': `cli-${Date.now()}` };
    const first = await one.post('/v1/customers', 'name=Once', secretKey, idempotency);
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('idempotent-replayed'), null);
    const replay = await two.post('/v1/customers', 'name=Once', secretKey, idempotency);
    assert.equal(replay.status, 200);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    assert.equal(((await replay.json()) as { id: string }).id, ((await first.json()) as { id: string }).id);

    for (const server of [one, two]) assert.ok(!server.stderr().includes(secretKey));
  });

  test('two servers started together on a fresh database both come up with one merchant', async () => {
    const { databaseUrl } = await provision();
    const url = databaseUrl as string;
    const started = await Promise.allSettled([serve(url, keys), serve(url, keys)]);
    const failed = started.flatMap((s) => (s.status === 'rejected' ? [(s.reason as Error).message] : []));
    assert.deepEqual(failed, [], 'a process started together with another did not come up');
    const [one, two] = started.map((s) => (s as PromiseFulfilledResult<Server>).value) as [Server, Server];
    assert.match(one.merchant, /^acct_[A-Za-z0-9]{24}$/);
    assert.equal(two.merchant, one.merchant, 'each process made its own default merchant');
    assert.equal(await merchantCount(url), 1);
    for (const server of [one, two]) {
      assert.equal(server.secretKey, secretKey);
      assert.equal((await server.get('/v1/customers', secretKey)).status, 200);
    }
  });
});
