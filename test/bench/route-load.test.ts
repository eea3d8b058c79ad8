import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { loadRoutes } from '../../bench/route-load.ts';

/** A server answering every request with `status`, counting what it answered. */
async function counting(status: number): Promise<{ server: Server; url: string; answered: () => number }> {
  let answered = 0;
  const server = createServer((_request, response) => {
    answered += 1;
    response.writeHead(status, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/`, answered: () => answered };
}

describe('the benchmark loading several servers at once', () => {
  let ok: Awaited<ReturnType<typeof counting>>;
  let failing: Awaited<ReturnType<typeof counting>>;

  before(async () => {
    ok = await counting(200);
    failing = await counting(500);
  });
  after(async () => {
    await Promise.all([ok, failing].map((s) => new Promise((resolve) => s?.server.close(resolve))));
  });

  test('loads every target, sums their rates and counts, and reports one latency distribution', async () => {
    const result = await loadRoutes(
      [
        { url: ok.url, method: 'GET', headers: {} },
        { url: failing.url, method: 'GET', headers: {} },
      ],
      1,
      2,
      'test',
    );
    assert.equal(result.each.length, 2);
    assert.ok(ok.answered() > 0 && failing.answered() > 0, 'both servers were loaded');
    assert.equal(
      result.requestsPerSecond,
      (result.each[0] ?? 0) + (result.each[1] ?? 0),
      'the rate is the sum of the targets’ rates',
    );
    assert.ok(result.non2xx > 0, "the failing server's answers are counted as non-2xx");
    assert.ok(result.non2xx < result.total, "the other server's answers are not");
    assert.ok(result.total <= ok.answered() + failing.answered());
    assert.equal(result.errors, 0);
    assert.ok(result.p50 > 0 && result.p50 <= result.p99);
  });
});
