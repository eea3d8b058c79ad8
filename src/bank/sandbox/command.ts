/**
 * `openfc sandbox-bank [--port N] [--host H]`: the sandbox bank as its own process, for pointing
 * `openfc serve --bank-url` at it.
 */
import { parseArgs } from 'node:util';
import pino from 'pino';
import { startSandboxBank } from './server.ts';

export async function sandboxBankCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { port: { type: 'string' }, host: { type: 'string' }, 'log-level': { type: 'string' } },
    strict: true,
  });
  const port = Number(values.port ?? process.env.PORT ?? 4243);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new TypeError('--port must be a whole number');
  const logger = pino({ level: values['log-level'] ?? 'info' });
  const bank = await startSandboxBank({ port, host: values.host ?? '127.0.0.1', logger });
  console.log(`openfc sandbox bank listening on ${bank.url}`);
  const stop = async () => {
    await bank.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
