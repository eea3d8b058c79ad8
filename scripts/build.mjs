// Builds openfc for running: one ESM file (dist/openfc.mjs) with its dependencies bundled, so a
// start loads one file instead of hundreds of modules; the account holder's flow app (dist/flow/,
// Vite), the merchant's dashboard (dist/dashboard/, Vite); and the browser client library
// (dist/client/). Type checking is `npm run typecheck`'s job.
import { build } from 'esbuild';
import { buildApp } from './build-app.mjs';

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/openfc.mjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  // A native addon, and optional packages that openfc's dependencies load only when present.
  external: ['better-sqlite3', 'pg-native', 'bufferutil', 'utf-8-validate', '@opentelemetry/api'],
  // Bundled CommonJS packages call require(); an ES module has none of its own.
  banner: {
    js: "import { createRequire as openfcCreateRequire } from 'node:module'; const require = openfcCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

// The client library runs on merchants' pages: no dependencies, an old-enough target, minified.
const client = { bundle: true, platform: 'browser', target: 'es2019', minify: true, logLevel: 'warning' };
await build({
  ...client,
  entryPoints: ['src/client/global.ts'],
  outfile: 'dist/client/openfc.js',
  format: 'iife',
});
await build({
  ...client,
  entryPoints: ['src/client/module.ts'],
  outfile: 'dist/client/openfc.mjs',
  format: 'esm',
  target: 'es2020',
});

await buildApp('flow');
await buildApp('dashboard');
