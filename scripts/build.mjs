// Builds openfc for running: one ESM file (dist/openfc.mjs) with its dependencies bundled, so a
// start loads one file instead of hundreds of modules. Type checking is `npm run typecheck`'s job.
import { build } from 'esbuild';

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
