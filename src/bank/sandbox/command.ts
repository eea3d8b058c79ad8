/**
 * `openfc sandbox-bank`: the sandbox bank as its own process, for pointing `openfc serve
 * --bank-url` at it. It keeps its records in its own store (a SQLite file in its data folder, or
 * the `sandbox_bank` schema of a PostgreSQL database) and registers one OAuth client: the one
 * given, or one made on the first start and kept in its data folder.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { privateDir } from '../../store/private-files.ts';
import type { ClientCredentials } from '../client-auth.ts';
import { startSandboxBank } from './server.ts';

const clientFile = 'bank-client.json';

/** The configured client, or the one kept in the data folder (made there on the first start). */
function clientOf(dataDir: string, id: string | undefined, secret: string | undefined) {
  if (secret !== undefined) return { client: { id: id ?? 'openfc', secret }, madeNow: false };
  const file = path.join(dataDir, clientFile);
  if (existsSync(file))
    return { client: JSON.parse(readFileSync(file, 'utf8')) as ClientCredentials, madeNow: false };
  privateDir(dataDir);
  const client = { id: id ?? 'openfc', secret: `bcs_${randomBytes(24).toString('base64url')}` };
  writeFileSync(file, `${JSON.stringify(client, null, 2)}\n`, { mode: 0o600 });
  return { client, madeNow: true };
}

export async function sandboxBankCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      database: { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      'admin-token': { type: 'string' },
      'log-level': { type: 'string' },
    },
    strict: true,
  });
  const env = process.env;
  const port = Number(values.port ?? env.PORT ?? 4243);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new TypeError('--port must be a whole number');
  const dataDir = values['data-dir'] ?? env.OPENFC_DATA_DIR ?? './data';
  const databaseUrl = values.database ?? env.DATABASE_URL;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\/\S+$/.test(databaseUrl))
    throw new TypeError('--database must be a postgres:// or postgresql:// URL');
  const secret = values['client-secret'] ?? env.OPENFC_BANK_CLIENT_SECRET;
  if (secret !== undefined && secret.length < 32)
    throw new TypeError('--client-secret must be at least 32 characters');
  const adminToken = values['admin-token'] ?? env.OPENFC_ADMIN_TOKEN;
  if (adminToken !== undefined && adminToken.length < 32)
    throw new TypeError('--admin-token must be at least 32 characters');
  const { client, madeNow } = clientOf(dataDir, values['client-id'] ?? env.OPENFC_BANK_CLIENT_ID, secret);
  const logger = pino({ level: values['log-level'] ?? env.OPENFC_LOG_LEVEL ?? 'info' });
  const bank = await startSandboxBank({
    port,
    host: values.host ?? env.HOST ?? '127.0.0.1',
    logger,
    store: { databaseUrl, dataDir },
    clients: [client],
    adminToken,
  });
  console.log(`openfc sandbox bank listening on ${bank.url}`);
  console.log(
    `OAuth client ${client.id}; its secret ${madeNow ? 'was made and ' : ''}is kept in ${secret === undefined ? path.join(dataDir, clientFile) : 'the configured --client-secret'}`,
  );
  if (madeNow)
    console.log(`  client secret: ${client.secret} (give it to openfc serve as --bank-client-secret)`);
  const stop = async () => {
    await bank.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
