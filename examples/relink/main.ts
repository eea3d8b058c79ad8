/**
 * One command for the example: `npm run example:relink`. It uses the openfc at OPENFC_API_BASE with
 * OPENFC_SECRET_KEY and OPENFC_PUBLISHABLE_KEY when they are set; otherwise it starts openfc on its
 * embedded sandbox (data in examples/relink/.data) and reads the keys that openfc keeps there.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startExample } from './server.ts';

const root = path.resolve(import.meta.dirname, '../..');

async function healthy(apiBase: string): Promise<boolean> {
  try {
    return (await fetch(`${apiBase}/healthz`)).ok;
  } catch {
    return false;
  }
}

async function embeddedOpenfc(apiBase: string) {
  const dataDir = path.join(import.meta.dirname, '.data');
  const port = new URL(apiBase).port || '4242';
  if (!(await healthy(apiBase))) {
    const child = spawn(
      process.execPath,
      [path.join(root, 'bin/openfc.js'), 'serve', '--data-dir', dataDir, '--port', port],
      {
        stdio: 'inherit',
      },
    );
    process.on('exit', () => child.kill('SIGTERM'));
    for (let i = 0; i < 100 && !(await healthy(apiBase)); i++) await new Promise((r) => setTimeout(r, 100));
  }
  const keys = JSON.parse(readFileSync(path.join(dataDir, 'test-keys.json'), 'utf8')) as {
    secretKey: string;
    publishableKey: string;
  };
  return keys;
}

const apiBase = process.env.OPENFC_API_BASE ?? 'http://127.0.0.1:4242';
const keys =
  process.env.OPENFC_SECRET_KEY && process.env.OPENFC_PUBLISHABLE_KEY
    ? { secretKey: process.env.OPENFC_SECRET_KEY, publishableKey: process.env.OPENFC_PUBLISHABLE_KEY }
    : await embeddedOpenfc(apiBase);
const example = await startExample({ apiBase, ...keys, port: Number(process.env.PORT ?? 4343) });
console.log(`The example merchant app is at ${example.url} (openfc at ${apiBase}).`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    example.close().finally(() => process.exit(0));
  });
}
