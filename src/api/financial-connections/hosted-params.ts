import { invalidRequest } from '../../domain/errors.ts';
import type { DeliveryMethod } from '../../domain/financial-connections/hosted-eligibility.ts';
import { obj, oneOf, str } from '../wire/params.ts';
import type { RequestContext } from '../wire/route.ts';

export const hostedParams = obj({
  delivery_method: oneOf(['email', 'url']).optional(),
  return_url: str().optional(),
}).optional();

interface Given {
  ui_mode?: 'hosted' | 'modal' | undefined;
  hosted?: { delivery_method?: DeliveryMethod | undefined; return_url?: string | undefined } | undefined;
  return_url?: string | undefined;
  relink_options?: unknown;
}

/** The hosted page redirects to it: only a web address, never `javascript:` or the like. */
function checkHostedReturnUrl(url: string, param: string): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || parsed.username || parsed.password) {
    throw invalidRequest(
      `Not a valid URL: ${param} must be an absolute http:// or https:// URL without credentials.`,
      param,
      'url_invalid',
    );
  }
}

/**
 * The hosted settings of a session create (`2026-03-25.preview` and later): undefined for a modal
 * session. Without `hosted[delivery_method]`, the session gets a `url` to share, as with `url`.
 */
export function hostedSettings(
  ctx: RequestContext,
  p: Given,
): { deliveryMethod: DeliveryMethod | null; returnUrl: string } | undefined {
  if (!ctx.version.hosted) {
    if (p.hosted !== undefined)
      throw invalidRequest('Received unknown parameter: hosted', 'hosted', 'parameter_unknown');
    if (p.ui_mode === 'hosted') {
      throw invalidRequest(
        `Invalid ui_mode: hosted needs API version 2026-03-25.preview or later; this request used ${ctx.version.name}.`,
        'ui_mode',
      );
    }
    return undefined;
  }
  if (p.ui_mode !== 'hosted') {
    if (p.hosted !== undefined)
      throw invalidRequest('hosted can only be set when ui_mode is hosted.', 'hosted');
    return undefined;
  }
  const nested = p.hosted?.return_url;
  if (nested !== undefined && p.return_url !== undefined && nested !== p.return_url) {
    throw invalidRequest(
      'return_url and hosted[return_url] differ: give the return URL once.',
      'hosted[return_url]',
      'parameters_exclusive',
    );
  }
  const [returnUrl, param] =
    nested !== undefined ? [nested, 'hosted[return_url]'] : [p.return_url, 'return_url'];
  if (returnUrl === undefined) {
    throw invalidRequest(
      'Missing required param: hosted[return_url] (required when ui_mode is hosted).',
      'hosted[return_url]',
      'parameter_missing',
    );
  }
  checkHostedReturnUrl(returnUrl, param);
  const deliveryMethod = p.hosted?.delivery_method ?? null;
  if (deliveryMethod !== null && p.relink_options === undefined) {
    throw invalidRequest(
      `hosted[delivery_method]=${deliveryMethod} is only available with relink_options.`,
      'hosted[delivery_method]',
    );
  }
  return { deliveryMethod, returnUrl };
}
