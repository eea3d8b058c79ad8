import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DashboardSession } from '../../domain/dashboard/sessions.ts';
import { ApiError } from '../../domain/errors.ts';
import { sameSecret } from '../../domain/ids.ts';
import type { Merchant } from '../../domain/merchants/service.ts';
import type { Services } from '../../services.ts';

/** The dashboard's session cookie: only the dashboard's own requests carry it. */
export const sessionCookie = 'openfc_dashboard';
export const dashboardPath = '/dashboard';
/** The header the dashboard's page sends its session's CSRF token in. */
export const csrfHeader = 'x-openfc-csrf';

export interface SignedIn {
  merchant: Merchant;
  session: DashboardSession;
  token: string;
}

function unauthorized(message: string): ApiError {
  return new ApiError({ status: 401, type: 'invalid_request_error', message });
}

function forbidden(message: string): ApiError {
  return new ApiError({ status: 403, type: 'invalid_request_error', message });
}

/** The session token a request's cookie carries. */
export function cookieToken(request: FastifyRequest): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === sessionCookie)
      return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/** Sets (or, without a token, clears) the session cookie: script cannot read it, other sites cannot send it. */
export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  token: string | undefined,
  maxAgeSeconds = 0,
): void {
  const attributes = [
    `${sessionCookie}=${token ?? ''}`,
    `Path=${dashboardPath}`,
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${token ? maxAgeSeconds : 0}`,
  ];
  if (request.protocol === 'https') attributes.push('Secure');
  reply.header('set-cookie', attributes.join('; '));
}

/**
 * A change must come from the dashboard's own page: the browser's Origin names this server, and a
 * browser that says where the request started says it started here.
 */
export function requireSameOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  let host: string | undefined;
  try {
    host = origin ? new URL(origin).host : undefined;
  } catch {
    host = undefined;
  }
  const site = request.headers['sec-fetch-site'];
  if (!host || host !== request.headers.host || (site !== undefined && site !== 'same-origin')) {
    throw forbidden('The dashboard accepts changes from its own pages only.');
  }
}

/** The merchant signed in with the request's cookie. */
export async function signedIn(services: Services, request: FastifyRequest): Promise<SignedIn> {
  const token = cookieToken(request);
  const session = token ? await services.dashboardSessions.find(token) : undefined;
  const merchant = session && (await services.merchants.find(session.merchantId));
  if (!token || !session || !merchant) throw unauthorized('Sign in to the dashboard with a secret key.');
  return { merchant, session, token };
}

/**
 * A change: signed in, with the session's CSRF token (that it comes from the dashboard's own
 * origin is checked for every change before its body is read).
 */
export async function signedInForChange(services: Services, request: FastifyRequest): Promise<SignedIn> {
  const who = await signedIn(services, request);
  const sent = request.headers[csrfHeader];
  if (typeof sent !== 'string' || !sameSecret(sent, who.session.csrfToken)) {
    throw forbidden('The request did not carry the dashboard session’s CSRF token.');
  }
  return who;
}
