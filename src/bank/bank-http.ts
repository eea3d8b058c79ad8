/**
 * One call to a bank over HTTP, bounded in time and size, turned into a `BankResult`. Whatever the
 * bank does wrong (no answer, a refused connection, a timeout, 5xx, an unreadable body) becomes
 * `institution_unavailable`; the bank's own refusals become their failure kinds. Tokens travel in
 * the Authorization header or the body, never in the URL, and nothing here logs.
 */
import type Undici from 'undici';
import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import { undici } from '../undici.ts';
import { type BankFailure, type BankResult, ConnectorError, fail, ok } from './connector.ts';
import { bankErrorBody } from './wire.ts';

const maxBodyBytes = 1024 * 1024;

export interface BankCall {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string | undefined>;
  accessToken?: string;
  /** Authenticates as openfc's registered client (HTTP Basic) instead of with an access token. */
  asClient?: boolean;
  json?: unknown;
  form?: Record<string, string | undefined>;
}

export interface BankHttpOptions {
  baseUrl: string;
  /** openfc's client credentials at the bank, as an Authorization header value. */
  clientAuthorization?: string;
  timeoutMs: number;
  /** The connection pool to use, made (once undici is loaded) when a call needs it. */
  dispatcher?: (loaded: typeof Undici) => Dispatcher;
}

const unavailable = (message: string, expectedAvailableAt?: number): BankFailure => ({
  kind: 'institution_unavailable',
  message,
  ...(expectedAvailableAt !== undefined && { expectedAvailableAt }),
});

/** The bank's refusals that openfc acts on, by the bank's error name. */
const failureKinds: Record<string, BankFailure['kind']> = {
  consent_expired: 'consent_expired',
  access_revoked: 'access_revoked',
  reauthentication_required: 'reauthentication_required',
  holder_disconnected: 'holder_disconnected',
  account_closed: 'account_closed',
  account_unavailable: 'account_unavailable',
  invalid_credentials: 'invalid_credentials',
  login_failed: 'login_failed',
  invalid_grant: 'invalid_grant',
  invalid_token: 'invalid_grant',
  access_token_expired: 'access_token_expired',
};

function defined(fields: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
}

function encode(
  call: BankCall,
  clientAuthorization: string | undefined,
): { headers: Record<string, string>; body?: string } {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (call.accessToken !== undefined) headers.authorization = `Bearer ${call.accessToken}`;
  else if (call.asClient && clientAuthorization !== undefined) headers.authorization = clientAuthorization;
  if (call.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    return { headers, body: new URLSearchParams(defined(call.form)).toString() };
  }
  if (call.json !== undefined) {
    headers['content-type'] = 'application/json';
    return { headers, body: JSON.stringify(call.json) };
  }
  return { headers };
}

async function readBody(body: Dispatcher.ResponseData['body']): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(raw: string | undefined): unknown {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function refusal(status: number, payload: unknown): BankResult<never> {
  const parsed = bankErrorBody.safeParse(payload);
  if (status >= 500) {
    const at = status === 503 && parsed.success ? parsed.data.expected_available_at : undefined;
    return fail(unavailable(`The bank answered ${status}.`, at));
  }
  if (!parsed.success) return fail(unavailable(`The bank answered ${status} without a readable error.`));
  const { error, message } = parsed.data;
  if (error === 'invalid_client') {
    return fail(
      unavailable(
        "The bank refused openfc's client credentials: check the bank client id and secret settings.",
      ),
    );
  }
  const kind = failureKinds[error];
  if (kind !== undefined) return fail({ kind, ...(message !== undefined && { message }) } as BankFailure);
  if (error === 'invalid_request' || error === 'not_supported') {
    throw new ConnectorError(`The bank refused openfc's request: ${message ?? error}`, {
      status,
      bankError: error,
    });
  }
  return fail(unavailable(`The bank answered ${status} ${error}.`));
}

export function bankHttp(options: BankHttpOptions) {
  const base = options.baseUrl.replace(/\/+$/, '');

  return async function call<S extends z.ZodType>(
    spec: BankCall,
    schema: S,
  ): Promise<BankResult<z.infer<S>>> {
    const url = new URL(`${base}${spec.path}`);
    for (const [name, value] of Object.entries(defined(spec.query ?? {}))) url.searchParams.set(name, value);
    const { headers, body } = encode(spec, options.clientAuthorization);
    let status: number;
    let raw: string | undefined;
    try {
      const loaded = await undici();
      const response = await loaded.request(url, {
        method: spec.method,
        headers,
        body,
        signal: AbortSignal.timeout(options.timeoutMs),
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
        ...(options.dispatcher && { dispatcher: options.dispatcher(loaded) }),
      });
      status = response.statusCode;
      raw = await readBody(response.body);
    } catch (error) {
      const reason = error instanceof Error ? error.name : 'unknown error';
      return fail(unavailable(`The bank did not answer in time or refused the connection (${reason}).`));
    }
    const payload = parseJson(raw);
    if (status < 200 || status >= 300) return refusal(status, payload);
    const parsed = schema.safeParse(payload);
    if (!parsed.success) return fail(unavailable('The bank answered with a body openfc cannot read.'));
    return ok(parsed.data);
  };
}
