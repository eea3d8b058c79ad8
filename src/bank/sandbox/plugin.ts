/**
 * The sandbox bank as a Fastify plugin: openfc mounts it under a prefix (by default
 * `/sandbox-bank`), and `startSandboxBank` serves it alone. Its routes answer in the bank's own
 * JSON, with their own error handler, whatever the embedding server does. Its state is in its own
 * store (see `store/open.ts`), so it outlives the process and is shared by every process using it.
 */
import type { FastifyError, FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { ClientCredentials } from '../client-auth.ts';
import { BankClients } from './clients.ts';
import { type BankClock, settableClock } from './clock.ts';
import { Authorizations } from './codes.ts';
import { Consents } from './consents.ts';
import { controlRoutes } from './control-routes.ts';
import { dataRoutes } from './data-routes.ts';
import { BankError } from './errors.ts';
import { Holders } from './holders.ts';
import { bodyParsers } from './http.ts';
import { loginRoutes } from './login-routes.ts';
import { oauthRoutes } from './oauth-routes.ts';
import { pruneBank } from './prune.ts';
import type { BankStore } from './store/open.ts';

export const defaultSandboxBankPrefix = '/sandbox-bank';

export interface SandboxBankOptions {
  clock?: BankClock;
  accessTokenTtlSeconds?: number;
  consentTtlSeconds?: number;
  /** Lifetime of authorization codes, consent pages and multi-step logins. */
  codeTtlSeconds?: number;
  /** Clients registered (or given these secrets) when the bank starts. */
  clients?: ClientCredentials[];
  /** The bank's administrator token: every control endpoint, for every tenant. */
  adminToken?: string | undefined;
}

export interface BankContext {
  store: BankStore;
  clock: BankClock;
  holders: Holders;
  consents: Consents;
  authorizations: Authorizations;
  clients: BankClients;
}

const pruneEveryMs = 10 * 60 * 1000;
const clockOffset = 'clock_offset';

/** The bank's own clock keeps where it was set across restarts. */
async function storedClock(store: BankStore): Promise<BankClock> {
  const row = await store.db
    .selectFrom('bank_meta')
    .select('value')
    .where('name', '=', clockOffset)
    .executeTakeFirst();
  const clock = settableClock();
  if (row) clock.set(clock.now() + Number(row.value));
  return {
    now: clock.now,
    async set(seconds: number) {
      const offset = String(seconds - Math.floor(Date.now() / 1000));
      clock.set(seconds);
      await store.db
        .insertInto('bank_meta')
        .values({ name: clockOffset, value: offset })
        .onConflict((oc) => oc.column('name').doUpdateSet({ value: offset }))
        .execute();
    },
  };
}

export async function createBankContext(
  store: BankStore,
  options: SandboxBankOptions = {},
): Promise<BankContext> {
  const clock = options.clock ?? (await storedClock(store));
  const holders = new Holders(store.db, clock);
  const consents = new Consents(
    store.db,
    holders,
    {
      accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 15 * 60,
      consentTtlSeconds: options.consentTtlSeconds ?? 90 * 86_400,
      codeTtlSeconds: options.codeTtlSeconds ?? 10 * 60,
    },
    store.instance,
  );
  const clients = new BankClients(store.db, options.adminToken);
  for (const client of options.clients ?? []) await clients.register(client, clock.now());
  return {
    store,
    clock,
    holders,
    consents,
    authorizations: new Authorizations(store.db, holders, consents),
    clients,
  };
}

function renderError(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | BankError, request, reply) => {
    if (error instanceof BankError) return reply.code(error.status).send(error.body());
    const status = error.statusCode ?? 500;
    if (status === 413)
      return reply.code(413).send({ error: 'invalid_request', message: 'The body is too large.' });
    if (status < 500) return reply.code(400).send({ error: 'invalid_request', message: error.message });
    request.log.error({ err: error }, 'sandbox bank request failed');
    return reply.code(500).send({ error: 'server_error', message: 'The bank failed unexpectedly.' });
  });
  app.setNotFoundHandler(async (_request, reply) =>
    reply.code(404).send({ error: 'not_found', message: 'No such bank endpoint.' }),
  );
}

/** Forgets expired codes, logins and tokens now and every ten minutes while the bank serves. */
function pruneWhileServing(app: FastifyInstance, context: BankContext): void {
  const prune = () =>
    pruneBank(context.store.db, context.clock.now()).catch((err: unknown) =>
      app.log.warn({ err }, 'pruning the sandbox bank failed'),
    );
  const timer = setInterval(prune, pruneEveryMs);
  timer.unref();
  app.addHook('onReady', async () => {
    await prune();
  });
  app.addHook('onClose', async () => clearInterval(timer));
}

/** Registers the bank's routes over a bank context (its store, clock and registered clients). */
export const sandboxBankPlugin: FastifyPluginAsync<{ context: BankContext }> = async (app, { context }) => {
  bodyParsers(app);
  renderError(app);
  pruneWhileServing(app, context);
  // Names the store, so openfc can tell a bank that lost its records from one that refuses a grant.
  app.get('/health', async () => ({ status: 'ok', instance: context.store.instance }));
  oauthRoutes(app, context);
  loginRoutes(app, context);
  dataRoutes(app, context);
  controlRoutes(app, context);
};
