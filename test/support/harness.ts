import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { type RunningOpenfc, startOpenfc } from '../../src/app.ts';
import { type ConfigFlags, loadConfig } from '../../src/config.ts';
import type { Backend, ProvisionedDatabase } from './backends.ts';

export const previewVersion = '2026-03-04.preview';
export const gaVersion = '2026-10-28.endive';

/** A running openfc on a real listener and a real database, with clients for it. */
export interface Harness {
  running: RunningOpenfc;
  url: string;
  port: number;
  secretKey: string;
  publishableKey: string;
  /** The embedded sandbox bank's administrator token. */
  adminToken: string;
  /** The official SDK pointed at openfc. */
  stripe(options?: { apiVersion?: string; key?: string }): Stripe;
  /** A raw request with a secret key (or the given headers), for what the SDK cannot send. */
  fetch(path: string, init?: RequestInit & { key?: string | null; version?: string }): Promise<RawResponse>;
  /** Another merchant account on the same server, with its own keys. */
  otherMerchant(): Promise<{ secretKey: string; publishableKey: string }>;
  close(): Promise<void>;
}

export interface RawResponse {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  text: string;
  /** The URL the request went to. */
  url: string;
}

/**
 * The `request_log_url` an error answer carries: the dashboard's page for the request, at the
 * address it was sent to, for API requests (`/v1/…`); other answers carry none.
 */
export function requestLogUrl(res: RawResponse): string | undefined {
  const url = new URL(res.url);
  if (!url.pathname.startsWith('/v1/')) return undefined;
  return `${url.origin}/dashboard/logs/${res.headers.get('request-id')}`;
}

/**
 * Starts openfc for a suite. The scheduler is off unless `flags` turn it on, so that nothing
 * happens between a suite's calls that the suite did not ask for.
 */
export async function startHarness(backend: Backend, flags: ConfigFlags = {}): Promise<Harness> {
  const database: ProvisionedDatabase = await backend.provision();
  const h = await startHarnessOn(database, flags).catch(async (error: unknown) => {
    await database.drop();
    throw error;
  });
  return {
    ...h,
    async close() {
      try {
        await h.close();
      } finally {
        await database.drop();
      }
    },
  };
}

/**
 * openfc on a database the caller provisioned and drops: several of these on one database are
 * processes sharing it, one after another a restart. They share the data folder (its encryption key).
 */
export async function startHarnessOn(
  database: ProvisionedDatabase,
  flags: ConfigFlags = {},
): Promise<Harness> {
  const adminToken = `admin_${randomBytes(20).toString('hex')}`;
  const config = loadConfig(
    {
      port: '0',
      host: '127.0.0.1',
      dataDir: database.dataDir,
      databaseUrl: database.databaseUrl,
      logLevel: 'silent',
      schedulerInterval: '0',
      adminToken,
      ...flags,
    },
    {},
  );
  const running = await startOpenfc(config);
  const port = Number(new URL(running.url).port);
  const secretKey = running.keys.secretKey as string;
  const publishableKey = running.keys.publishableKey as string;
  return {
    running,
    url: running.url,
    port,
    secretKey,
    publishableKey,
    adminToken,
    stripe(options = {}) {
      return new Stripe(options.key ?? secretKey, {
        host: '127.0.0.1',
        port,
        protocol: 'http',
        apiVersion: (options.apiVersion ?? previewVersion) as Stripe.LatestApiVersion,
        maxNetworkRetries: 0,
      });
    },
    async fetch(path, init = {}) {
      const { key = secretKey, version, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (key !== null && !headers.has('authorization')) headers.set('authorization', `Bearer ${key}`);
      if (version) headers.set('stripe-version', version);
      const response = await fetch(`${running.url}${path}`, { ...rest, headers });
      const text = await response.text();
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        body = {};
      }
      return { status: response.status, headers: response.headers, body, text, url: response.url };
    },
    async otherMerchant() {
      const { keys } = await running.services.merchants.create('Other');
      return keys;
    },
    async close() {
      await running.close();
    },
  };
}

/** A form body as Stripe's clients send it. */
export function form(fields: Record<string, string>): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  };
}
