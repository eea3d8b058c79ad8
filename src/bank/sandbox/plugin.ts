/**
 * The sandbox bank as a Fastify plugin: openfc mounts it under a prefix (by default
 * `/sandbox-bank`), and `startSandboxBank` serves it alone. Its routes answer in the bank's own
 * JSON, with their own error handler, whatever the embedding server does.
 */
import type { FastifyError, FastifyInstance, FastifyPluginAsync } from 'fastify';
import { type BankClock, settableClock } from './clock.ts';
import { Authorizations } from './codes.ts';
import { controlRoutes } from './control-routes.ts';
import { dataRoutes } from './data-routes.ts';
import { BankError } from './errors.ts';
import { bodyParsers } from './http.ts';
import { loginRoutes } from './login-routes.ts';
import { oauthRoutes } from './oauth-routes.ts';
import { BankState } from './state.ts';

export const defaultSandboxBankPrefix = '/sandbox-bank';

export interface SandboxBankOptions {
  clock?: BankClock;
  accessTokenTtlSeconds?: number;
  consentTtlSeconds?: number;
  /** Lifetime of authorization codes, consent pages and multi-step logins. */
  codeTtlSeconds?: number;
}

export interface BankContext {
  bank: BankState;
  authorizations: Authorizations;
}

export function createBankContext(options: SandboxBankOptions = {}): BankContext {
  const bank = new BankState(options.clock ?? settableClock(), {
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 15 * 60,
    consentTtlSeconds: options.consentTtlSeconds ?? 90 * 86_400,
    codeTtlSeconds: options.codeTtlSeconds ?? 10 * 60,
  });
  return { bank, authorizations: new Authorizations(bank) };
}

function renderError(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | BankError, request, reply) => {
    if (error instanceof BankError) return reply.code(error.status).send(error.body());
    const status = error.statusCode ?? 500;
    if (status < 500) return reply.code(400).send({ error: 'invalid_request', message: error.message });
    request.log.error({ err: error }, 'sandbox bank request failed');
    return reply.code(500).send({ error: 'server_error', message: 'The bank failed unexpectedly.' });
  });
  app.setNotFoundHandler(async (_request, reply) =>
    reply.code(404).send({ error: 'not_found', message: 'No such bank endpoint.' }),
  );
}

/** Registers the bank's routes; pass `context` to share one bank's state with the caller (tests, openfc's clock). */
export const sandboxBankPlugin: FastifyPluginAsync<SandboxBankOptions & { context?: BankContext }> = async (
  app,
  options,
) => {
  const context = options.context ?? createBankContext(options);
  bodyParsers(app);
  renderError(app);
  app.get('/health', async () => ({ status: 'ok' }));
  oauthRoutes(app, context);
  loginRoutes(app, context);
  dataRoutes(app, context);
  controlRoutes(app, context);
};
