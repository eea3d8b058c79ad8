import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Agent } from 'undici';
import { AttemptTimeout, postOnce } from '../../src/webhooks/sender.ts';

/**
 * One webhook POST as the delivery worker makes it, against a real receiver: what it answered, the
 * start of its body, and an end for every way a receiver can fail to answer.
 */

const headers = { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': 't=1,v1=00' };
const payload = '{\n  "id": "evt_1"\n}';

describe('postOnce', () => {
  let server: Server;
  let base: string;
  const received: { path: string | undefined; body: string; headers: IncomingMessage['headers'] }[] = [];
  const open = new Set<ServerResponse>();
  let answer: (res: ServerResponse) => void = (res) => res.end();
  const agent = new Agent({ keepAliveTimeout: 10_000 });

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        body += chunk;
      });
      req.on('end', () => {
        received.push({ path: req.url, body, headers: req.headers });
        open.add(res);
        res.on('close', () => open.delete(res));
        answer(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    for (const res of open) res.destroy();
    await agent.close();
    await new Promise((resolve) => server.close(resolve));
  });

  test('POSTs the body and headers, and gives the status, Retry-After and the body', async () => {
    received.length = 0;
    answer = (res) => {
      res.writeHead(503, { 'retry-after': '7', 'content-type': 'text/plain' });
      res.end('busy, é');
    };
    const got = await postOnce(agent, `${base}/hooks/in?source=openfc`, headers, payload, 5000, 1024);
    assert.deepEqual(got, { status: 503, retryAfter: '7', excerpt: 'busy, é' });
    assert.equal(received.length, 1);
    assert.equal(received[0]?.path, '/hooks/in?source=openfc');
    assert.equal(received[0]?.body, payload);
    assert.equal(received[0]?.headers['stripe-signature'], 't=1,v1=00');
    assert.equal(received[0]?.headers['content-type'], 'application/json; charset=utf-8');
  });

  test('keeps only the excerpt of a long body and does not wait for its end', async () => {
    let pushing: NodeJS.Timeout | undefined;
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('a'.repeat(1500));
      // The body never ends: the answer must come from its first bytes.
      pushing = setInterval(() => res.write('b'), 5);
      res.on('close', () => clearInterval(pushing));
    };
    const got = await postOnce(agent, `${base}/long`, headers, payload, 5000, 1024);
    assert.deepEqual(got, { status: 200, retryAfter: undefined, excerpt: 'a'.repeat(1024) });
  });

  test('a receiver that never answers, or stops halfway through its body, times out', async () => {
    answer = () => {};
    await assert.rejects(postOnce(agent, `${base}/silent`, headers, payload, 200, 1024), AttemptTimeout);
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('half');
    };
    await assert.rejects(postOnce(agent, `${base}/half`, headers, payload, 200, 1024), {
      name: 'TimeoutError',
    });
  });

  test('the timeout covers connecting: a request still connecting is never sent', async () => {
    received.length = 0;
    answer = (res) => res.end('late');
    let connected: () => void = () => {};
    const late = new Promise<void>((resolve) => {
      connected = resolve;
    });
    const slow = new Agent({
      connect: (options, callback) => {
        setTimeout(() => {
          const socket = net.connect(Number(options.port), options.hostname);
          socket.once('connect', () => {
            callback(null, socket);
            connected();
          });
          socket.once('error', (error) => callback(error, null));
        }, 400);
      },
    });
    try {
      await assert.rejects(postOnce(slow, `${base}/slow`, headers, payload, 100, 1024), AttemptTimeout);
      await late;
      // Given time to send, had it not been aborted.
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.deepEqual(received, []);
    } finally {
      await slow.destroy();
    }
  });

  test('a refused connection fails with its code', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(postOnce(agent, `http://127.0.0.1:${port}/`, headers, payload, 5000, 1024), {
      code: 'ECONNREFUSED',
    });
  });
});
