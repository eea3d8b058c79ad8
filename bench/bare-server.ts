/**
 * The benchmark's baseline: a bare node:http server that answers every request with one fixed JSON
 * body of a given size, so that openfc's figures can be read as a ratio to what this machine's Node
 * can serve at all.
 *
 * Usage: node --import tsx bench/bare-server.ts <body bytes>
 * Prints `{"url": "http://127.0.0.1:<port>"}` as one line on stdout once listening.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A JSON object of exactly `bytes` bytes, padded with a string field. */
function paddedJson(bytes: number): string {
  const base = JSON.stringify({ id: 'bare', object: 'bench', pad: '' });
  if (bytes < base.length)
    throw new Error(`A body of ${bytes} bytes is too small to pad (minimum ${base.length}).`);
  return JSON.stringify({ id: 'bare', object: 'bench', pad: 'x'.repeat(bytes - base.length) });
}

const bytes = Number(process.argv[2]);
if (!Number.isInteger(bytes) || bytes <= 0) {
  console.error('Usage: bare-server.ts <body bytes>');
  process.exit(2);
}

const body = Buffer.from(paddedJson(bytes));
const headers = { 'content-type': 'application/json', 'content-length': String(body.length) };

const server = createServer((request, response) => {
  // Read (and drop) any request body before answering, as a real server would.
  request.resume();
  request.on('end', () => {
    response.writeHead(200, headers);
    response.end(body);
  });
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});

function stop(): void {
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
