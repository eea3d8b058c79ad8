import { z } from 'zod';
import { keyPatterns } from './domain/merchants/service.ts';
import { retryScheduleSyntax } from './webhooks/schedule.ts';

/** openfc's configuration, from flags over environment variables, validated at start. */
export const configSchema = z
  .object({
    port: z.coerce.number({ message: 'must be a number' }).int('must be a whole number').min(0).max(65535),
    host: z.string().min(1, 'must not be empty'),
    dataDir: z.string().min(1, 'must not be empty'),
    databaseUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    secretKey: z
      .string()
      .regex(keyPatterns.secret, 'must look like sk_test_ followed by at least 16 letters or digits')
      .optional(),
    publishableKey: z
      .string()
      .regex(keyPatterns.publishable, 'must look like pk_test_ followed by at least 16 letters or digits')
      .optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    bankUrl: z
      .string()
      .regex(/^https?:\/\/[^\s@]+$/, 'must be an http:// or https:// URL without credentials')
      .optional(),
    bankClientId: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1 to 64 letters, digits, _ . or -'),
    bankClientSecret: z.string().min(32, 'must be at least 32 characters').optional(),
    adminToken: z.string().min(32, 'must be at least 32 characters').optional(),
    encryptionKey: z
      .string()
      .regex(/^([0-9a-fA-F]{64}|[A-Za-z0-9+/_-]{43}=?)$/, 'must be 32 bytes as 64 hex characters or base64')
      .optional(),
    webhookRetries: z
      .string()
      .regex(retryScheduleSyntax, 'must be test, live, or seconds between retries separated by commas'),
    webhookTimeout: z.coerce
      .number({ message: 'must be a number of seconds' })
      .positive('must be more than 0')
      .max(120, 'must be at most 120 seconds'),
    schedulerInterval: z.coerce
      .number({ message: 'must be a number of seconds' })
      .min(0, 'must be 0 (off) or more seconds')
      .max(86_400, 'must be at most 86400 seconds'),
    publicUrl: z
      .string()
      .regex(/^https?:\/\/[^\s@/?#]+\/?$/, 'must be an http:// or https:// origin, without a path')
      .optional(),
    smtpUrl: z
      .string()
      .regex(/^smtps?:\/\/\S+$/, 'must be an smtp:// or smtps:// URL')
      .optional(),
    mailFrom: z.string().min(3, 'must be an address such as openfc <no-reply@example.com>'),
    dashboard: z.enum(['on', 'off'], { message: 'must be on or off' }),
    bankCheckInterval: z.coerce
      .number({ message: 'must be a number of seconds' })
      .int('must be a whole number of seconds')
      .min(1, 'must be at least 1 second'),
    achSettlementDays: z.coerce
      .number({ message: 'must be a number of business days' })
      .int('must be a whole number of business days')
      .min(0, 'must be 0 or more business days')
      .max(30, 'must be at most 30 business days'),
  })
  .refine((config) => config.bankUrl === undefined || config.bankClientSecret !== undefined, {
    path: ['bankClientSecret'],
    message: 'is required with --bank-url: the secret the sandbox bank registered for openfc',
  });

export type Config = z.infer<typeof configSchema>;

export const defaults = {
  port: 4242,
  host: '127.0.0.1',
  dataDir: './data',
  logLevel: 'info',
  webhookRetries: 'test',
  webhookTimeout: 10,
  schedulerInterval: 60,
  bankCheckInterval: 3600,
  achSettlementDays: 4,
  bankClientId: 'openfc',
  mailFrom: 'openfc <no-reply@localhost>',
  dashboard: 'on',
} as const;

/** Where each setting comes from: a flag, and the environment variable behind it. */
export const configSources = {
  port: { flag: '--port', env: 'PORT' },
  host: { flag: '--host', env: 'HOST' },
  dataDir: { flag: '--data-dir', env: 'OPENFC_DATA_DIR' },
  databaseUrl: { flag: '--database', env: 'DATABASE_URL' },
  secretKey: { flag: '--secret-key', env: 'OPENFC_SECRET_KEY' },
  publishableKey: { flag: '--publishable-key', env: 'OPENFC_PUBLISHABLE_KEY' },
  logLevel: { flag: '--log-level', env: 'OPENFC_LOG_LEVEL' },
  bankUrl: { flag: '--bank-url', env: 'OPENFC_BANK_URL' },
  bankClientId: { flag: '--bank-client-id', env: 'OPENFC_BANK_CLIENT_ID' },
  bankClientSecret: { flag: '--bank-client-secret', env: 'OPENFC_BANK_CLIENT_SECRET' },
  adminToken: { flag: '--admin-token', env: 'OPENFC_ADMIN_TOKEN' },
  encryptionKey: { flag: '--encryption-key', env: 'OPENFC_ENCRYPTION_KEY' },
  webhookRetries: { flag: '--webhook-retries', env: 'OPENFC_WEBHOOK_RETRIES' },
  webhookTimeout: { flag: '--webhook-timeout', env: 'OPENFC_WEBHOOK_TIMEOUT' },
  schedulerInterval: { flag: '--scheduler-interval', env: 'OPENFC_SCHEDULER_INTERVAL' },
  bankCheckInterval: { flag: '--bank-check-interval', env: 'OPENFC_BANK_CHECK_INTERVAL' },
  achSettlementDays: { flag: '--ach-settlement-days', env: 'OPENFC_ACH_SETTLEMENT_DAYS' },
  publicUrl: { flag: '--public-url', env: 'OPENFC_PUBLIC_URL' },
  smtpUrl: { flag: '--smtp-url', env: 'OPENFC_SMTP_URL' },
  mailFrom: { flag: '--mail-from', env: 'OPENFC_MAIL_FROM' },
  dashboard: { flag: '--dashboard', env: 'OPENFC_DASHBOARD' },
} as const satisfies Record<keyof Config, { flag: string; env: string }>;

export type ConfigFlags = Partial<Record<keyof Config, string | undefined>>;

export class ConfigError extends Error {}

export function loadConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, string | undefined> = {};
  for (const [name, source] of Object.entries(configSources) as [keyof Config, { env: string }][]) {
    const value = flags[name] ?? env[source.env];
    raw[name] = value === '' ? undefined : value;
  }
  const result = configSchema.safeParse({
    ...defaults,
    ...Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)),
  });
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = issue.path[0] as keyof Config;
    const source = configSources[name];
    return `  ${source.flag} / ${source.env}: ${issue.message}`;
  });
  throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
}

export const configFlagNames = Object.fromEntries(
  Object.entries(configSources).map(([name, s]) => [s.flag.slice(2), name]),
) as Record<string, keyof Config>;
