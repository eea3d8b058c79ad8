/** The sandbox bank on its own listener (`openfc sandbox-bank`), for running it as its own process. */
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { type BankContext, createBankContext, type SandboxBankOptions, sandboxBankPlugin } from './plugin.ts';
import { type BankStoreOptions, openBankStore } from './store/open.ts';

export interface SandboxBankServer {
  url: string;
  context: BankContext;
  close(): Promise<void>;
}

export interface StartSandboxBankOptions extends SandboxBankOptions {
  port?: number;
  host?: string;
  logger?: FastifyBaseLogger;
  /** Where the bank keeps its records. */
  store: BankStoreOptions;
}

export async function startSandboxBank(options: StartSandboxBankOptions): Promise<SandboxBankServer> {
  const store = await openBankStore(options.store);
  try {
    const context = await createBankContext(store, options);
    const app = Fastify({
      ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
      return503OnClosing: true,
    });
    await app.register(sandboxBankPlugin, { context });
    const address = await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
    return {
      url: address,
      context,
      async close() {
        await app.close();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
