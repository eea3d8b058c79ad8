// openfc's web apps: Preact + Vite from src/<name>/ to dist/<name>/, served under /<name>/ (assets
// under /<name>/assets/, content-hashed, so the server can cache them for a year). The flow is the
// account holder's; the dashboard the merchant's.
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { build } from 'vite';

/** @param {'flow' | 'dashboard'} name */
export async function buildApp(name) {
  await build({
    configFile: false,
    root: fileURLToPath(new URL(`../src/${name}/`, import.meta.url)),
    base: `/${name}/`,
    logLevel: 'warn',
    plugins: [preact()],
    build: {
      outDir: fileURLToPath(new URL(`../dist/${name}/`, import.meta.url)),
      emptyOutDir: true,
      // The pages' CSP allows scripts from their own origin only: no inline polyfill.
      modulePreload: { polyfill: false },
      sourcemap: false,
      assetsInlineLimit: 0,
      target: 'es2020',
    },
  });
}
