import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { backends, type ProvisionedDatabase } from '../support/backends.ts';
import { cleanUp, run, type Server, serve, tempDir } from '../support/processes.ts';
import { closeReceivers, eventOf, startReceiver } from '../support/receiver.ts';

/**
 * Several `openfc serve` processes on one PostgreSQL database, as a horizontally scaled
 * deployment runs them: they share the default merchant, the data and the idempotency keys.
 */

const postgres = backends.find((b) => b.name === 'postgres');
const databases: ProvisionedDatabase[] = [];

after(async () => {
  await closeReceivers();
  await cleanUp();
  for (const database of databases) await database.drop();
});

async function provision(): Promise<ProvisionedDatabase> {
  const database = await (postgres as NonNullable<typeof postgres>).provision();
  databases.push(database);
  return database;
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
const keys = {
  OPENFC_SECRET_KEY: secretKey,
  OPENFC_PUBLISHABLE_KEY: publishableKey,
  // Processes sharing a database share the key that seals bank tokens and signing secrets.
  OPENFC_ENCRYPTION_KEY: 'a'.repeat(64),
};

/** `openfc serve` on the database, with its own data directory and the shared keys. */
function serveOn(databaseUrl: string): Promise<Server> {
  return serve(['--database', databaseUrl, '--data-dir', tempDir()], keys);
}

describe('several openfc processes on one PostgreSQL database', {
  skip: postgres?.skip ?? 'no postgres backend',
}, () => {
  test('migrate, then two servers share the merchant, the data and idempotency keys', async () => {
    const { databaseUrl } = await provision();
    const url = databaseUrl as string;
    const migrate = await run(['migrate', '--database', url]);
    assert.equal(migrate.code, 0, migrate.stderr);
    assert.match(migrate.stdout, /^ {2}applied {2}0001_core \(now\)$/m);
    assert.match(migrate.stdout, /^Database: postgres:\/\/\S+\/openfc_test_\w+$/m);

    const one = await serveOn(url);
    const two = await serveOn(url);
    assert.match(one.banner.merchant, /^acct_[A-Za-z0-9]{24}$/);
    assert.equal(
      two.banner.merchant,
      one.banner.merchant,
      'the second process made its own default merchant',
    );
    assert.equal(one.banner.secretKey, secretKey);
    assert.equal(two.banner.secretKey, secretKey);
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
    const started = await Promise.allSettled([serveOn(url), serveOn(url)]);
    const failed = started.flatMap((s) => (s.status === 'rejected' ? [(s.reason as Error).message] : []));
    assert.deepEqual(failed, [], 'a process started together with another did not come up');
    const [one, two] = started.map((s) => (s as PromiseFulfilledResult<Server>).value) as [Server, Server];
    assert.match(one.banner.merchant, /^acct_[A-Za-z0-9]{24}$/);
    assert.equal(two.banner.merchant, one.banner.merchant, 'each process made its own default merchant');
    assert.equal(await merchantCount(url), 1);
    for (const server of [one, two]) {
      assert.equal(server.banner.secretKey, secretKey);
      assert.equal((await server.get('/v1/customers', secretKey)).status, 200);
    }
  });

  test('two servers share the webhook outbox: every event is sent once, by one of them', async () => {
    const { databaseUrl } = await provision();
    const url = databaseUrl as string;
    const [one, two] = (await Promise.all([serveOn(url), serveOn(url)])) as [Server, Server];
    const receiver = await startReceiver('/webhook', { delayMs: 5 });
    const created = await one
      .stripe(secretKey)
      .webhookEndpoints.create({ url: receiver.url, enabled_events: ['customer.created'] });
    // Changes arrive at both processes; both workers claim from the one outbox.
    const count = 120;
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        (i % 2 === 0 ? one : two).stripe(secretKey).customers.create({ email: `c${i}@example.com` }),
      ),
    );
    await receiver.waitFor(count, () => true, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const ids = receiver.received.map((r) => eventOf(r).id);
    assert.equal(ids.length, count, 'no event was sent twice');
    assert.equal(new Set(ids).size, count);

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ attempts: string; deliveries: string; succeeded: string }>(
        `select (select count(*) from webhook_attempts where endpoint_id = $1) as attempts,
                (select count(*) from webhook_deliveries where endpoint_id = $1) as deliveries,
                (select count(*) from webhook_deliveries where endpoint_id = $1 and status = 'succeeded') as succeeded`,
        [created.id],
      );
      assert.deepEqual(rows[0], {
        attempts: String(count),
        deliveries: String(count),
        succeeded: String(count),
      });
    } finally {
      await client.end();
    }
  });
});
