/** The sandbox bank on its own listener (`openfc sandbox-bank`), for running it as its own process. */
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { type BankContext, createBankContext, type SandboxBankOptions, sandboxBankPlugin } from './plugin.ts';

export interface SandboxBankServer {
  url: string;
  context: BankContext;
  close(): Promise<void>;
}

export interface StartSandboxBankOptions extends SandboxBankOptions {
  port?: number;
  host?: string;
  logger?: FastifyBaseLogger;
}

export async function startSandboxBank(options: StartSandboxBankOptions = {}): Promise<SandboxBankServer> {
  const context = createBankContext(options);
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: 64 * 1024,
    return503OnClosing: true,
  });
  await app.register(sandboxBankPlugin, { context });
  const address = await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  return { url: address, context, close: () => app.close() };
}
