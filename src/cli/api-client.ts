import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import qs from 'qs';
import { ConfigError } from '../config.ts';

/** The API server and key a CLI command talks to. */
export interface ApiTarget {
  base: string;
  key: string;
}

export const defaultApiBase = 'http://127.0.0.1:4242';

/** An API error answer, with Stripe's error message. */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The key from `--api-key`, OPENFC_SECRET_KEY or STRIPE_API_KEY; else the test key the embedded
 * sandbox keeps in its data folder (`--data-dir`, OPENFC_DATA_DIR, ./data).
 */
export function resolveTarget(flags: {
  apiKey?: string | undefined;
  apiBase?: string | undefined;
  dataDir?: string | undefined;
}): ApiTarget {
  const env = process.env;
  const base = (flags.apiBase ?? env.OPENFC_API_BASE ?? defaultApiBase).replace(/\/+$/, '');
  let parsed: URL;
  try {
    parsed = new URL(base);
  } catch {
    throw new ConfigError(`Invalid --api-base: '${base}' is not a URL.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError('Invalid --api-base: use an http:// or https:// URL.');
  }
  let key = flags.apiKey ?? env.OPENFC_SECRET_KEY ?? env.STRIPE_API_KEY;
  if (!key) {
    const file = path.join(flags.dataDir ?? env.OPENFC_DATA_DIR ?? './data', 'test-keys.json');
    if (existsSync(file)) key = (JSON.parse(readFileSync(file, 'utf8')) as { secretKey?: string }).secretKey;
  }
  if (!key) {
    throw new ConfigError(
      'No API key: pass --api-key sk_test_…, set OPENFC_SECRET_KEY or STRIPE_API_KEY, or run in the folder whose data/ holds the sandbox keys.',
    );
  }
  if (!/^sk_test_[A-Za-z0-9]+$/.test(key)) {
    throw new ConfigError('Invalid API key: openfc commands take a secret test key (sk_test_…).');
  }
  return { base, key };
}

export type Params = Record<string, unknown>;

/** A small client for openfc's API as a merchant calls it (form bodies, Bearer key). */
export class ApiClient {
  constructor(
    readonly target: ApiTarget,
    private readonly version?: string,
    /** The connected account requests act as (`Stripe-Account`). */
    private readonly account?: string,
  ) {}

  /** The same client, acting as one of the platform's connected accounts. */
  actingAs(account: string): ApiClient {
    return new ApiClient(this.target, this.version, account);
  }

  get(pathname: string, params: Params = {}): Promise<Record<string, unknown>> {
    const query = qs.stringify(params, { arrayFormat: 'brackets' });
    return this.call('GET', query ? `${pathname}?${query}` : pathname);
  }

  post(pathname: string, params: Params = {}): Promise<Record<string, unknown>> {
    return this.call('POST', pathname, qs.stringify(params, { arrayFormat: 'brackets' }));
  }

  delete(pathname: string): Promise<Record<string, unknown>> {
    return this.call('DELETE', pathname);
  }

  private async call(method: string, pathname: string, body?: string) {
    const headers: Record<string, string> = { authorization: `Bearer ${this.target.key}` };
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    if (this.version) headers['stripe-version'] = this.version;
    if (this.account) headers['stripe-account'] = this.account;
    let response: Response;
    try {
      response = await fetch(`${this.target.base}${pathname}`, {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw new ApiRequestError(
        0,
        `Could not reach openfc at ${this.target.base}: ${(error as Error).message}`,
      );
    }
    const text = await response.text();
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new ApiRequestError(
        response.status,
        `${method} ${pathname}: ${response.status} ${text.slice(0, 200)}`,
      );
    }
    if (!response.ok) {
      const error = json.error as { message?: string } | undefined;
      throw new ApiRequestError(
        response.status,
        `${method} ${pathname.split('?')[0]}: ${error?.message ?? response.status}`,
      );
    }
    return json;
  }
}
