/**
 * `BENCH_ONLY=floor`: what the stack itself allows `GET /v1/financial_connections/accounts/{id}`.
 * In alternating rounds on SQLite, the bare node:http server, the least such a route can do on
 * Fastify and better-sqlite3 (`floor-server.ts`) without and with a request-log row per request,
 * and openfc without and with its request logs (the dashboard off and on), each after its own
 * warm-up, each as a ratio to the bare server's rate of the same round.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Child, startChild, stopChild } from './children.ts';
import { median, table } from './format.ts';
import type { LoadTarget } from './load-options.ts';
import { type LoadResult, loadRoute } from './route-load.ts';
import { positiveInteger } from './settings.ts';

const connections = 32;
const warmupSeconds = 2;

interface Server {
  name: string;
  target: LoadTarget;
}

export interface FloorResults {
  accountBytes: number;
  names: string[];
  /** Per round, each server's result in the order of `names`; the first is the bare server. */
  rounds: LoadResult[][];
}

/** What a server under the floor's load prints once ready. */
interface AccountServer {
  url: string;
  secretKey: string;
  account: string;
}

/** The account read of a server, with its key. */
const accountRead = (name: string, ready: AccountServer): Server => ({
  name,
  target: {
    url: `${ready.url}/v1/financial_connections/accounts/${ready.account}`,
    method: 'GET',
    headers: { authorization: `Bearer ${ready.secretKey}` },
  },
});

interface OpenfcReady extends AccountServer {
  accountBodyBytes: number;
}

export async function measureFloor(seconds: number): Promise<FloorResults> {
  // Rounds of every server in turn.
  const rounds = positiveInteger('BENCH_FLOOR_ROUNDS', 3);
  const dirs: string[] = [];
  const children: Child<unknown>[] = [];
  const dataDir = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'openfc-floor-'));
    dirs.push(dir);
    return dir;
  };
  const start = async <T>(file: string, args: string[], env: Record<string, string> = {}) => {
    const child = await startChild<T>(file, args, { env });
    children.push(child);
    return child.ready;
  };
  try {
    const openfc = async (dashboard: 'off' | 'on'): Promise<{ server: Server; accountBytes: number }> => {
      const ready = await start<OpenfcReady>('openfc-server.ts', [dataDir()], {
        OPENFC_DASHBOARD: dashboard,
      });
      return {
        server: accountRead(`openfc, request logs ${dashboard}`, ready),
        accountBytes: ready.accountBodyBytes,
      };
    };
    const { server: withoutLogs, accountBytes } = await openfc('off');
    const { server: withLogs } = await openfc('on');
    const floor = async (mode: 'read' | 'logged'): Promise<Server> => {
      const ready = await start<AccountServer>('floor-server.ts', [
        dataDir(),
        String(accountBytes),
        ...(mode === 'logged' ? ['logged'] : []),
      ]);
      return accountRead(
        mode === 'logged' ? 'Fastify + SQLite read + log row' : 'Fastify + SQLite read',
        ready,
      );
    };
    const bare = await start<{ url: string }>('bare-server.ts', [String(accountBytes)]);
    const servers: Server[] = [
      { name: 'bare node:http GET', target: { url: bare.url, method: 'GET', headers: {} } },
      await floor('read'),
      await floor('logged'),
      withoutLogs,
      withLogs,
    ];
    const results: LoadResult[][] = [];
    for (let round = 1; round <= rounds; round++) {
      const row: LoadResult[] = [];
      for (const server of servers) {
        process.stderr.write(`floor, round ${round}/${rounds}, ${server.name}… `);
        await loadRoute(server.target, warmupSeconds, connections, 'floor');
        const result = await loadRoute(server.target, seconds, connections, 'floor');
        if (result.non2xx > 0 || result.errors > 0)
          throw new Error(`${server.name}: ${result.non2xx} non-2xx answers, ${result.errors} errors.`);
        process.stderr.write(`${Math.round(result.requestsPerSecond)} req/s\n`);
        row.push(result);
      }
      results.push(row);
    }
    return { accountBytes, names: servers.map((s) => s.name), rounds: results };
  } finally {
    await Promise.all(children.map((c) => stopChild(c.process)));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

export function reportFloor(results: FloorResults, seconds: number): void {
  const { rounds, names } = results;
  console.log(
    `\nWhat the stack allows GET …/accounts/{id} (SQLite): ${rounds.length} alternating rounds, ${seconds} s each after ${warmupSeconds} s of warm-up, ${connections} connections; body ${results.accountBytes} bytes`,
  );
  const rows = [
    ['server', ...rounds.map((_, i) => `round ${i + 1}: req/s, ratio`), 'median ratio', 'median p99 ms'],
  ];
  names.forEach((name, s) => {
    const ratios = rounds.map((r) => (r[s]?.requestsPerSecond ?? 0) / (r[0]?.requestsPerSecond ?? 1));
    rows.push([
      name,
      ...rounds.map((r, i) => `${Math.round(r[s]?.requestsPerSecond ?? 0)}, ${(ratios[i] ?? 0).toFixed(2)}`),
      median(ratios).toFixed(2),
      median(rounds.map((r) => r[s]?.p99 ?? 0)).toFixed(2),
    ]);
  });
  console.log(table(rows));
}
