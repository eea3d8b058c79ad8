/**
 * What `bench/cpu.ts` and `bench/compare.ts` share: the hot routes, one load of a route, and a
 * process's CPU time from /proc (Linux only).
 */
import { readdirSync, readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { type LoadTarget, loadOptions } from './load-options.ts';

/** What `bench/openfc-server.ts` prints once ready (the part the routes need). */
export interface OpenfcFixtures {
  url: string;
  secretKey: string;
  customer: string;
  account: string;
  accountBodyBytes: number;
  transactionsAccount: string;
}

const ticksPerSecond = 100; // USER_HZ on Linux

/** User + system CPU time of a process, in µs. */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / ticksPerSecond;
}

/**
 * User + system CPU time of every PostgreSQL server process on this machine (the postmaster, each
 * connection's backend and the background workers), in µs: on a machine that runs nothing else on
 * PostgreSQL, the server's work for the load of the moment.
 */
export function postgresCpuMicros(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      total += cpuMicros(Number(entry));
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return total;
}

export interface Route extends LoadTarget {
  name: string;
}

export function loadRoute(route: Route, duration: number): Promise<number> {
  const opts = loadOptions(route, duration, 32, 'cpu');
  return new Promise((resolve, reject) => {
    autocannon(opts, (error, result) => {
      if (error) return reject(error);
      if (result.non2xx > 0 || result.errors > 0)
        return reject(new Error(`${route.name}: ${result.non2xx} non-2xx, ${result.errors} errors`));
      resolve(result.requests.total);
    });
  });
}

/** The bare server's GET, then openfc's hot routes, as `npm run bench` loads them. */
export function hotRoutes(fc: OpenfcFixtures, bareUrl: string): Route[] {
  const auth = { authorization: `Bearer ${fc.secretKey}`, 'stripe-version': '2026-03-04.preview' };
  const post = {
    method: 'POST' as const,
    url: `${fc.url}/v1/financial_connections/sessions`,
    headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: `account_holder[type]=customer&account_holder[customer]=${fc.customer}&permissions[0]=balances&permissions[1]=payment_method`,
  };
  const get = (name: string, p: string): Route => ({
    name,
    url: `${fc.url}${p}`,
    method: 'GET',
    headers: auth,
  });
  return [
    { name: 'bare node:http GET', url: bareUrl, method: 'GET', headers: {} },
    get('GET accounts/:id', `/v1/financial_connections/accounts/${fc.account}`),
    get('GET accounts?limit=10', '/v1/financial_connections/accounts?limit=10'),
    { name: 'POST sessions', ...post },
    { name: 'POST sessions (Idempotency-Key)', ...post, idempotencyKeys: true },
    get(
      'GET transactions?limit=100',
      `/v1/financial_connections/transactions?account=${fc.transactionsAccount}&limit=100`,
    ),
  ];
}
