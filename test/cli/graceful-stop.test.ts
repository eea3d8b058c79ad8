import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { after, describe, test } from 'node:test';
import { openStore } from '../../src/store/open.ts';
import { backends, type ProvisionedDatabase } from '../support/backends.ts';
import { eventually } from '../support/eventually.ts';
import { cleanUp, serve } from '../support/processes.ts';
import { startReceiver } from '../support/receiver.ts';

/**
 * `openfc serve` stopped by SIGTERM or SIGINT, as a supervisor or Ctrl-C stops it: the listener
 * closes at once, what is under way finishes, and the process exits 0 within the webhook timeout.
 */

const databases: ProvisionedDatabase[] = [];
after(async () => {
  await cleanUp();
  for (const database of databases) await database.drop();
});

const keys = {
  OPENFC_SECRET_KEY: 'sk_test_GracefulStopKey0000000001',
  OPENFC_PUBLISHABLE_KEY: 'pk_test_GracefulStopKey0000000002',
  OPENFC_ADMIN_TOKEN: 'graceful-stop-admin-token-0123456789abcdef',
};
const webhookTimeoutSeconds = 4;
/** What `openfc serve` may take past the webhook timeout before it exits anyway. */
const stopMarginMs = 1000;

async function start(backend: (typeof backends)[number], extraArgs: string[] = []) {
  const database = await backend.provision();
  databases.push(database);
  const server = await serve(
    [
      '--data-dir',
      database.dataDir,
      ...(database.databaseUrl ? ['--database', database.databaseUrl] : []),
      '--webhook-timeout',
      String(webhookTimeoutSeconds),
      ...extraArgs,
    ],
    keys,
  );
  return { server, database };
}

/**
 * A request whose body arrives in two parts, as from a slow client: the request is under way
 * from its first bytes until `finish` sends the rest.
 */
function slowPost(port: number, path: string, body: string) {
  const half = Math.floor(body.length / 2);
  let finish = () => {};
  const response = new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path,
          method: 'POST',
          agent: false,
          headers: {
            authorization: `Bearer ${keys.OPENFC_SECRET_KEY}`,
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.flushHeaders();
      req.write(body.slice(0, half));
      finish = () => req.end(body.slice(half));
    },
  );
  return { response, finish: () => finish() };
}

/** Whether a new TCP connection to the port is refused. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

for (const backend of backends) {
  describe(`openfc serve stopped by a signal on ${backend.name}`, { skip: backend.skip }, () => {
    test('a request under way gets its whole answer; new connections are refused; exit 0', {
      timeout: 30_000,
    }, async () => {
      const { server } = await start(backend);
      // An idle keep-alive connection must not hold the process open.
      const idle = await fetch(`http://127.0.0.1:${server.port}/healthz`, {
        headers: { connection: 'keep-alive' },
      });
      assert.equal(idle.status, 200);
      await idle.text();

      const upload = slowPost(server.port, '/v1/customers', 'email=slow%40example.com&name=Slow+Upload');
      await new Promise((resolve) => setTimeout(resolve, 300));
      let exited = false;
      server.exited.then(() => (exited = true));
      const signalled = Date.now();
      server.signal('SIGTERM');
      await eventually(
        'new connections to be refused',
        () => refused(server.port),
        (yes) => yes,
        3000,
      );
      assert.equal(exited, false, 'openfc exited before the request under way was answered');

      upload.finish();
      const answer = await upload.response;
      assert.equal(answer.status, 200, answer.body);
      const customer = JSON.parse(answer.body) as Record<string, unknown>;
      assert.equal(customer.object, 'customer');
      assert.equal(customer.email, 'slow@example.com');
      assert.equal(customer.name, 'Slow Upload');

      assert.equal(await server.exited, 0, server.stderr());
      assert.ok(
        Date.now() - signalled < webhookTimeoutSeconds * 1000 + stopMarginMs,
        `stopping took ${Date.now() - signalled} ms`,
      );
      assert.match(server.stdout(), /SIGTERM: stopping/);
      for (const secret of [keys.OPENFC_ADMIN_TOKEN, keys.OPENFC_SECRET_KEY]) {
        assert.ok(!server.stderr().includes(secret), 'a secret is on stderr');
        assert.ok(!server.stdout().replace(server.banner.text, '').includes(secret), 'a secret is logged');
      }
    });

    test('a webhook attempt under way is finished and recorded before the exit', {
      timeout: 30_000,
    }, async () => {
      const { server, database } = await start(backend);
      const receiver = await startReceiver('/webhook', { delayMs: 1000 });
      try {
        const stripe = server.stripe(keys.OPENFC_SECRET_KEY);
        const endpoint = await stripe.webhookEndpoints.create({
          url: receiver.url,
          enabled_events: ['customer.created'],
        });
        const customer = await stripe.customers.create({ email: 'hook@example.com' });
        await receiver.waitFor(1);
        const signalled = Date.now();
        server.signal('SIGINT');
        assert.equal(await server.exited, 0, server.stderr());
        const took = Date.now() - signalled;
        assert.ok(took >= 500, `openfc exited after ${took} ms, before the receiver answered`);
        assert.ok(took < webhookTimeoutSeconds * 1000 + stopMarginMs, `stopping took ${took} ms`);

        const store = openStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
        try {
          const attempts = await store.db
            .selectFrom('webhook_attempts')
            .innerJoin('events', 'events.id', 'webhook_attempts.event_id')
            .select([
              'webhook_attempts.status_code',
              'webhook_attempts.error',
              'webhook_attempts.duration_ms',
            ])
            .where('webhook_attempts.endpoint_id', '=', endpoint.id)
            .where('events.type', '=', 'customer.created')
            .execute();
          assert.equal(attempts.length, 1, JSON.stringify(attempts));
          assert.equal(Number(attempts[0]?.status_code), 200);
          assert.equal(attempts[0]?.error, null);
          assert.ok(Number(attempts[0]?.duration_ms) >= 900, JSON.stringify(attempts[0]));
          const deliveries = await store.db
            .selectFrom('webhook_deliveries')
            .select(['status', 'lease'])
            .where('endpoint_id', '=', endpoint.id)
            .execute();
          assert.deepEqual(deliveries, [{ status: 'succeeded', lease: null }]);
        } finally {
          await store.close();
        }
        assert.ok(customer.id);
      } finally {
        await receiver.close();
      }
    });
  });
}

describe('openfc serve stopped while a client never finishes', () => {
  test('exits anyway, soon after the webhook timeout', { timeout: 30_000 }, async () => {
    const [sqlite] = backends;
    const { server } = await start(sqlite as (typeof backends)[number]);
    const upload = slowPost(server.port, '/v1/customers', 'email=never%40example.com');
    upload.response.catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 300));
    const signalled = Date.now();
    server.signal('SIGTERM');
    assert.equal(await server.exited, 0, server.stderr());
    const took = Date.now() - signalled;
    assert.ok(took >= webhookTimeoutSeconds * 1000, `openfc gave up after ${took} ms`);
    assert.ok(took < webhookTimeoutSeconds * 1000 + stopMarginMs + 1000, `stopping took ${took} ms`);
    assert.match(server.stdout(), /had not stopped/);
  });
});
