/** Autocannon loads of routes, with latency percentiles from every response's own timing. */
import autocannon from 'autocannon';
import { percentile } from './format.ts';
import { type LoadTarget, loadOptions } from './load-options.ts';

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  total: number;
  non2xx: number;
  errors: number;
}

export interface SpreadLoadResult extends LoadResult {
  /** Each target's own req/s, in the order given; `requestsPerSecond` is their sum. */
  each: number[];
}

/** Every response's time in ms, in a growing buffer. */
class Samples {
  values = new Float64Array(1 << 16);
  count = 0;
  add(ms: number): void {
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count++] = ms;
  }
}

function run(
  target: LoadTarget,
  seconds: number,
  connections: number,
  keyPrefix: string,
  samples: Samples,
): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(loadOptions(target, seconds, connections, keyPrefix), (error, result) =>
      error ? reject(error) : resolve(result),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => samples.add(responseTime));
  });
}

/**
 * Loads every target at once for `seconds`, `connections` connections each, one autocannon
 * instance per target in this process. Latencies are taken from each response's own timing (sub-ms
 * precision) rather than autocannon's whole-millisecond histogram, over all targets together.
 */
export async function loadRoutes(
  targets: LoadTarget[],
  seconds: number,
  connections: number,
  keyPrefix: string,
): Promise<SpreadLoadResult> {
  const samples = new Samples();
  const results = await Promise.all(targets.map((t) => run(t, seconds, connections, keyPrefix, samples)));
  const sorted = samples.values.subarray(0, samples.count).sort();
  const sum = (f: (r: autocannon.Result) => number) => results.reduce((s, r) => s + f(r), 0);
  return {
    requestsPerSecond: sum((r) => r.requests.average),
    each: results.map((r) => r.requests.average),
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    total: sum((r) => r.requests.total),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
  };
}

/** Loads `target` for `seconds` over `connections` connections. */
export async function loadRoute(
  target: LoadTarget,
  seconds: number,
  connections: number,
  keyPrefix: string,
): Promise<LoadResult> {
  const { each: _each, ...result } = await loadRoutes([target], seconds, connections, keyPrefix);
  return result;
}
