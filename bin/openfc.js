#!/usr/bin/env node
// Runs openfc's built JavaScript (dist/openfc.mjs, made by `npm run build`, which `npm install` runs).
import { existsSync } from 'node:fs';

const main = new URL('../dist/openfc.mjs', import.meta.url);
if (!existsSync(main)) {
  console.error('openfc is not built yet: run `npm run build` (npm install does it) in the repository.');
  process.exit(2);
}
await import(main.href);
