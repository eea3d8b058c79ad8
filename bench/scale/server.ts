/**
 * openfc under the scale benchmark, in its own process, as `openfc serve` runs it (delivery worker
 * and scheduler on), on a data folder and optionally a PostgreSQL database that outlive it: the
 * benchmark stops it, seeds its database, and starts it again on the same data.
 *
 * Usage: node --import tsx bench/scale/server.ts <data dir> [<PostgreSQL URL>]
 * Prints one JSON line on stdout once ready: {"url", "secretKey" (null when not known), "merchant"}.
 * Stops cleanly (closing the store) on SIGTERM or SIGINT.
 */
import { startOpenfc } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';

const [dataDir, databaseUrl] = process.argv.slice(2);
if (!dataDir) {
  console.error('Usage: scale/server.ts <data dir> [<PostgreSQL URL>]');
  process.exit(2);
}

const running = await startOpenfc(
  loadConfig({ port: '0', host: '127.0.0.1', dataDir, databaseUrl, logLevel: 'error' }, {}),
);
// On a database it made before, openfc may not know the key in full (PostgreSQL keeps no copy):
// the benchmark then goes on with the key of the first start.
const secretKey = running.keys.secretKey ?? null;
process.stdout.write(`${JSON.stringify({ url: running.url, secretKey, merchant: running.merchant.id })}\n`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await running.close();
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
