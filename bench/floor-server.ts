/**
 * The least a server on openfc's stack can do to answer `GET /v1/financial_connections/accounts/{id}`:
 * Fastify, the secret key looked up in memory, one prepared better-sqlite3 read of the account's
 * stored JSON by id and merchant, sent as it is with `Request-Id` and `Stripe-Version`. With
 * `logged`, each answered request is also queued as a row holding its answer and written in
 * batches, one transaction every 5 ms, as openfc's request logs are. No validation, rendering,
 * versions or errors in Stripe's shape: a ceiling for openfc's ratio to the bare server, not a
 * rival to it.
 *
 * Usage: node --import tsx bench/floor-server.ts <data dir> <body bytes> [logged]
 * Prints `{"url", "secretKey", "account"}` as one line on stdout once listening.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import Fastify from 'fastify';

const [dataDir, bytesArg, mode] = process.argv.slice(2);
const bytes = Number(bytesArg);
if (!dataDir || !Number.isInteger(bytes) || bytes <= 0 || (mode !== undefined && mode !== 'logged')) {
  console.error('Usage: floor-server.ts <data dir> <body bytes> [logged]');
  process.exit(2);
}
const logged = mode === 'logged';

const db = new SQLite(path.join(dataDir, 'floor.sqlite'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec(`create table accounts (id text primary key, merchant_id text not null, body text not null);
  create table request_logs (id text primary key, merchant_id text not null, method text not null,
    path text not null, status integer not null, created integer not null, response text)`);

const merchant = 'acct_floor';
const account = 'fca_floor';
const base = JSON.stringify({ id: account, object: 'financial_connections.account', pad: '' });
if (bytes < base.length) throw new Error(`A body of ${bytes} bytes is too small (minimum ${base.length}).`);
db.prepare('insert into accounts values (?, ?, ?)').run(
  account,
  merchant,
  JSON.stringify({
    id: account,
    object: 'financial_connections.account',
    pad: 'x'.repeat(bytes - base.length),
  }),
);
const read = db.prepare<[string, string], { body: string }>(
  'select body from accounts where id = ? and merchant_id = ?',
);
const insert = db.prepare('insert into request_logs values (?, ?, ?, ?, ?, ?, ?)');
const writeBatch = db.transaction((rows: unknown[][]) => {
  for (const row of rows) insert.run(...row);
});

const secretKey = `sk_test_${randomBytes(16).toString('hex')}`;
const keys = new Map([[`Bearer ${secretKey}`, merchant]]);
let waiting: unknown[][] = [];
let scheduled = false;
let counter = 0;

function queue(row: unknown[]): void {
  waiting.push(row);
  if (scheduled) return;
  scheduled = true;
  setTimeout(() => {
    scheduled = false;
    const rows = waiting;
    waiting = [];
    writeBatch(rows);
  }, 5);
}

const app = Fastify();
app.get<{ Params: { id: string } }>('/v1/financial_connections/accounts/:id', (request, reply) => {
  const merchantId = keys.get(request.headers.authorization ?? '');
  if (merchantId === undefined) return reply.code(401).send({ error: { type: 'invalid_request_error' } });
  const row = read.get(request.params.id, merchantId);
  if (row === undefined) return reply.code(404).send({ error: { type: 'invalid_request_error' } });
  const requestId = `req_${(++counter).toString(36).padStart(24, '0')}`;
  if (logged) queue([requestId, merchantId, 'GET', request.url, 200, Date.now(), row.body]);
  return reply
    .header('request-id', requestId)
    .header('stripe-version', '2026-03-04.preview')
    .type('application/json; charset=utf-8')
    .send(row.body);
});

const url = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ url, secretKey, account })}\n`);

function stop(): void {
  app.close().then(() => {
    db.close();
    process.exit(0);
  });
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
