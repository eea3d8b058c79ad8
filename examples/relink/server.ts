/**
 * An example merchant app for the relink guide, against openfc: a page that links bank accounts with
 * `openfc.js`, a webhook handler that asks for a relink when an account is deactivated, relink
 * sessions for one account or for any account at the institution, and a hosted relink link.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { examplePage } from './page.ts';

export interface ExampleOptions {
  /** Where openfc answers, e.g. http://127.0.0.1:4242. */
  apiBase: string;
  secretKey: string;
  publishableKey: string;
  port?: number;
  host?: string;
}

export interface RunningExample {
  url: string;
  customer: string;
  close(): Promise<void>;
}

const pageScript = readFileSync(new URL('./app.js', import.meta.url), 'utf8');

// Relink and hosted relink are in Stripe's preview versions.
const apiVersion = '2026-07-29.preview';
const preview = { apiVersion } satisfies Stripe.RequestOptions;

interface Inactive {
  cause: string;
  action: 'none' | 'relink_required';
}

type PreviewAccount = Stripe.FinancialConnections.Account & {
  authorization: string;
  status_details?: { inactive?: Inactive };
};

function sdkFor(apiBase: string, secretKey: string): Stripe {
  const api = new URL(apiBase);
  const protocol = api.protocol === 'https:' ? 'https' : 'http';
  return new Stripe(secretKey, {
    host: api.hostname,
    port: Number(api.port) || (protocol === 'https' ? 443 : 80),
    protocol,
  });
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  response.end(body);
}

function json(response: ServerResponse, status: number, body: unknown): void {
  send(response, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

export async function startExample(options: ExampleOptions): Promise<RunningExample> {
  const stripe = sdkFor(options.apiBase, options.secretKey);
  const customer = await stripe.customers.create({ email: 'ada@example.com', name: 'Ada Lovelace' });
  const holder = { type: 'customer' as const, customer: customer.id };
  // What the webhook handler learnt: accounts to ask the customer to relink, by id.
  const relinkPrompts = new Map<string, Inactive>();
  let webhookSecret = '';

  async function retrieve(id: string): Promise<PreviewAccount> {
    const account = await stripe.financialConnections.accounts.retrieve(id, {}, preview);
    return account as unknown as PreviewAccount;
  }

  async function accounts() {
    const list = await stripe.financialConnections.accounts.list({ account_holder: holder }, preview);
    return list.data.map((a) => {
      const account = a as unknown as PreviewAccount;
      return {
        id: account.id,
        authorization: account.authorization,
        institution: account.institution_name,
        name: account.display_name,
        last4: account.last4,
        status: account.status,
        inactive: account.status_details?.inactive ?? null,
        relink_prompt: relinkPrompts.get(account.id) ?? null,
      };
    });
  }

  /** A session for the page: a new link, or a relink of one account or of its authorization. */
  async function session(body: { account?: string; scope?: string }) {
    const params: Record<string, unknown> = {
      account_holder: holder,
      permissions: ['balances', 'payment_method'],
    };
    if (body.account) {
      const account = await retrieve(body.account);
      params.relink_options =
        body.scope === 'authorization'
          ? { authorization: account.authorization }
          : { authorization: account.authorization, account: account.id };
      if (body.scope === 'authorization') params.limits = { accounts: 1 };
    }
    const created = await stripe.rawRequest('POST', '/v1/financial_connections/sessions', params, preview);
    return { clientSecret: (created as unknown as { client_secret: string }).client_secret };
  }

  async function hostedRelink(accountId: string, returnUrl: string) {
    const account = await retrieve(accountId);
    const created = await stripe.rawRequest(
      'POST',
      '/v1/financial_connections/sessions',
      {
        account_holder: holder,
        permissions: ['balances', 'payment_method'],
        relink_options: { authorization: account.authorization, account: account.id },
        ui_mode: 'hosted',
        hosted: { delivery_method: 'url', return_url: returnUrl },
      },
      preview,
    );
    return { url: (created as unknown as { url: string }).url };
  }

  async function webhook(request: IncomingMessage, response: ServerResponse) {
    const payload = await readBody(request);
    let event: Stripe.Event;
    try {
      event = stripe.webhooks.constructEvent(
        payload,
        String(request.headers['stripe-signature']),
        webhookSecret,
      );
    } catch {
      return json(response, 400, { error: 'bad signature' });
    }
    const account = event.data.object as unknown as PreviewAccount;
    if (event.type === 'financial_connections.account.deactivated') {
      const inactive = account.status_details?.inactive;
      if (inactive?.action === 'relink_required') relinkPrompts.set(account.id, inactive);
    }
    if (event.type === 'financial_connections.account.reactivated') relinkPrompts.delete(account.id);
    return json(response, 200, { received: true });
  }

  async function handle(request: IncomingMessage, response: ServerResponse, origin: string) {
    const url = new URL(request.url ?? '/', origin);
    if (request.method === 'GET' && url.pathname === '/') {
      return send(
        response,
        200,
        'text/html; charset=utf-8',
        examplePage({ apiBase: options.apiBase, publishableKey: options.publishableKey }),
      );
    }
    if (request.method === 'GET' && url.pathname === '/app.js') {
      return send(response, 200, 'text/javascript; charset=utf-8', pageScript);
    }
    if (request.method === 'POST' && url.pathname === '/webhook') return webhook(request, response);
    if (request.method === 'GET' && url.pathname === '/api/accounts')
      return json(response, 200, await accounts());
    if (request.method !== 'POST') return json(response, 404, { error: 'not found' });
    const body = JSON.parse((await readBody(request)) || '{}') as Record<string, string>;
    switch (url.pathname) {
      case '/api/sessions':
        return json(response, 200, await session(body));
      case '/api/hosted-relink':
        return json(response, 200, await hostedRelink(body.account ?? '', `${origin}/?relinked=1`));
      case '/api/make-inactive': {
        // Sandbox only: the bank ends the consent, as it would when it expires.
        const account = await retrieve(body.account ?? '');
        await stripe.rawRequest(
          'POST',
          `/v1/test_helpers/financial_connections/authorizations/${account.authorization}/simulate`,
          { event: 'consent_expired' },
          preview,
        );
        return json(response, 200, { ok: true });
      }
      default:
        return json(response, 404, { error: 'not found' });
    }
  }

  const server = createServer((request, response) => {
    const origin = `http://${request.headers.host ?? 'localhost'}`;
    handle(request, response, origin).catch((error: unknown) => {
      const message = error instanceof Stripe.errors.StripeError ? error.message : 'Something went wrong.';
      json(response, 500, { error: message });
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(options.port ?? 4343, host, resolve));
  const url = `http://${host}:${(server.address() as AddressInfo).port}`;
  const endpoint = await stripe.webhookEndpoints.create({
    url: `${url}/webhook`,
    enabled_events: [
      'financial_connections.account.deactivated',
      'financial_connections.account.reactivated',
    ],
    api_version: apiVersion as Stripe.WebhookEndpointCreateParams.ApiVersion,
  });
  webhookSecret = endpoint.secret ?? '';
  return {
    url,
    customer: customer.id,
    async close() {
      await stripe.webhookEndpoints.del(endpoint.id).catch(() => undefined);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
