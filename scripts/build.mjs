// Builds openfc for running: one ESM file (dist/openfc.mjs) with its dependencies bundled, so a
// start loads one file instead of hundreds of modules (and chunks beside it, dist/chunk-*.mjs, of
// what is loaded on first use); the account holder's flow app (dist/flow/,
// Vite), the merchant's dashboard (dist/dashboard/, Vite); and the browser client library
// (dist/client/). Type checking is `npm run typecheck`'s job.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { build } from 'esbuild';
import { buildApp } from './build-app.mjs';

// Chunks of an earlier build are not reused: their names carry their content's hash.
for (const name of existsSync('dist') ? readdirSync('dist') : [])
  if (name.startsWith('chunk-')) rmSync(`dist/${name}`);

await build({
  entryPoints: { openfc: 'src/cli/main.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  // What is imported on first use (commands other than serve, optional parts) goes to chunks of
  // its own beside the entry, read only when needed.
  splitting: true,
  chunkNames: 'chunk-[hash]',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  // V8 keeps a module's source for as long as it runs: without comments and indentation it is a
  // third smaller, and Latin-1 only (one character outside it, as in a dependency's comment, makes
  // V8 hold the whole source at two bytes a character). Names are kept, for stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
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
