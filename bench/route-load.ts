/** One autocannon load of one route, with latency percentiles from every response's own timing. */
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

/**
 * Loads `target` for `seconds` over `connections` connections. Latencies are taken from each
 * response's own timing (sub-ms precision) rather than autocannon's whole-millisecond histogram.
 */
export function loadRoute(
  target: LoadTarget,
  seconds: number,
  connections: number,
  keyPrefix: string,
): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    let samples = new Float64Array(1 << 16);
    let count = 0;
    const instance = autocannon(loadOptions(target, seconds, connections, keyPrefix), (error, result) => {
      if (error) return reject(error);
      const sorted = samples.subarray(0, count).sort();
      resolve({
        requestsPerSecond: result.requests.average,
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        total: result.requests.total,
        non2xx: result.non2xx,
        errors: result.errors,
      });
    });
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      if (count === samples.length) {
        const grown = new Float64Array(samples.length * 2);
        grown.set(samples);
        samples = grown;
      }
      samples[count++] = responseTime;
    });
  });
}
