import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { cleanUp, freePort, serve, spawnOpenfc, tempDir } from '../support/processes.ts';

/** The sandbox bank as its own process, and openfc using it through `--bank-url`. */
describe('openfc sandbox-bank with openfc serve --bank-url', () => {
  after(cleanUp);

  test('sessions complete at a bank in another process, and its facts reach openfc', async () => {
    const bankPort = await freePort();
    const bank = spawnOpenfc(['sandbox-bank', '--port', String(bankPort), '--log-level', 'warn']);
    const bankUrl = `http://127.0.0.1:${bankPort}`;
    const deadline = Date.now() + 15_000;
    for (;;) {
      const health = await fetch(`${bankUrl}/health`).catch(() => undefined);
      if (health?.ok) break;
      assert.ok(bank.code() === undefined, `the bank exited: ${bank.stderr()}`);
      assert.ok(Date.now() < deadline, 'the sandbox bank did not start in time');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.match(bank.stdout(), new RegExp(`openfc sandbox bank listening on ${bankUrl}`));

    const server = await serve(['--data-dir', tempDir(), '--bank-url', bankUrl]);
    const embedded = await fetch(`http://127.0.0.1:${server.port}/sandbox-bank/health`);
    assert.equal(embedded.status, 404, 'openfc does not serve its own bank when given another one');

    const stripe = server.stripe();
    const customer = await stripe.customers.create({ email: 'far@example.com' });
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
    const account = completed.accounts.data[0]?.id as string;
    const closed = (await stripe.rawRequest(
      'POST',
      `/v1/test_helpers/financial_connections/accounts/${account}/simulate`,
      {
        event: 'account_closed',
      },
    )) as { status: string; status_details: unknown };
    assert.deepEqual(
      { status: closed.status, status_details: closed.status_details },
      { status: 'inactive', status_details: { inactive: { cause: 'account_closed', action: 'none' } } },
    );

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
});
