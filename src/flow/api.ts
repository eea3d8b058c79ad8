import type { FlowError, FlowView, Institution } from './types.ts';

/** Raised for any answer that is not a 2xx; carries the Stripe-shaped error. */
export class ApiError extends Error {
  constructor(readonly error: FlowError) {
    super(error.message);
  }
}

const timeoutMs = 30_000;

/**
 * The flow API, called same-origin. The client secret lives only in this object (memory), never in
 * storage or the address bar, and travels in request bodies only: every call is a POST.
 */
export class FlowApi {
  constructor(
    private readonly publishableKey: string,
    private readonly clientSecret: string,
  ) {}

  session(): Promise<FlowView> {
    return this.post('session');
  }

  institutions(query: string): Promise<{ featured: Institution[]; results: Institution[] }> {
    // Like Stripe's API, the flow API refuses empty strings: no query means the featured list only.
    return this.post('institutions', query ? { query } : {});
  }

  /** POST /flow/v1/<action>; list values are sent as Stripe's `name[]` pairs. */
  post<T = FlowView>(action: string, fields: Record<string, string | string[]> = {}): Promise<T> {
    return this.form(`/flow/v1/${action}`, fields);
  }

  /** Confirms a SetupIntent as Stripe.js does, with the publishable key and the client secret. */
  confirmSetupIntent<T>(intent: string, fields: Record<string, string>): Promise<T> {
    return this.form(`/v1/setup_intents/${encodeURIComponent(intent)}/confirm`, fields);
  }

  private form<T>(url: string, fields: Record<string, string | string[]>): Promise<T> {
    const body = new URLSearchParams({ client_secret: this.clientSecret });
    for (const [name, value] of Object.entries(fields)) {
      if (Array.isArray(value)) for (const item of value) body.append(`${name}[]`, item);
      else body.append(name, value);
    }
    return this.send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
  }

  private async send<T>(url: string, init: RequestInit): Promise<T> {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${this.publishableKey}`);
    return request<T>(url, { ...init, headers });
  }
}

/** A same-origin JSON request whose failures all become ApiError (network ones included). */
export async function request<T>(url: string, init: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch {
    throw new ApiError({
      type: 'api_connection_error',
      message: 'We could not reach the server. Check your connection and try again.',
    });
  }
  const body = (await response.json().catch(() => null)) as { error?: FlowError } | null;
  if (response.ok && body) return body as T;
  throw new ApiError(
    body?.error?.message
      ? { type: body.error.type, code: body.error.code, param: body.error.param, message: body.error.message }
      : { type: 'api_error', message: 'Something went wrong on our side. Please try again.' },
  );
}

/** Hosted mode: exchanges the link's token for the session's keys. */
export function openHosted(token: string): Promise<{ publishable_key: string; client_secret: string }> {
  return request('/flow/v1/hosted/open', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }),
  });
}

export function resendHosted(token: string): Promise<{ sent: boolean }> {
  return request('/flow/v1/hosted/resend', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }),
  });
}
