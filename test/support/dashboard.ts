import assert from 'node:assert/strict';
import type { Harness, RawResponse } from './harness.ts';
import { assertStripeError } from './stripe-schemas.ts';

/** A browser-like client of the dashboard's API: its cookie, its CSRF token and its origin. */
export interface DashboardClient {
  cookie: string;
  csrf: string;
  merchantId: string;
  get(path: string): Promise<RawResponse>;
  post(path: string, body?: Record<string, unknown>, headers?: Record<string, string>): Promise<RawResponse>;
}

export const sessionCookie = 'openfc_dashboard';

/** `POST /dashboard/api/session` as the dashboard's page sends it. */
export function signInRequest(h: Harness, key: string, headers: Record<string, string> = {}) {
  return h.fetch('/dashboard/api/session', {
    key: null,
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: h.url, ...headers },
    body: JSON.stringify({ key }),
  });
}

/** The session cookie's value in a `Set-Cookie` answer. */
export function cookieOf(response: RawResponse): string | undefined {
  const header = response.headers.get('set-cookie') ?? '';
  return new RegExp(`^${sessionCookie}=([^;]*)`).exec(header)?.[1] || undefined;
}

/** Signs in with a secret key and returns a client that calls the API as the page would. */
export async function signIn(h: Harness, key = h.secretKey): Promise<DashboardClient> {
  const response = await signInRequest(h, key);
  const cookie = cookieOf(response);
  if (response.status !== 200 || !cookie)
    throw new Error(`sign-in failed: ${response.status} ${response.text}`);
  const csrf = response.body.csrf_token as string;
  const client: DashboardClient = {
    cookie,
    csrf,
    merchantId: (response.body.merchant as { id: string }).id,
    get: (path) =>
      h.fetch(`/dashboard/api${path}`, { key: null, headers: { cookie: `${sessionCookie}=${cookie}` } }),
    post: (path, body = {}, headers = {}) =>
      h.fetch(`/dashboard/api${path}`, {
        key: null,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          cookie: `${sessionCookie}=${cookie}`,
          origin: h.url,
          'x-openfc-csrf': csrf,
          ...headers,
        },
        body: JSON.stringify(body),
      }),
  };
  return client;
}

/**
 * A list route read through the client: `listed` expects 200 and gives the body, `refused` expects
 * a Stripe-shaped 400 naming `param`.
 */
export function listReads(client: DashboardClient) {
  return {
    async listed(path: string) {
      const response = await client.get(path);
      assert.equal(response.status, 200, `${path}: ${response.text}`);
      return response.body;
    },
    async refused(path: string, param: string) {
      const response = await client.get(path);
      assert.equal(response.status, 400, `${path}: ${response.text}`);
      assertStripeError(response.body);
      assert.equal((response.body.error as { param?: string }).param, param, response.text);
    },
  };
}
