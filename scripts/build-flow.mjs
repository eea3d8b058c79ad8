// The flow app: Preact + Vite from src/flow/ to dist/flow/, served under /flow/ (assets under
// /flow/assets/, content-hashed, so the server can cache them for a year).
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { build } from 'vite';

const root = fileURLToPath(new URL('../src/flow/', import.meta.url));
const outDir = fileURLToPath(new URL('../dist/flow/', import.meta.url));

export async function buildFlow() {
  await build({
    configFile: false,
    root,
    base: '/flow/',
    logLevel: 'warn',
    plugins: [preact()],
    build: {
      outDir,
      emptyOutDir: true,
      // The page's CSP allows scripts from its own origin only: no inline polyfill.
      modulePreload: { polyfill: false },
      sourcemap: false,
      assetsInlineLimit: 0,
      target: 'es2020',
    },
  });
}
