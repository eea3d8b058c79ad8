/**
 * OAuth 2.0 authorization-code flow with PKCE (S256 only) for the OAuth institutions: the consent
 * page, the token endpoint (authorization_code and refresh_token grants) and revocation.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { assertAvailable, institutionOrThrow } from './availability.ts';
import { requiredTenant } from './clients.ts';
import { challengePattern } from './codes.ts';
import { consentPage, errorPage, pageHeaders } from './consent-page.ts';
import { BankError, invalidRequest } from './errors.ts';
import { bodyOf, queryOf, requiredText, text, texts } from './http.ts';
import type { BankContext } from './plugin.ts';

function httpUrl(value: string | undefined): string {
  try {
    const url = new URL(value ?? '');
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.toString();
  } catch {}
  throw invalidRequest('redirect_uri must be an absolute http(s) URL.');
}

function withParams(redirectUri: string, params: Record<string, string>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.toString();
}

/** Problems before the redirect URI is trusted are shown to the holder, never sent to that URI. */
async function showError(reply: FastifyReply, error: unknown): Promise<FastifyReply> {
  if (!(error instanceof BankError)) throw error;
  return reply.code(error.status).headers(pageHeaders).send(errorPage(error.message));
}

export function oauthRoutes(
  app: FastifyInstance,
  { clock, holders, consents, authorizations, clients }: BankContext,
): void {
  app.get('/oauth/authorize', async (request, reply) => {
    try {
      const query = queryOf(request);
      const institution = institutionOrThrow(query.get('institution'));
      if (institution.auth !== 'oauth') throw invalidRequest(`${institution.name} does not use OAuth.`);
      assertAvailable(institution, clock.now());
      if (query.get('response_type') !== 'code') throw invalidRequest('response_type must be code.');
      const clientId = query.get('client_id') ?? '';
      if (!(await clients.isRegistered(clientId)))
        throw invalidRequest('client_id must name a registered client.');
      const tenant = requiredTenant(query.get('tenant') ?? undefined);
      const redirectUri = httpUrl(query.get('redirect_uri') ?? undefined);
      const state = query.get('state');
      if (!state) throw invalidRequest('state is required.');
      const codeChallenge = query.get('code_challenge') ?? '';
      if (query.get('code_challenge_method') !== 'S256' || !challengePattern.test(codeChallenge)) {
        throw invalidRequest('PKCE is required: code_challenge with code_challenge_method=S256.');
      }
      const pending = await authorizations.openRequest({
        institution,
        clientId,
        tenant,
        redirectUri,
        state,
        codeChallenge,
        loginHint: query.get('login_hint') || undefined,
      });
      return reply.headers(pageHeaders).send(consentPage(institution, pending));
    } catch (error) {
      return showError(reply, error);
    }
  });

  app.post('/oauth/authorize', async (request, reply) => {
    try {
      const fields = bodyOf(request);
      const pending = await authorizations.request(requiredText(fields, 'request_id'));
      if (!pending) throw invalidRequest('This authorization request has expired; start again.');
      if (text(fields, 'decision') !== 'approve') {
        await authorizations.close(pending.id);
        return reply.redirect(
          withParams(pending.redirectUri, { error: 'access_denied', state: pending.state }),
          303,
        );
      }
      const keys = texts(fields, 'account') ?? [];
      if (keys.length === 0) throw invalidRequest('Choose at least one account to share.');
      if (!(await authorizations.close(pending.id)))
        throw invalidRequest('This authorization request was already answered.');
      const userId = await holders.user(pending.tenant, pending.institution, pending.loginHint);
      const code = await authorizations.issueCode({
        institution: pending.institution,
        clientId: pending.clientId,
        userId,
        accountIds: (await holders.accountsOf(userId, keys)).map((held) => held.id),
        redirectUri: pending.redirectUri,
        codeChallenge: pending.codeChallenge,
      });
      return reply.redirect(withParams(pending.redirectUri, { code, state: pending.state }), 303);
    } catch (error) {
      return showError(reply, error);
    }
  });

  app.post('/oauth/token', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const clientId = await clients.client(request);
    const fields = bodyOf(request);
    switch (text(fields, 'grant_type')) {
      case 'authorization_code':
        return authorizations.redeem(clientId, requiredText(fields, 'code'), {
          verifier: text(fields, 'code_verifier'),
          redirectUri: text(fields, 'redirect_uri'),
          institutionId: text(fields, 'institution'),
        });
      case 'refresh_token':
        return consents.refresh(clientId, requiredText(fields, 'refresh_token'));
      default:
        throw invalidRequest('grant_type must be authorization_code or refresh_token.');
    }
  });

  // RFC 7009: an unknown token is not an error, so revoking twice is harmless.
  app.post('/oauth/revoke', async (request) => {
    const clientId = await clients.client(request);
    await consents.revoke(clientId, requiredText(bodyOf(request), 'token'));
    return {};
  });
}
