import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { withFreshGrant } from '../../src/bank/fresh-grant.ts';
import type { HttpConnector } from '../../src/bank/http-connector.ts';
import type { SandboxBankServer } from '../../src/bank/sandbox/server.ts';
import { bankEpoch, call, institutions, testTenant, useTestBank } from './helpers.ts';

describe('withFreshGrant', () => {
  const testBank = useTestBank();
  let bank: SandboxBankServer;
  let connector: HttpConnector;
  before(() => {
    bank = testBank.bank();
    connector = testBank.connector();
  });

  async function grant() {
    const code = await connector.createSandboxAuthorization(institutions.test, {
      tenant: testTenant,
      accountKeys: ['checking'],
    });
    assert.ok(code.ok);
    const authorized = await connector.exchangeCode(institutions.test, { code: code.value.code });
    assert.ok(authorized.ok);
    return authorized.value.grant;
  }

  test('a valid token is used as it is', async () => {
    const g = await grant();
    const { result, refreshed } = await withFreshGrant(connector, institutions.test, g, bankEpoch, (x) =>
      connector.listAccounts(institutions.test, x),
    );
    assert.deepEqual([result.ok, refreshed], [true, undefined]);
  });

  test('an expired token is refreshed before the call, or after the bank says so', async () => {
    const g = await grant();
    await call(bank.url, 'POST', '/control/clock', { json: { now: bankEpoch + 1_000 } });
    try {
      const known = await withFreshGrant(connector, institutions.test, g, bankEpoch + 1_000, (x) =>
        connector.listAccounts(institutions.test, x),
      );
      assert.equal(known.result.ok, true);
      assert.equal(known.refreshed?.accessTokenExpiresAt, bankEpoch + 1_900);
      // openfc's clock lags the bank's: the bank refuses the token, and one refresh fixes it.
      const lagging = await withFreshGrant(connector, institutions.test, g, bankEpoch, (x) =>
        connector.listAccounts(institutions.test, x),
      );
      assert.equal(lagging.result.ok, true);
      assert.notEqual(lagging.refreshed?.accessToken, g.accessToken);
      await call(bank.url, 'POST', `/control/users/${g.bankUserId}/revoke`);
      const revoked = await withFreshGrant(connector, institutions.test, g, bankEpoch + 1_000, (x) =>
        connector.listAccounts(institutions.test, x),
      );
      assert.deepEqual(revoked.result.ok ? null : revoked.result.failure.kind, 'access_revoked');
    } finally {
      await call(bank.url, 'POST', '/control/clock', { json: { now: bankEpoch } });
    }
  });
});
