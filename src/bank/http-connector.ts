/**
 * The connector openfc ships: it reaches the sandbox bank (or any bank speaking its API) over HTTP,
 * with a time limit on every call.
 */
import { Agent, type Dispatcher } from 'undici';
import { z } from 'zod';
import { bankHttp } from './bank-http.ts';
import type {
  AccountNumbers,
  Authorized,
  BankAccount,
  BankResult,
  Grant,
  InstitutionConnector,
  LoginStep,
} from './connector.ts';
import { ok } from './connector.ts';
import {
  type AccountBody,
  accountsBody,
  balanceBody,
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
  // Its own connection pool, so that closing the connector closes exactly its connections.
  const dispatcher = options.dispatcher ?? new Agent({ connectTimeout: timeoutMs, keepAliveTimeout: 10_000 });
  const call = bankHttp({ baseUrl: options.baseUrl, timeoutMs, dispatcher });
  const publicBase = (options.publicBaseUrl ?? options.baseUrl).replace(/\/+$/, '');
  const accountPath = (id: string, what: string) => `/accounts/${encodeURIComponent(id)}/${what}`;

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
        ...(request.loginHint !== undefined && { login_hint: request.loginHint }),
      };
      for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
      return ok({ url: url.toString() });
    },

    async exchangeCode(institutionId, exchange) {
      const form = {
        grant_type: 'authorization_code',
        institution: institutionId,
        code: exchange.code,
        code_verifier: exchange.codeVerifier,
        redirect_uri: exchange.redirectUri,
      };
      return map(await call({ method: 'POST', path: '/oauth/token', form }, tokenBody), toAuthorized);
    },

    async logIn(institutionId, input) {
      const json =
        'loginId' in input
          ? { login_id: input.loginId, answer: input.answer }
          : { institution: institutionId, username: input.username, password: input.password };
      const result = await call({ method: 'POST', path: '/login', json }, loginBody);
      return map(
        result,
        (step): LoginStep =>
          step.status === 'authorized'
            ? { status: 'authorized', authorized: toAuthorized(step.token) }
            : { status: 'prompt', loginId: step.login_id, prompt: step.prompt },
      );
    },

    async createSandboxAuthorization(institutionId, request) {
      const json = {
        institution: institutionId,
        accounts: request.accountKeys,
        bank_user: request.bankUser,
        code_challenge: request.codeChallenge,
      };
      const result = await call(
        { method: 'POST', path: '/sandbox/authorizations', json },
        sandboxAuthorizationBody,
      );
      return map(result, (body) => ({ code: body.code, bankUserId: body.bank_user_id }));
    },

    async refresh(_institutionId, grant) {
      const form = { grant_type: 'refresh_token', refresh_token: grant.refreshToken };
      return map(await call({ method: 'POST', path: '/oauth/token', form }, tokenBody), toGrant);
    },

    async revoke(_institutionId, grant) {
      return call({ method: 'POST', path: '/oauth/revoke', form: { token: grant.refreshToken } }, nothing);
    },

    async listAccounts(_institutionId, grant) {
      const result = await call(
        { method: 'GET', path: '/accounts', accessToken: grant.accessToken },
        accountsBody,
      );
      return map(result, (body) => body.accounts.map(toAccount));
    },

    async getBalance(_institutionId, grant, accountId) {
      const spec = {
        method: 'GET' as const,
        path: accountPath(accountId, 'balance'),
        accessToken: grant.accessToken,
      };
      return map(await call(spec, balanceBody), ({ as_of, ...rest }) => ({ ...rest, asOf: as_of }));
    },

    async listOwners(_institutionId, grant, accountId) {
      const spec = {
        method: 'GET' as const,
        path: accountPath(accountId, 'owners'),
        accessToken: grant.accessToken,
      };
      return map(await call(spec, ownersBody), (body) => body.owners);
    },

    async listTransactions(_institutionId, grant, accountId, options = {}) {
      const spec = {
        method: 'GET' as const,
        path: accountPath(accountId, 'transactions'),
        accessToken: grant.accessToken,
        query: { since: options.since?.toString() },
      };
      return map(await call(spec, transactionsBody), (body) =>
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
    },

    async getAccountNumbers(_institutionId, grant, accountId) {
      const spec = {
        method: 'GET' as const,
        path: accountPath(accountId, 'numbers'),
        accessToken: grant.accessToken,
      };
      return map(await call(spec, numbersBody), (body) =>
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
    },

    async close() {
      if (!options.dispatcher) await dispatcher.close();
    },
  };
}
