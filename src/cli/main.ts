import { parseArgs } from 'node:util';
import { startOpenfc } from '../app.ts';
import { ConfigError, type ConfigFlags, configFlagNames, loadConfig } from '../config.ts';
import { ApiRequestError } from './api-client.ts';
import { printBanner } from './banner.ts';

const usage = `openfc: a self-hostable Stripe Financial Connections

Usage:
  openfc serve   [--port N] [--host H] [--data-dir DIR] [--database postgres://…]
                 [--secret-key sk_test_…] [--publishable-key pk_test_…] [--log-level info]
                 [--bank-url http://… --bank-client-secret S] [--bank-client-id ID]
                 [--admin-token T] [--encryption-key HEX]
                 [--scheduler-interval SECONDS] [--bank-check-interval SECONDS]
                 [--ach-settlement-days DAYS]
                 [--webhook-retries test|live|SECONDS,…] [--webhook-timeout SECONDS]
                 [--public-url https://…] [--smtp-url smtp://…] [--mail-from ADDRESS]
                 [--dashboard on|off]
  openfc migrate [--data-dir DIR] [--database postgres://…] [--dry-run]
  openfc sandbox-bank [--port N] [--host H] [--data-dir DIR] [--database postgres://…]
                 [--client-id ID] [--client-secret S] [--admin-token T] [--log-level info]
                 the sandbox bank alone (point openfc serve --bank-url at it)
  openfc listen  --forward-to http://localhost:3000/webhook [--events a,b] [--api-version V]
                 [--print-secret] [--api-key sk_test_…] [--api-base http://127.0.0.1:4242]
                 [--data-dir DIR]
  openfc trigger <event type> [--api-key sk_test_…] [--api-base http://127.0.0.1:4242]
                 [--data-dir DIR]
  openfc --help  this text (openfc listen --help and openfc trigger --help: theirs)

Each flag of serve and migrate has an environment variable: PORT, HOST, OPENFC_DATA_DIR,
DATABASE_URL, OPENFC_SECRET_KEY, OPENFC_PUBLISHABLE_KEY, OPENFC_LOG_LEVEL, OPENFC_BANK_URL,
OPENFC_BANK_CLIENT_ID, OPENFC_BANK_CLIENT_SECRET, OPENFC_ADMIN_TOKEN, OPENFC_ENCRYPTION_KEY,
OPENFC_SCHEDULER_INTERVAL, OPENFC_BANK_CHECK_INTERVAL, OPENFC_ACH_SETTLEMENT_DAYS, OPENFC_WEBHOOK_RETRIES,
OPENFC_WEBHOOK_TIMEOUT, OPENFC_PUBLIC_URL, OPENFC_SMTP_URL, OPENFC_MAIL_FROM, OPENFC_DASHBOARD. sandbox-bank reads the same ones for its flags (--client-id and
--client-secret: OPENFC_BANK_CLIENT_ID and OPENFC_BANK_CLIENT_SECRET).
listen and trigger take the key from --api-key, OPENFC_SECRET_KEY or STRIPE_API_KEY (else from
the sandbox's test-keys.json under --data-dir or OPENFC_DATA_DIR), and the server from --api-base
or OPENFC_API_BASE.

The admin token (at least 32 characters) also turns on GET /metrics (Prometheus text format),
read with Authorization: Bearer <admin token>.
The dashboard (/dashboard, signed in with a secret key) is on unless --dashboard off.
Without --smtp-url, hosted links meant for email are written to the log (info) instead.
SIGTERM or SIGINT stops serve: new connections are refused, requests and webhook attempts under
way finish, and openfc exits within the webhook timeout.`;

/** How long past the webhook timeout stopping may take before openfc exits anyway. */
const stopMarginMs = 1000;

function readFlags(args: string[]): { flags: ConfigFlags; dryRun: boolean } {
  const options = Object.fromEntries(
    Object.keys(configFlagNames).map((name) => [name, { type: 'string' as const }]),
  );
  const { values } = parseArgs({
    args,
    options: { ...options, 'dry-run': { type: 'boolean' } },
    strict: true,
  });
  const flags: ConfigFlags = {};
  for (const [flag, name] of Object.entries(configFlagNames)) {
    const value = (values as Record<string, unknown>)[flag];
    if (typeof value === 'string') flags[name] = value;
  }
  return { flags, dryRun: values['dry-run'] === true };
}

async function serve(flags: ConfigFlags): Promise<void> {
  const config = loadConfig(flags);
  const running = await startOpenfc(config);
  await printBanner(running);
  const stop = async (signal: NodeJS.Signals) => {
    const log = running.app.log;
    log.info(`${signal}: stopping; requests and webhook attempts under way finish first`);
    // A webhook attempt takes at most the webhook timeout; whatever is still running after it
    // (and a margin to record the last attempts) is abandoned rather than let stopping hang.
    const limitMs = config.webhookTimeout * 1000 + stopMarginMs;
    setTimeout(() => {
      log.warn(`openfc had not stopped ${limitMs / 1000} s after ${signal}: exiting without waiting more`);
      process.exit(0);
    }, limitMs).unref();
    try {
      await running.close();
    } catch (err) {
      log.error({ err }, 'openfc could not stop cleanly');
      process.exit(1);
    }
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    console.log(usage);
    return;
  }
  // The other commands are loaded when run: a server does not hold their code.
  if (command === 'sandbox-bank')
    return (await import('../bank/sandbox/command.ts')).sandboxBankCommand(rest);
  if (command === 'listen') return (await import('./listen.ts')).listenCommand(rest);
  if (command === 'trigger') return (await import('./trigger.ts')).triggerCommand(rest);
  const { flags, dryRun } = readFlags(rest);
  switch (command) {
    case 'serve':
      return serve(flags);
    case 'migrate':
      return (await import('./migrate.ts')).migrateCommand(loadConfig(flags), dryRun);
    default:
      throw new ConfigError(`Unknown command '${command}'.\n\n${usage}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ApiRequestError) {
    console.error(error.message);
    process.exit(1);
  }
  if (error instanceof ConfigError || error instanceof TypeError) {
    console.error(error.message);
  } else {
    console.error(error);
  }
  process.exit(2);
});
