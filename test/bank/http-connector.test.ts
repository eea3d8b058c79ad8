import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { basicAuthorization } from '../../src/bank/client-auth.ts';
import { type BankResult, ConnectorError, type Grant } from '../../src/bank/connector.ts';
import { createHttpConnector, type HttpConnector } from '../../src/bank/http-connector.ts';
import type { SandboxBankServer } from '../../src/bank/sandbox/server.ts';
import {
  approveInBrowser,
  bankEpoch,
  call,
  institutions,
  pkce,
  testClient,
  testTenant,
  useTestBank,
} from './helpers.ts';

const day = 86_400;

function value<T>(result: BankResult<T>): T {
  if (!result.ok) assert.fail(`expected success, got ${JSON.stringify(result.failure)}`);
  return result.value;
}

function failureOf<T>(result: BankResult<T>) {
  if (result.ok) assert.fail(`expected a failure, got ${JSON.stringify(result.value)}`);
  return result.failure;
}

describe('HTTP connector against the sandbox bank', () => {
  const testBank = useTestBank();
  let bank: SandboxBankServer;
  let connector: HttpConnector;
  before(() => {
    bank = testBank.bank();
    connector = testBank.connector();
  });

  async function linked(
    institution: string,
    accountKeys: string[],
  ): Promise<{ grant: Grant; ids: string[] }> {
    const { verifier, challenge } = pkce();
    const { code } = value(
      await connector.createSandboxAuthorization(institution, {
        tenant: testTenant,
        accountKeys,
        codeChallenge: challenge,
      }),
    );
    const authorized = value(await connector.exchangeCode(institution, { code, codeVerifier: verifier }));
    return { grant: authorized.grant, ids: authorized.accounts.map((a) => a.id) };
  }

  test('OAuth: authorize URL, holder approval, code exchange', async () => {
    const { verifier, challenge } = pkce();
    const redirectUri = 'http://127.0.0.1:9/oauth/callback';
    const start = value(
      await connector.startAuthorization(institutions.sandboxOAuth, {
        tenant: testTenant,
        redirectUri,
        state: 'xyz',
        codeChallenge: challenge,
      }),
    );
    const url = new URL(start.url);
    assert.equal(`${url.origin}${url.pathname}`, `${bank.url}/oauth/authorize`);
    assert.deepEqual(Object.fromEntries(url.searchParams), {
      response_type: 'code',
      institution: institutions.sandboxOAuth,
      redirect_uri: redirectUri,
      state: 'xyz',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      client_id: testClient.id,
      tenant: testTenant,
    });
    const back = await approveInBrowser(start.url, ['checking', 'credit-card']);
    assert.equal(back.searchParams.get('state'), 'xyz');
    const code = back.searchParams.get('code') ?? '';

    const wrong = await connector.exchangeCode(institutions.sandboxOAuth, {
      code,
      codeVerifier: pkce().verifier,
      redirectUri,
    });
    assert.equal(failureOf(wrong).kind, 'invalid_grant');
    const authorized = value(
      await connector.exchangeCode(institutions.sandboxOAuth, { code, codeVerifier: verifier, redirectUri }),
    );
    assert.deepEqual(
      { ...authorized.grant, accessToken: undefined, refreshToken: undefined, bankUserId: undefined },
      {
        accessToken: undefined,
        refreshToken: undefined,
        accessTokenExpiresAt: bankEpoch + 900,
        consentExpiresAt: bankEpoch + 90 * day,
        bankUserId: undefined,
        bankInstance: testBank.bank().context.store.instance,
      },
    );
    assert.match(authorized.grant.bankUserId, /^bu_/);
    assert.deepEqual(
      authorized.accounts.map((a) => [a.key, a.name, a.category, a.subcategory, a.last4, a.status]),
      [
        ['checking', 'Primary Checking', 'cash', 'checking', '3418', 'open'],
        ['credit-card', 'Platinum Card', 'credit', 'credit_card', '1187', 'open'],
      ],
    );
    const again = await connector.exchangeCode(institutions.sandboxOAuth, {
      code,
      codeVerifier: verifier,
      redirectUri,
    });
    assert.equal(failureOf(again).kind, 'invalid_grant');
  });

  test('credential login with prompts', async () => {
    const first = value(
      await connector.logIn(institutions.sandboxNonOAuth, {
        tenant: testTenant,
        username: 'ada',
        password: 'mfa',
      }),
    );
    assert.equal(first.status, 'prompt');
    if (first.status !== 'prompt') return;
    assert.deepEqual(first.prompt, { kind: 'mfa', message: 'Enter the one-time code we sent you.' });
    const wrong = await connector.logIn(institutions.sandboxNonOAuth, {
      loginId: first.loginId,
      answer: 'incorrect',
    });
    assert.equal(failureOf(wrong).kind, 'invalid_credentials');
    const done = value(
      await connector.logIn(institutions.sandboxNonOAuth, { loginId: first.loginId, answer: '000000' }),
    );
    assert.equal(done.status, 'authorized');
    if (done.status !== 'authorized') return;
    assert.equal(done.authorized.accounts.length, 4);
    const ended = await connector.logIn(institutions.sandboxNonOAuth, {
      tenant: testTenant,
      username: 'ada',
      password: 'error',
    });
    assert.equal(failureOf(ended).kind, 'login_failed');
  });

  test('data operations', async () => {
    const { grant, ids } = await linked(institutions.tokenized, ['checking', 'credit-card']);
    const [checking = '', card = ''] = ids;
    const accounts = value(await connector.listAccounts(institutions.tokenized, grant));
    assert.deepEqual(
      accounts.map((a) => [a.id, a.key, a.status, a.supportedPaymentMethodTypes]),
      [
        [checking, 'checking', 'open', ['us_bank_account', 'link']],
        [card, 'credit-card', 'open', []],
      ],
    );
    const balance = value(await connector.getBalance(institutions.tokenized, grant, checking));
    assert.equal(balance.type, 'cash');
    assert.equal(balance.asOf, bankEpoch);
    const credit = value(await connector.getBalance(institutions.tokenized, grant, card));
    assert.equal(credit.type, 'credit');
    const owners = value(await connector.listOwners(institutions.tokenized, grant, checking));
    assert.equal(owners.length, 1);
    assert.match(owners[0]?.email ?? '', /@example\.com$/);
    const all = value(await connector.listTransactions(institutions.tokenized, grant, checking));
    const recent = value(
      await connector.listTransactions(institutions.tokenized, grant, checking, {
        since: bankEpoch - 7 * day,
      }),
    );
    assert.ok(all.length > recent.length && recent.length > 0);
    assert.deepEqual(Object.keys(all[0] ?? {}), [
      'id',
      'amount',
      'currency',
      'description',
      'status',
      'transactedAt',
      'postedAt',
    ]);
    assert.deepEqual(value(await connector.getAccountNumbers(institutions.tokenized, grant, checking)), [
      {
        routingNumber: '110000000',
        accountNumber: '947205318846',
        identifierType: 'tokenized_account_number',
        status: 'transactable',
        expectedExpiryDate: bankEpoch + 90 * day,
        supportedNetworks: ['ach'],
      },
    ]);
  });

  test('refresh, expiry and revocation', async () => {
    const { grant } = await linked(institutions.test, ['checking']);
    await call(bank.url, 'POST', '/control/clock', { json: { advance: 1_000 } });
    assert.equal(
      failureOf(await connector.listAccounts(institutions.test, grant)).kind,
      'access_token_expired',
    );
    const refreshed = value(await connector.refresh(institutions.test, grant));
    assert.notEqual(refreshed.accessToken, grant.accessToken);
    assert.equal(refreshed.accessTokenExpiresAt, bankEpoch + 1_000 + 900);
    assert.equal(value(await connector.listAccounts(institutions.test, refreshed)).length, 1);
    assert.equal(value(await connector.revoke(institutions.test, refreshed)), null);
    assert.equal(
      failureOf(await connector.listAccounts(institutions.test, refreshed)).kind,
      'access_revoked',
    );
    assert.equal(failureOf(await connector.refresh(institutions.test, refreshed)).kind, 'access_revoked');
    await call(bank.url, 'POST', '/control/clock', { json: { now: bankEpoch } });
    const unknown = { ...grant, accessToken: 'at_unknown', refreshToken: 'rt_unknown' };
    assert.equal(failureOf(await connector.listAccounts(institutions.test, unknown)).kind, 'invalid_grant');
    assert.equal(failureOf(await connector.refresh(institutions.test, unknown)).kind, 'invalid_grant');
  });

  test('bank-side facts become failure kinds', async () => {
    const { grant, ids } = await linked(institutions.test, ['checking', 'savings']);
    const [checking = '', savings = ''] = ids;
    await call(bank.url, 'POST', `/control/accounts/${checking}/close`);
    await call(bank.url, 'POST', `/control/accounts/${savings}/make-unavailable`);
    assert.equal(
      failureOf(await connector.getBalance(institutions.test, grant, checking)).kind,
      'account_closed',
    );
    assert.equal(
      failureOf(await connector.listOwners(institutions.test, grant, savings)).kind,
      'account_unavailable',
    );
    const statuses = value(await connector.listAccounts(institutions.test, grant)).map((a) => a.status);
    assert.deepEqual(statuses, ['closed', 'unavailable']);
    await call(bank.url, 'POST', `/control/users/${grant.bankUserId}/require-reauthentication`);
    assert.equal(
      failureOf(await connector.listAccounts(institutions.test, grant)).kind,
      'reauthentication_required',
    );

    const inactive = await linked(institutions.inactive, ['checking']);
    assert.equal(
      failureOf(await connector.listAccounts(institutions.inactive, inactive.grant)).kind,
      'consent_expired',
    );
    const ended = await linked(institutions.test, ['checking']);
    await call(bank.url, 'POST', `/control/users/${ended.grant.bankUserId}/disconnect`);
    assert.equal(
      failureOf(await connector.listAccounts(institutions.test, ended.grant)).kind,
      'holder_disconnected',
    );
    assert.equal(
      failureOf(await connector.refresh(institutions.test, ended.grant)).kind,
      'holder_disconnected',
    );
    const other = await linked(institutions.test, ['checking']);
    await call(bank.url, 'POST', `/control/users/${other.grant.bankUserId}/expire-consent`);
    assert.equal(failureOf(await connector.refresh(institutions.test, other.grant)).kind, 'consent_expired');
  });

  test('down banks are institution_unavailable', async () => {
    const scheduled = failureOf(await connector.logIn(institutions.downScheduled, { tenant: testTenant }));
    assert.deepEqual(
      { ...scheduled, message: undefined },
      {
        kind: 'institution_unavailable',
        expectedAvailableAt: bankEpoch + 7200,
        message: undefined,
      },
    );
    for (const institution of [institutions.downUnscheduled, institutions.downError]) {
      const down = failureOf(await connector.logIn(institution, { tenant: testTenant }));
      assert.deepEqual(
        { ...down, message: undefined },
        { kind: 'institution_unavailable', message: undefined },
      );
      const code = failureOf(
        await connector.createSandboxAuthorization(institution, {
          tenant: testTenant,
          accountKeys: ['checking'],
        }),
      );
      assert.equal(code.kind, 'institution_unavailable');
    }
  });

  test('a request the bank calls malformed is a ConnectorError', async () => {
    await assert.rejects(
      connector.createSandboxAuthorization(institutions.test, {
        tenant: testTenant,
        accountKeys: ['no-such-account'],
      }),
      (error: unknown) => error instanceof ConnectorError && error.bankError === 'invalid_request',
    );
  });
});

describe('HTTP connector against banks that misbehave', () => {
  const grant: Grant = {
    accessToken: 'at_secret-access',
    refreshToken: 'rt_secret-refresh',
    accessTokenExpiresAt: 0,
    consentExpiresAt: 0,
    bankUserId: 'bu_x',
  };
  const servers: Array<Server | TcpServer> = [];
  const sockets = new Set<Socket>();
  after(async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  async function listen(server: Server | TcpServer): Promise<string> {
    servers.push(server);
    server.on('connection', (socket: Socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return `http://127.0.0.1:${address.port}`;
  }

  async function expectUnavailable(baseUrl: string, timeoutMs = 300) {
    const connector = createHttpConnector({ baseUrl, timeoutMs, client: testClient });
    try {
      const started = Date.now();
      const result = await connector.listAccounts(institutions.test, grant);
      const elapsed = Date.now() - started;
      assert.equal(failureOf(result).kind, 'institution_unavailable');
      return elapsed;
    } finally {
      await connector.close();
    }
  }

  test('a bank that accepts connections but never answers', { timeout: 5_000 }, async () => {
    const base = await listen(createTcpServer(() => {}));
    const elapsed = await expectUnavailable(base, 300);
    assert.ok(elapsed >= 250 && elapsed < 1_500, `gave up after ${elapsed} ms`);
  });

  test('a bank that sends headers and then stalls the body', { timeout: 5_000 }, async () => {
    const base = await listen(
      createServer((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write('{"accounts": [');
      }),
    );
    const elapsed = await expectUnavailable(base, 300);
    assert.ok(elapsed < 1_500, `gave up after ${elapsed} ms`);
  });

  test('a bank that answers garbage, wrong shapes or 5xx', { timeout: 5_000 }, async () => {
    const answers: Array<[number, string]> = [
      [200, 'not json at all'],
      [200, '{"accounts": [{"id": 1}]}'],
      [200, ''],
      [502, '<html>Bad gateway</html>'],
      [500, '{"error":"server_error"}'],
      [401, '<html>who are you</html>'],
      [302, ''],
    ];
    for (const [status, body] of answers) {
      const base = await listen(createServer((_request, response) => response.writeHead(status).end(body)));
      await expectUnavailable(base);
    }
  });

  test('a closed port', { timeout: 5_000 }, async () => {
    const probe = createTcpServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const address = probe.address();
    await new Promise((resolve) => probe.close(resolve));
    if (address === null || typeof address === 'string') throw new Error('no port');
    await expectUnavailable(`http://127.0.0.1:${address.port}`);
  });

  test('tokens travel in headers and bodies, never in URLs', async () => {
    const seen: Array<{ url: string; authorization: string | undefined; body: string }> = [];
    const record = async (request: IncomingMessage) => {
      let body = '';
      for await (const chunk of request) body += chunk;
      seen.push({ url: request.url ?? '', authorization: request.headers.authorization, body });
    };
    const base = await listen(
      createServer((request, response) => {
        record(request).then(() =>
          response.writeHead(503).end('{"error":"institution_unavailable","expected_available_at":42}'),
        );
      }),
    );
    const connector = createHttpConnector({ baseUrl: base, timeoutMs: 1_000, client: testClient });
    try {
      const down = failureOf(await connector.getBalance(institutions.test, grant, 'acc_1'));
      assert.deepEqual(
        { ...down, message: undefined },
        { kind: 'institution_unavailable', expectedAvailableAt: 42, message: undefined },
      );
      await connector.refresh(institutions.test, grant);
      await connector.revoke(institutions.test, grant);
    } finally {
      await connector.close();
    }
    assert.deepEqual(seen, [
      { url: '/accounts/acc_1/balance', authorization: 'Bearer at_secret-access', body: '' },
      {
        url: '/oauth/token',
        authorization: basicAuthorization(testClient),
        body: 'grant_type=refresh_token&refresh_token=rt_secret-refresh',
      },
      {
        url: '/oauth/revoke',
        authorization: basicAuthorization(testClient),
        body: 'token=rt_secret-refresh',
      },
    ]);
  });
});
