import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import SQLite from 'better-sqlite3';
import type Stripe from 'stripe';
import { cleanUp, type Output, run, type Server, serve, tempDir } from '../support/processes.ts';

/**
 * `openfc` as its users run it: real child processes of `node bin/openfc.js`, on real ports and
 * real data directories. The multi-process PostgreSQL cases are in multi-process.test.ts.
 */

after(cleanUp);

/** A few requests, then the key must appear nowhere but in the banner. */
async function assertSecretKeptOutOfLogs(server: Server, secretKey: string): Promise<void> {
  await server.get('/v1/customers?limit=1', secretKey);
  await server.get('/v1/nowhere', secretKey);
  await server.get('/v1/customers/cus_missing', secretKey);
  await server.post('/v1/customers', 'nickname=x', secretKey);
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
    assert.equal(b.dashboard, `${b.url}/dashboard`);
    assert.equal((await fetch(`${b.url}/dashboard`)).status, 200);
    assert.equal(statSync(path.join(dataDir, 'test-keys.json')).mode & 0o777, 0o600);

    const customer = await first.stripe().customers.create({ email: 'ada@example.com', name: 'Ada' });
    assert.match(customer.id, /^cus_/);
    await assert.rejects(first.stripe(b.publishableKey).customers.list(), { statusCode: 401 });
    await assertSecretKeptOutOfLogs(first, b.secretKey as string);
    assert.equal(await first.stop(), 0);

    const second = await serve(['--data-dir', dataDir, '--dashboard', 'off']);
    assert.equal(second.banner.merchant, b.merchant);
    assert.equal(second.banner.dashboard, 'off');
    assert.equal((await fetch(`${second.banner.url}/dashboard`)).status, 404);
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
      [
        ['serve'],
        { OPENFC_SCHEDULER_INTERVAL: 'soon' },
        /--scheduler-interval \/ OPENFC_SCHEDULER_INTERVAL: must be a number of seconds/,
      ],
      [['serve', '--scheduler-interval=-1'], {}, /--scheduler-interval \/ OPENFC_SCHEDULER_INTERVAL: /],
      [
        ['serve'],
        { OPENFC_BANK_CHECK_INTERVAL: '0' },
        /--bank-check-interval \/ OPENFC_BANK_CHECK_INTERVAL: must be at least 1 second/,
      ],
      [['frobnicate'], {}, /Unknown command 'frobnicate'/],
    ];
    // A few at a time: a dozen processes starting at once on a small machine outrun the time limit.
    const results: Output[] = [];
    for (let i = 0; i < cases.length; i += 3) {
      const batch = cases.slice(i, i + 3);
      results.push(
        ...(await Promise.all(
          batch.map(([args, extra]) => run(args, { OPENFC_DATA_DIR: dataDir, PORT: '1', ...extra })),
        )),
      );
    }
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

  /** The migrations openfc ships, in order. */
  const migrationNames = [
    '0001_core',
    '0002_bank_grants',
    '0003_account_data',
    '0004_account_numbers',
    '0005_sandbox_clocks',
    '0006_events',
    '0007_webhooks',
    '0008_bank_checks',
    '0009_number_expiry_notices',
    '0010_idempotency_commits',
    '0011_account_details',
    '0012_session_flows',
    '0013_hosted_links',
    '0014_payments',
    '0015_payment_intents',
    '0016_scale_indexes',
    '0017_dashboard_sessions',
    '0018_manual_bank_accounts',
    '0019_balance_transactions',
    '0020_connected_accounts',
    '0021_microdeposits',
    '0022_payment_intent_microdeposits',
    '0023_dashboard_lists',
    '0024_topups_and_transfers',
    '0025_external_accounts',
    '0026_request_logs',
    '0027_payouts',
    '0028_list_filters',
  ];

  test('migrate --dry-run shows the plan and applies nothing', async () => {
    const dataDir = tempDir();
    const dry = await run(['migrate', '--dry-run', '--data-dir', dataDir]);
    assert.equal(dry.code, 0, dry.stderr);
    for (const name of migrationNames) assert.match(dry.stdout, new RegExp(`^ {2}pending {2}${name}$`, 'm'));
    assert.match(dry.stdout, new RegExp(`${migrationNames.length} migration\\(s\\) would be applied\\.`));
    assert.doesNotMatch(dry.stdout, /^\s+applied/m);
    const db = new SQLite(path.join(dataDir, 'openfc.db'), { readonly: true });
    try {
      assert.deepEqual(db.prepare("select name from sqlite_master where type = 'table'").all(), []);
    } finally {
      db.close();
    }

    const apply = await run(['migrate', '--data-dir', dataDir]);
    assert.equal(apply.code, 0, apply.stderr);
    for (const name of migrationNames)
      assert.match(apply.stdout, new RegExp(`^ {2}applied {2}${name} \\(now\\)$`, 'm'));

    const again = await run(['migrate', '--data-dir', dataDir]);
    assert.equal(again.code, 0, again.stderr);
    for (const name of migrationNames)
      assert.match(again.stdout, new RegExp(`^ {2}applied {2}${name}$`, 'm'));
    assert.match(again.stdout, /Nothing to apply\./);
  });
});
