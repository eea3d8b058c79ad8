import type { Dispatcher } from 'undici';

/** What a receiver answered to one POST. */
export interface Answer {
  status: number;
  retryAfter: string | undefined;
  /** The start of the answer's body, at most `excerptBytes` of it, as UTF-8. */
  excerpt: string;
}

/** The attempt's whole time ran out: connecting, sending, waiting or reading. */
export class AttemptTimeout extends Error {
  override readonly name = 'TimeoutError';
  constructor() {
    super('The receiver did not answer in time.');
  }
}

/** Ends a read once the excerpt is complete; never reported. */
class ExcerptRead extends Error {}

/**
 * POSTs `body` to `url` through `dispatcher` and reads the start of the answer. Built on undici's
 * `dispatch` rather than `request`: no response stream and no abort signal per attempt, which cost
 * more than the rest of the POST. One timer bounds the whole attempt; a body longer than the excerpt
 * is not read further (its connection is closed).
 */
export function postOnce(
  dispatcher: Dispatcher,
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  excerptBytes: number,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let status = 0;
    let retryAfter: string | undefined;
    let controller: Dispatcher.DispatchController | undefined;
    let settled = false;
    const settle = (error: Error | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve({ status, retryAfter, excerpt: Buffer.concat(chunks).toString('utf8', 0, excerptBytes) });
    };
    const timer = setTimeout(() => {
      const timeout = new AttemptTimeout();
      settle(timeout);
      controller?.abort(timeout);
    }, timeoutMs);
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(started) {
        controller = started;
        // Timed out while still connecting.
        if (settled) started.abort(new AttemptTimeout());
      },
      onResponseStart(_, statusCode, responseHeaders) {
        status = statusCode;
        const header = responseHeaders['retry-after'];
        retryAfter = Array.isArray(header) ? header[0] : header;
      },
      onResponseData(reading, chunk) {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= excerptBytes) {
          settle(undefined);
          reading.abort(new ExcerptRead());
        }
      },
      onResponseEnd() {
        settle(undefined);
      },
      onResponseError(_, error) {
        settle(error);
      },
    };
    try {
      const { origin, pathname, search } = new URL(url);
      dispatcher.dispatch({ origin, path: pathname + search, method: 'POST', headers, body }, handler);
    } catch (error) {
      settle(error instanceof Error ? error : new Error(String(error)));
    }
  });
}
