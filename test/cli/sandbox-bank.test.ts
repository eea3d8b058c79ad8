import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { eventually } from '../support/eventually.ts';
import { refreshBalance } from '../support/fc.ts';
import { cleanUp, freePort, type OpenfcProcess, serve, spawnOpenfc, tempDir } from '../support/processes.ts';

/** Starts `openfc sandbox-bank` and waits for its health endpoint. */
async function startBank(port: number, args: string[]): Promise<OpenfcProcess> {
  const bank = spawnOpenfc(['sandbox-bank', '--port', String(port), '--log-level', 'warn', ...args]);
  await eventually(
    'the sandbox bank to answer',
    async () => {
      assert.ok(bank.code() === undefined, `the bank exited: ${bank.stderr()}`);
      const health = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
      return health?.ok === true;
    },
    (ok) => ok,
    15_000,
  );
  return bank;
}

/** The sandbox bank as its own process, and openfc using it through `--bank-url`. */
describe('openfc sandbox-bank with openfc serve --bank-url', () => {
  after(cleanUp);

  test('sessions complete at a bank in another process, which keeps its records across its restarts', async () => {
    const bankPort = await freePort();
    const bankDir = tempDir();
    const clientSecret = `bcs_${'s'.repeat(40)}`;
    const bankArgs = ['--data-dir', bankDir, '--client-secret', clientSecret];
    let bank = await startBank(bankPort, bankArgs);
    const bankUrl = `http://127.0.0.1:${bankPort}`;
    assert.match(bank.stdout(), new RegExp(`openfc sandbox bank listening on ${bankUrl}`));
    assert.doesNotMatch(bank.stdout(), new RegExp(clientSecret), 'a configured secret is never printed');

    const wrongSecret = await serve([
      '--data-dir',
      tempDir(),
      '--bank-url',
      bankUrl,
      '--bank-client-secret',
      `bcs_${'w'.repeat(40)}`,
    ]);
    const refused = wrongSecret.stripe();
    const refusedCustomer = await refused.customers.create({});
    const refusedSession = await refused.financialConnections.sessions.create({
      account_holder: { type: 'customer', customer: refusedCustomer.id },
      permissions: ['balances'],
    });
    await assert.rejects(
      refused.rawRequest(
        'POST',
        `/v1/test_helpers/financial_connections/sessions/${refusedSession.id}/complete`,
        {},
      ),
      (error: { code?: string }) => error.code === 'financial_connections_institution_unavailable',
      'a bank that refuses openfc as a client is unavailable to it',
    );
    await wrongSecret.stop();

    const server = await serve([
      '--data-dir',
      tempDir(),
      '--bank-url',
      bankUrl,
      '--bank-client-secret',
      clientSecret,
    ]);
    const embedded = await fetch(`http://127.0.0.1:${server.port}/sandbox-bank/health`);
    assert.equal(embedded.status, 404, 'openfc does not serve its own bank when given another one');

    const stripe = server.stripe();
    const customer = await stripe.customers.create({ email: 'far@example.com' });
    const link = async () => {
      const session = await stripe.financialConnections.sessions.create({
        account_holder: { type: 'customer', customer: customer.id },
        permissions: ['balances'],
      });
      const completed = (await stripe.rawRequest(
        'POST',
        `/v1/test_helpers/financial_connections/sessions/${session.id}/complete`,
        { institution: 'Sandbox Bank (OAuth)' },
      )) as { status: string; accounts: { data: Array<{ id: string }> } };
      assert.equal(completed.status, 'succeeded');
      return completed.accounts.data.map((a) => a.id);
    };
    const [closing = '', kept = ''] = await link();
    const closed = (await stripe.rawRequest(
      'POST',
      `/v1/test_helpers/financial_connections/accounts/${closing}/simulate`,
      { event: 'account_closed' },
    )) as { status: string; status_details: unknown };
    assert.deepEqual(
      { status: closed.status, status_details: closed.status_details },
      { status: 'inactive', status_details: { inactive: { cause: 'account_closed', action: 'none' } } },
    );

    // The bank restarts on its own store: what it granted before still works.
    bank.child.kill('SIGTERM');
    await bank.exited;
    bank = await startBank(bankPort, bankArgs);
    const refreshed = await refreshBalance(stripe, kept);
    assert.deepEqual([refreshed.status, refreshed.balance_refresh?.status], ['active', 'succeeded']);

    bank.child.kill('SIGTERM');
    await bank.exited;
    const down = await stripe.financialConnections.sessions.create({
      account_holder: { type: 'customer', customer: customer.id },
      permissions: ['balances'],
    });
    await assert.rejects(
      stripe.rawRequest('POST', `/v1/test_helpers/financial_connections/sessions/${down.id}/complete`, {}),
      (error: { code?: string; statusCode?: number }) => {
        assert.equal(error.code, 'financial_connections_institution_unavailable');
        assert.equal(error.statusCode, 400);
        return true;
      },
    );
    await server.stop();
  });

  test('a bank started without a client secret makes one, keeps it, and shows it once', async () => {
    const port = await freePort();
    const dataDir = tempDir();
    const first = await startBank(port, ['--data-dir', dataDir]);
    const secret = /client secret: (bcs_\S+)/.exec(first.stdout())?.[1];
    assert.ok(secret, first.stdout());
    first.child.kill('SIGTERM');
    await first.exited;
    const second = await startBank(port, ['--data-dir', dataDir]);
    assert.doesNotMatch(second.stdout(), /client secret:/, 'the kept secret is not shown again');
    const token = await fetch(`http://127.0.0.1:${port}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`openfc:${secret}`).toString('base64')}`,
      },
      body: 'grant_type=refresh_token&refresh_token=rt_unknown',
    });
    assert.deepEqual(
      [token.status, ((await token.json()) as { error: string }).error],
      [400, 'invalid_grant'],
    );
    second.child.kill('SIGTERM');
    await second.exited;
  });
});
