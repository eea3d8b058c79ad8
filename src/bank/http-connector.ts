/**
 * The connector openfc ships: it reaches the sandbox bank (or any bank speaking its API) over HTTP,
 * with a time limit on every call.
 */
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { bankHttp } from './bank-http.ts';
import { basicAuthorization, type ClientCredentials } from './client-auth.ts';
import type {
  AccountNumbers,
  Authorized,
  BankAccount,
  BankResult,
  CodeExchange,
  Grant,
  InstitutionConnector,
  LoginStep,
} from './connector.ts';
import { fail, ok } from './connector.ts';
import {
  type AccountBody,
  accountsBody,
  balanceBody,
  healthBody,
  loginBody,
  numbersBody,
  ownersBody,
  sandboxAuthorizationBody,
  type TokenBody,
  tokenBody,
  transactionsBody,
} from './wire.ts';

export const defaultBankTimeoutMs = 5_000;

export interface HttpConnectorOptions {
  /** Where openfc reaches the bank, e.g. `http://127.0.0.1:4242/sandbox-bank`. */
  baseUrl: string;
  /** openfc's registration at the bank as an OAuth client. */
  client: ClientCredentials;
  /** Where the holder's browser reaches the bank, when that differs from `baseUrl`. */
  publicBaseUrl?: string;
  timeoutMs?: number;
  dispatcher?: Dispatcher;
}

export interface HttpConnector extends InstitutionConnector {
  close(): Promise<void>;
}

const toAccount = (a: AccountBody): BankAccount => ({
  id: a.id,
  key: a.key,
  name: a.name,
  category: a.category,
  subcategory: a.subcategory,
  last4: a.last4,
  status: a.status,
  supportedPaymentMethodTypes: a.supported_payment_method_types,
  currency: a.currency,
});

const toGrant = (t: TokenBody): Grant => ({
  accessToken: t.access_token,
  refreshToken: t.refresh_token,
  accessTokenExpiresAt: t.access_token_expires_at,
  consentExpiresAt: t.consent_expires_at,
  bankUserId: t.bank_user_id,
  ...(t.bank_instance !== undefined && { bankInstance: t.bank_instance }),
});

const toAuthorized = (t: TokenBody): Authorized => ({
  grant: toGrant(t),
  accounts: (t.accounts ?? []).map(toAccount),
});

function map<A, B>(result: BankResult<A>, f: (value: A) => B): BankResult<B> {
  return result.ok ? ok(f(result.value)) : result;
}

const nothing = z.unknown().transform(() => null);

export function createHttpConnector(options: HttpConnectorOptions): HttpConnector {
  const timeoutMs = options.timeoutMs ?? defaultBankTimeoutMs;
  // Its own connection pool, so that closing the connector closes exactly its connections; made
  // with the first call (undici is loaded by then).
  let agent: Dispatcher | undefined = options.dispatcher;
  const call = bankHttp({
    baseUrl: options.baseUrl,
    timeoutMs,
    dispatcher: ({ Agent }) => {
      agent ??= new Agent({ connectTimeout: timeoutMs, keepAliveTimeout: 10_000 });
      return agent;
    },
    clientAuthorization: basicAuthorization(options.client),
  });
  const publicBase = (options.publicBaseUrl ?? options.baseUrl).replace(/\/+$/, '');
  const accountPath = (id: string, what: string) => `/accounts/${encodeURIComponent(id)}/${what}`;

  /**
   * A grant the bank calls unknown may be one a bank that lost its records forgot: when the bank
   * now names another store than the one that issued the grant, say so, rather than let openfc
   * take it for the holder's revocation.
   */
  async function unlessRecordsLost<T>(grant: Grant, result: BankResult<T>): Promise<BankResult<T>> {
    if (result.ok || result.failure.kind !== 'invalid_grant') return result;
    const health = await call({ method: 'GET', path: '/health' }, healthBody);
    if (!health.ok || health.value.instance === undefined || health.value.instance === grant.bankInstance)
      return result;
    return fail({
      kind: 'institution_unavailable',
      recordsLost: true,
      message:
        "The bank has lost its records of this connection (its store is not the one that granted it): restore the bank's store, or link the accounts again.",
    });
  }

  const exchange = async (institutionId: string, code: CodeExchange) => {
    const form = {
      grant_type: 'authorization_code',
      institution: institutionId,
      code: code.code,
      code_verifier: code.codeVerifier,
      redirect_uri: code.redirectUri,
    };
    return map(
      await call({ method: 'POST', path: '/oauth/token', form, asClient: true }, tokenBody),
      toAuthorized,
    );
  };

  return {
    async startAuthorization(institutionId, request) {
      const url = new URL(`${publicBase}/oauth/authorize`);
      const params = {
        response_type: 'code',
        institution: institutionId,
        redirect_uri: request.redirectUri,
        state: request.state,
        code_challenge: request.codeChallenge,
        code_challenge_method: 'S256',
        client_id: options.client.id,
        tenant: request.tenant,
        ...(request.loginHint !== undefined && { login_hint: request.loginHint }),
      };
      for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
      return ok({ url: url.toString() });
    },

    exchangeCode: exchange,

    // A finished login gives a code, exchanged as an OAuth code is, with openfc's credentials.
    async logIn(institutionId, input) {
      const json =
        'loginId' in input
          ? { login_id: input.loginId, answer: input.answer }
          : {
              institution: institutionId,
              client_id: options.client.id,
              tenant: input.tenant,
              username: input.username,
              password: input.password,
            };
      const result = await call({ method: 'POST', path: '/login', json }, loginBody);
      if (!result.ok) return result;
      const step = result.value;
      if (step.status === 'prompt')
        return ok({ status: 'prompt', loginId: step.login_id, prompt: step.prompt });
      return map(
        await exchange(institutionId, { code: step.code }),
        (authorized): LoginStep => ({ status: 'authorized', authorized }),
      );
    },

    async createSandboxAuthorization(institutionId, request) {
      const json = {
        institution: institutionId,
        tenant: request.tenant,
        accounts: request.accountKeys,
        bank_user: request.bankUser,
        code_challenge: request.codeChallenge,
      };
      const result = await call(
        { method: 'POST', path: '/sandbox/authorizations', json, asClient: true },
        sandboxAuthorizationBody,
      );
      return map(result, (body) => ({ code: body.code, bankUserId: body.bank_user_id }));
    },

    async refresh(_institutionId, grant) {
      const form = { grant_type: 'refresh_token', refresh_token: grant.refreshToken };
      const result = await call({ method: 'POST', path: '/oauth/token', form, asClient: true }, tokenBody);
      return unlessRecordsLost(grant, map(result, toGrant));
    },

    async revoke(_institutionId, grant) {
      const form = { token: grant.refreshToken };
      return call({ method: 'POST', path: '/oauth/revoke', form, asClient: true }, nothing);
    },

    async listAccounts(_institutionId, grant) {
      const result = await call(
        { method: 'GET', path: '/accounts', accessToken: grant.accessToken },
        accountsBody,
      );
      return unlessRecordsLost(
        grant,
        map(result, (body) => body.accounts.map(toAccount)),
      );
    },

    async getBalance(_institutionId, grant, accountId) {
      const spec = {
        method: 'GET' as const,
        path: accountPath(accountId, 'balance'),
        accessToken: grant.accessToken,
      };
      const result = map(await call(spec, balanceBody), ({ as_of, ...rest }) => ({ ...rest, asOf: as_of }));
      return unlessRecordsLost(grant, result);
    },

    async listOwners(_institutionId, grant, accountId) {
      const spec = {
        method: 'GET' as const,
        path: accountPath(accountId, 'owners'),
        accessToken: grant.accessToken,
      };
      return unlessRecordsLost(
        grant,
        map(await call(spec, ownersBody), (body) => body.owners),
      );
    },

    async listTransactions(_institutionId, grant, accountId, options = {}) {
      const spec = {
        method: 'GET' as const,
        path: accountPath(accountId, 'transactions'),
        accessToken: grant.accessToken,
        query: { since: options.since?.toString() },
      };
      const result = map(await call(spec, transactionsBody), (body) =>
        body.transactions.map((t) => ({
          id: t.id,
          amount: t.amount,
          currency: t.currency,
          description: t.description,
          status: t.status,
          transactedAt: t.transacted_at,
          postedAt: t.posted_at,
        })),
      );
      return unlessRecordsLost(grant, result);
    },

    async getAccountNumbers(_institutionId, grant, accountId) {
      const spec = {
        method: 'GET' as const,
        path: accountPath(accountId, 'numbers'),
        accessToken: grant.accessToken,
      };
      const result = map(await call(spec, numbersBody), (body) =>
        body.numbers.map(
          (n): AccountNumbers => ({
            routingNumber: n.routing_number,
            accountNumber: n.account_number,
            identifierType: n.identifier_type,
            status: n.status,
            expectedExpiryDate: n.expected_expiry_date,
            supportedNetworks: n.supported_networks,
          }),
        ),
      );
      return unlessRecordsLost(grant, result);
    },

    async close() {
      if (!options.dispatcher) await agent?.close();
    },
  };
}
