/** The holder-facing pages of the OAuth flow: a minimal consent screen and an error screen. */
import type { SandboxInstitution } from '../catalogue.ts';
import type { AuthorizeRequest } from './codes.ts';

const html = (value: string) =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

const style = `body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1a1f36}
label{display:block;padding:.5rem 0}button{margin:1rem .5rem 0 0;padding:.5rem 1.25rem}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${html(title)}</title><style>${style}</style></head><body>${body}</body></html>`;
}

/** Headers for every page: no framing (the consent must not be clickjacked), no scripts, no caching. */
export const pageHeaders = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
};

export function consentPage(institution: SandboxInstitution, request: AuthorizeRequest): string {
  const accounts = institution.accounts
    .map(
      (a) =>
        `<label><input type="checkbox" name="account" value="${html(a.key)}" checked> ${html(a.displayName)} ••••${html(a.last4)}</label>`,
    )
    .join('\n');
  return page(
    `${institution.name}: share accounts`,
    `<h1>${html(institution.name)}</h1>
<p>Choose the accounts to share with the app that sent you here.</p>
<form method="post" action="authorize">
<input type="hidden" name="request_id" value="${html(request.id)}">
${accounts}
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`,
  );
}

export function errorPage(message: string): string {
  return page('Authorization failed', `<h1>Authorization failed</h1><p>${html(message)}</p>`);
}
