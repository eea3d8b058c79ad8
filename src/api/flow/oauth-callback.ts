import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.ts';

/** Tells the flow (in the window that opened this popup) that the bank login is over, and closes. */
const script =
  "if (window.opener) { window.opener.postMessage({ type: 'openfc:oauth-complete' }, location.origin); window.close(); }";
const scriptHash = createHash('sha256').update(script).digest('base64');

function page(message: string, withScript: boolean): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bank login</title></head><body><p>${message}</p>${withScript ? `<script>${script}</script>` : ''}</body></html>`;
}

/**
 * Where the bank sends the holder's popup after its consent page: the code is exchanged server
 * side, with the PKCE verifier only openfc holds, and the popup closes itself.
 */
export function registerOAuthCallback(app: FastifyInstance, services: Services): void {
  app.get('/flow/oauth/callback', async (request, reply) => {
    const query = new URLSearchParams(request.url.split('?')[1] ?? '');
    const state = query.get('state');
    const code = query.get('code');
    const error = query.get('error');
    const found =
      state !== null &&
      (await services.flow.oauthReturn({
        state,
        ...(code !== null && { code }),
        ...(error !== null && { error }),
      }));
    reply
      .type('text/html; charset=utf-8')
      // The URL holds the authorization code: it must not leave in a Referer header or a cache.
      .header('Referrer-Policy', 'no-referrer')
      .header('Cache-Control', 'no-store')
      .header('X-Content-Type-Options', 'nosniff')
      .header(
        'Content-Security-Policy',
        `default-src 'none'; script-src 'sha256-${scriptHash}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      );
    if (!found)
      return reply
        .code(400)
        .send(page('This bank login is no longer valid. Close this window and start again.', false));
    return reply.send(page('You can close this window.', true));
  });
}
