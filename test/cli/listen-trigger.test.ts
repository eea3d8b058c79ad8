import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import Stripe from 'stripe';
import { backends, type ProvisionedDatabase } from '../support/backends.ts';
import { waitForOutput } from '../support/eventually.ts';
import { cleanUp, run, type Server, serve, spawnOpenfc, tempDir } from '../support/processes.ts';
import { eventOf, startReceiver } from '../support/receiver.ts';

/**
 * `openfc listen` and `openfc trigger` as users run them: real processes next to `openfc serve`,
 * forwarding to a real receiving server.
 */

const verifier = new Stripe('sk_test_unused_for_verification');
const postgres = backends.find((b) => b.name === 'postgres');
const databases: ProvisionedDatabase[] = [];

after(async () => {
  await cleanUp();
  for (const database of databases) await database.drop();
});

/** `openfc listen` forwarding to `url`; resolves with the process and its secret once ready. */
async function listen(server: Server, url: string, extra: string[] = []) {
  const key = server.banner.secretKey as string;
  const listener = spawnOpenfc([
    'listen',
    '--forward-to',
    url,
    '--api-base',
    `http://127.0.0.1:${server.port}`,
    '--api-key',
    key,
    ...extra,
  ]);
  const ready = await waitForOutput(
    () => listener.stdout() + listener.stderr(),
    /Ready! .*signing secret is (whsec_[0-9a-f]+)/,
    15_000,
    'openfc listen',
  );
  return { listener, secret: ready[1] as string };
}

function trigger(server: Server, type: string) {
  return run(['trigger', type, '--api-base', `http://127.0.0.1:${server.port}`], {
    OPENFC_SECRET_KEY: server.banner.secretKey as string,
  });
}

describe('openfc listen and openfc trigger', { timeout: 120_000 }, () => {
  test('a triggered deactivation reaches the receiver, signed with the secret listen printed', async () => {
    const server = await serve(['--data-dir', tempDir()]);
    const receiver = await startReceiver();
    try {
      const { listener, secret } = await listen(server, receiver.url);
      const printed = await run([
        'listen',
        '--print-secret',
        '--api-base',
        `http://127.0.0.1:${server.port}`,
        '--api-key',
        server.banner.secretKey as string,
      ]);
      assert.equal(printed.code, 0, printed.stderr);
      assert.equal(printed.stdout.trim(), secret, 'every session of the merchant has the same secret');

      const triggered = await trigger(server, 'financial_connections.account.deactivated');
      assert.equal(triggered.code, 0, triggered.stderr);
      const [, eventId, accountId] =
        triggered.stdout.match(
          /^Trigger succeeded: (evt_\w+) financial_connections\.account\.deactivated \((fca_\w+)\)$/m,
        ) ?? [];
      assert.ok(eventId, triggered.stdout);
      assert.match(triggered.stdout, /^Simulated consent_expired on authorization fcauthz_\w+$/m);

      const [request] = await receiver.waitFor(1, (r) => eventOf(r).id === eventId);
      assert.ok(request);
      const event = verifier.webhooks.constructEvent(
        request.body,
        request.headers['stripe-signature'] as string,
        secret,
      );
      assert.equal(event.type, 'financial_connections.account.deactivated');
      const account = event.data.object as unknown as {
        id: string;
        status: string;
        status_details: { inactive: { cause: string; action: string } };
      };
      assert.equal(account.id, accountId);
      assert.equal(account.status, 'inactive');
      assert.deepEqual(account.status_details.inactive, {
        cause: 'access_expired',
        action: 'relink_required',
      });
      assert.equal(event.api_version, '2026-03-04.preview', 'the merchant default version');

      await waitForOutput(
        listener.stdout,
        new RegExp(
          `^→ 200 POST ${receiver.url.replace(/[.]/g, '\\.')} \\[${eventId}\\] financial_connections\\.account\\.deactivated$`,
          'm',
        ),
      );
      // The scenario's other events came too, each once.
      const types = receiver.received.map((r) => eventOf(r).type).sort();
      assert.deepEqual(types, [
        'customer.created',
        'financial_connections.account.created',
        'financial_connections.account.deactivated',
        'financial_connections.session.updated',
      ]);
    } finally {
      await receiver.close();
      await server.stop();
    }
  });

  test('--events filters and --api-version renders events in the version asked for', async () => {
    const server = await serve(['--data-dir', tempDir()]);
    const receiver = await startReceiver();
    try {
      const { secret } = await listen(server, receiver.url, [
        '--events',
        'customer.deleted',
        '--api-version',
        '2026-10-28.endive',
      ]);
      const triggered = await trigger(server, 'customer.deleted');
      assert.equal(triggered.code, 0, triggered.stderr);
      const [request] = await receiver.waitFor(1);
      assert.ok(request);
      const event = verifier.webhooks.constructEvent(
        request.body,
        request.headers['stripe-signature'] as string,
        secret,
      );
      assert.equal(event.type, 'customer.deleted');
      assert.equal(event.api_version, '2026-10-28.endive');
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.deepEqual(
        receiver.received.map((r) => eventOf(r).type),
        ['customer.deleted'],
        'customer.created was filtered out',
      );
    } finally {
      await receiver.close();
      await server.stop();
    }
  });

  test('each other scenario ends with its event', async () => {
    const server = await serve(['--data-dir', tempDir()]);
    try {
      for (const type of [
        'customer.updated',
        'financial_connections.account.reactivated',
        'financial_connections.account.disconnected',
        'financial_connections.account.refreshed_balance',
      ]) {
        const result = await trigger(server, type);
        assert.equal(result.code, 0, `${type}: ${result.stderr}`);
        assert.match(
          result.stdout,
          new RegExp(`^Trigger succeeded: evt_\\w+ ${type.replace(/\./g, '\\.')} \\(\\w+\\)$`, 'm'),
        );
      }
    } finally {
      await server.stop();
    }
  });

  test('unknown event types and bad flags are refused with exit code 2', async () => {
    const unknown = await run(['trigger', 'invoice.paid', '--api-key', 'sk_test_NotUsedNotUsedNotUsed']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown event type 'invoice\.paid'/);
    assert.match(unknown.stderr, /^ {2}financial_connections\.account\.deactivated$/m);
    assert.match(unknown.stderr, /^ {2}customer\.created$/m);
    assert.match(unknown.stderr, /^ {2}payment_intent\.succeeded$/m);

    const noTarget = await run(['listen', '--api-key', 'sk_test_NotUsedNotUsedNotUsed']);
    assert.equal(noTarget.code, 2);
    assert.match(noTarget.stderr, /Missing --forward-to/);

    const badUrl = await run([
      'listen',
      '--forward-to',
      'ftp://example.com/x',
      '--api-key',
      'sk_test_NotUsedNotUsedNotUsed',
    ]);
    assert.equal(badUrl.code, 2);
    assert.match(badUrl.stderr, /Invalid --forward-to/);

    const publishable = await run(['listen', '--print-secret', '--api-key', 'pk_test_NotUsedNotUsedNotUsed']);
    assert.equal(publishable.code, 2);
    assert.match(publishable.stderr, /secret test key/);
    assert.doesNotMatch(publishable.stderr, /NotUsed/, 'the key is not echoed');
  });

  test('a wrong key gets the API error and exit code 1', async () => {
    const server = await serve(['--data-dir', tempDir()]);
    try {
      const result = await run([
        'listen',
        '--print-secret',
        '--api-base',
        `http://127.0.0.1:${server.port}`,
        '--api-key',
        'sk_test_WrongWrongWrongWrong1234',
      ]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /Invalid API Key provided: sk_test_\*+1234/);
    } finally {
      await server.stop();
    }
  });

  test('the embedded sandbox key is read from the data folder when no key is given', async () => {
    const dataDir = tempDir();
    const server = await serve(['--data-dir', dataDir]);
    try {
      const result = await run([
        'trigger',
        'customer.created',
        '--api-base',
        `http://127.0.0.1:${server.port}`,
        '--data-dir',
        dataDir,
      ]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^Trigger succeeded: evt_\w+ customer\.created \(cus_\w+\)$/m);
    } finally {
      await server.stop();
    }
  });

  describe('on PostgreSQL with two processes', { skip: postgres?.skip ?? 'no postgres backend' }, () => {
    test('listen on one process gets the events written, and resent, by another', async () => {
      const database = await (postgres as NonNullable<typeof postgres>).provision();
      databases.push(database);
      const url = database.databaseUrl as string;
      const env = {
        OPENFC_SECRET_KEY: 'sk_test_SharedByBothProcesses01',
        OPENFC_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      };
      const one = await serve(['--database', url, '--data-dir', tempDir()], env);
      const two = await serve(['--database', url, '--data-dir', tempDir()], env);
      const receiver = await startReceiver();
      try {
        const { secret } = await listen(one, receiver.url, [
          '--events',
          'financial_connections.account.deactivated',
        ]);
        const triggered = await trigger(two, 'financial_connections.account.deactivated');
        assert.equal(triggered.code, 0, triggered.stderr);
        const eventId = triggered.stdout.match(/Trigger succeeded: (evt_\w+)/)?.[1];
        const [request] = await receiver.waitFor(1, (r) => eventOf(r).id === eventId);
        assert.ok(request);
        const event = verifier.webhooks.constructEvent(
          request.body,
          request.headers['stripe-signature'] as string,
          secret,
        );
        assert.equal(event.type, 'financial_connections.account.deactivated');

        // Sent again to the CLI sessions (`stripe events resend`), asked of the other process.
        const resent = await two.post(
          `/v1/events/${eventId}/retry`,
          'for_stripecli=true',
          two.banner.secretKey as string,
        );
        assert.equal(resent.status, 200, await resent.text());
        const twice = await receiver.waitFor(2, (r) => eventOf(r).id === eventId);
        verifier.webhooks.constructEvent(
          twice[1]?.body as string,
          twice[1]?.headers['stripe-signature'] as string,
          secret,
        );
      } finally {
        await receiver.close();
        await one.stop();
        await two.stop();
      }
    });
  });
});
