import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { catalogue } from './api/resources.ts';
import { buildServer } from './api/server.ts';
import { defaultApiVersion } from './api/wire/versions.ts';
import { deferredConnector } from './bank/deferred-connector.ts';
import { createHttpConnector } from './bank/http-connector.ts';
import { meteredConnector } from './bank/metered-connector.ts';
import { createBankContext, defaultSandboxBankPrefix } from './bank/sandbox/plugin.ts';
import { type BankStore, openBankStore } from './bank/sandbox/store/open.ts';
import { sandboxControl } from './bank/sandbox-control.ts';
import type { Config } from './config.ts';
import type { IssuedKeys, Merchant } from './domain/merchants/service.ts';
import { logMailer, smtpMailer } from './mail/mailer.ts';
import { createMetrics, meteredPass } from './metrics/metrics.ts';
import { type Scheduler, startScheduler } from './scheduler.ts';
import { createServices, type Services } from './services.ts';
import { migrateThen } from './store/migrations.ts';
import { openStore, type Store } from './store/open.ts';
import { privateFileIfExists } from './store/private-files.ts';
import { loadOrCreateKey, SecretBox } from './store/secrets.ts';
import { cliResendChannel } from './webhooks/cli-sessions.ts';
import { outboxDepth } from './webhooks/outbox.ts';
import { parseRetrySchedule } from './webhooks/schedule.ts';
import { webhookChannel } from './webhooks/signal.ts';
import { DeliveryWorker } from './webhooks/worker.ts';

export interface RunningOpenfc {
  url: string;
  app: FastifyInstance;
  store: Store;
  services: Services;
  merchant: Merchant;
  /** The default merchant's keys, when they are known in full (made now, configured, or kept for the sandbox). */
  keys: Partial<IssuedKeys>;
  keysMadeNow: boolean;
  /** Where the dashboard is, unless it is off. */
  dashboardUrl: string | undefined;
  migrationsApplied: string[];
  close(): Promise<void>;
}

const keysFile = 'test-keys.json';
const pruneEveryMs = 10 * 60 * 1000;

/**
 * The generated test keys of an embedded (SQLite) sandbox are kept beside its database, readable by
 * its owner only, so that each start can show them again.
 */
function readKeptKeys(config: Config): Partial<IssuedKeys> {
  const file = path.join(config.dataDir, keysFile);
  if (config.databaseUrl || !existsSync(file)) return {};
  privateFileIfExists(file);
  return JSON.parse(readFileSync(file, 'utf8')) as Partial<IssuedKeys>;
}

function keepKeys(config: Config, keys: IssuedKeys): void {
  if (config.databaseUrl) return;
  const file = path.join(config.dataDir, keysFile);
  writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  privateFileIfExists(file);
}

async function ensureDefaultMerchant(services: Services, config: Config) {
  const configured: Partial<IssuedKeys> = {
    ...(config.secretKey && { secretKey: config.secretKey }),
    ...(config.publishableKey && { publishableKey: config.publishableKey }),
  };
  const existing = await services.merchants.findDefault();
  if (!existing) {
    const { merchant, keys } = await services.merchants.create('Default', configured);
    keepKeys(config, keys);
    return { merchant, keys, madeNow: true };
  }
  await services.merchants.setKeys(existing.id, configured);
  const kept = readKeptKeys(config);
  // Hosted pages hand the publishable key to the holder's browser: a key kept from before openfc
  // sealed them becomes usable there.
  if (kept.publishableKey && !configured.publishableKey)
    await services.merchants.sealKnownPublishableKey(existing.id, kept.publishableKey);
  return { merchant: existing, keys: { ...kept, ...configured }, madeNow: false };
}

/** Opens the store, migrates it, sets up the default merchant and starts listening. */
export async function startOpenfc(config: Config): Promise<RunningOpenfc> {
  const logger = pino({
    level: config.logLevel,
    redact: { paths: ['req.headers.authorization', '*.client_secret', '*.secretKey'], censor: '[redacted]' },
  });
  const store = openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  let bankStore: BankStore | undefined;
  try {
    const sealing = loadOrCreateKey({ configured: config.encryptionKey, dataDir: config.dataDir });
    if (config.databaseUrl && sealing.source !== 'configured') {
      logger.warn(
        'No encryption key is configured: bank tokens are sealed with a key kept in the data folder. Processes sharing one PostgreSQL database need the same OPENFC_ENCRYPTION_KEY.',
      );
    }
    const secrets = new SecretBox(sealing.key);
    const connector = deferredConnector();
    let bankUrl = config.bankUrl;
    // openfc is a registered client of the bank: of the embedded one with a secret derived from the
    // encryption key (the same in every process sharing it), of a bank elsewhere as configured.
    const bankClient = {
      id: config.bankClientId,
      secret: config.bankClientSecret ?? `bcs_${secrets.derive('sandbox-bank-client').toString('base64url')}`,
    };
    const control = sandboxControl(() => bankUrl ?? '', bankClient);
    const metrics = createMetrics(() => outboxDepth(store.db, Date.now()));
    const services = createServices(
      store,
      defaultApiVersion,
      {
        connector: meteredConnector(connector, metrics.bankCall),
        secrets,
        sandboxControl: control,
        bankCheckSeconds: config.bankCheckInterval,
        achSettlementDays: config.achSettlementDays,
      },
      {
        mailer: config.smtpUrl ? smtpMailer(config.smtpUrl, config.mailFrom) : logMailer(logger),
        publicUrl: config.publicUrl,
      },
    );
    const { applied: migrationsApplied, result } = await migrateThen(store.db, store.caps, () =>
      ensureDefaultMerchant(services, config),
    );
    const { merchant, keys, madeNow } = result;
    services.accountData.onBackgroundError = (err) => logger.error({ err }, 'account data refresh failed');
    // The error alone: the message it failed to send carries the hosted link.
    services.hostedMail.onFailure = (err, link) =>
      logger.error(
        { link, error: err instanceof Error ? err.message : String(err) },
        'hosted link mail failed',
      );
    services.scheduled.onError = (err, context) => {
      metrics.schedulerFailure();
      logger.error({ err, ...context }, 'scheduled sync failed');
    };
    services.requestLogWriter.onError = (err, { lost }) =>
      logger.error({ err, lost }, 'request logs could not be written');
    services.bank.onRecordsLost = (authorization) =>
      logger.error(
        { authorization },
        "the sandbox bank has lost its records of this connection (its store is not the one that granted it): the connection is left as it is; restore the bank's store or link the accounts again",
      );
    bankStore =
      config.bankUrl === undefined
        ? await openBankStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
        : undefined;
    const sandboxBank =
      bankStore &&
      (await createBankContext(bankStore, { clients: [bankClient], adminToken: config.adminToken }));
    const app = buildServer({
      services,
      logger,
      sandboxBank,
      metrics,
      adminToken: config.adminToken,
      catalogue,
      dashboard: config.dashboard === 'on',
    });
    await app.listen({ port: config.port, host: config.host });
    const stopListening = await store.listen?.(webhookChannel, () => services.signal.wake());
    if (stopListening) services.signal.hearStore();
    const stopResends = await store.listen?.(cliResendChannel, (payload) =>
      services.cliResends.received(payload),
    );
    const worker = new DeliveryWorker(
      store.db,
      store.caps,
      services.webhookEndpoints,
      services.signal,
      {
        schedule: parseRetrySchedule(config.webhookRetries),
        timeoutMs: config.webhookTimeout * 1000,
        concurrency: 32,
        pollMs: 1000,
        onAttempt: metrics.webhookAttempt,
        onClaim: metrics.webhookClaim,
        catalogue,
      },
      logger,
    );
    worker.start();
    const pruning = setInterval(() => {
      services.idempotency
        .pruneExpired()
        .catch((err: unknown) => logger.warn({ err }, 'pruning idempotency keys failed'));
      services.events.pruneExpired().catch((err: unknown) => logger.warn({ err }, 'pruning events failed'));
      services.dashboardSessions
        .pruneExpired()
        .catch((err: unknown) => logger.warn({ err }, 'pruning dashboard sessions failed'));
      services.requestLogs
        .pruneExpired()
        .catch((err: unknown) => logger.warn({ err }, 'pruning request logs failed'));
    }, pruneEveryMs);
    pruning.unref();
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    bankUrl ??= `http://${config.host}:${port}${defaultSandboxBankPrefix}`;
    connector.bind(createHttpConnector({ baseUrl: bankUrl, client: bankClient }));
    const scheduler: Scheduler | undefined =
      config.schedulerInterval > 0
        ? startScheduler(
            config.schedulerInterval,
            meteredPass(metrics, (signal) => services.scheduled.run(signal)),
            (err: unknown) => logger.error({ err }, 'scheduler pass failed'),
          )
        : undefined;
    return {
      url: `http://${config.host}:${port}`,
      app,
      store,
      services,
      merchant,
      keys,
      keysMadeNow: madeNow,
      dashboardUrl: config.dashboard === 'on' ? `http://${config.host}:${port}/dashboard` : undefined,
      migrationsApplied,
      async close() {
        clearInterval(pruning);
        // Everything stops taking new work at once (the listener first of all); what is under way
        // (requests, webhook attempts, a scheduler step) finishes.
        await Promise.all([app.close(), worker.stop(), scheduler?.stop()]);
        // The requests answered last are written before the store closes.
        await services.requestLogWriter.flush();
        await stopListening?.();
        await stopResends?.();
        await services.accountData.idle();
        await services.hostedMail.idle();
        await connector.close();
        await bankStore?.close();
        await store.close();
      },
    };
  } catch (error) {
    await bankStore?.close();
    await store.close();
    throw error;
  }
}
