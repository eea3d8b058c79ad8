import { invalidRequest } from '../../domain/errors.ts';

/**
 * The API versions openfc speaks. Preview versions carry the relink surface (session `status`,
 * `relink_options`, `relink_result`, account `status_details.inactive`, authorizations and
 * institutions); GA versions do not, as on Stripe.
 */
export const apiVersions = {
  '2026-01-28.preview': { preview: true },
  '2026-03-04.preview': { preview: true },
  '2026-07-29.preview': { preview: true },
  '2026-07-29.dahlia': { preview: false },
  '2026-10-28.endive': { preview: false },
} as const satisfies Record<string, { preview: boolean }>;

export type ApiVersionName = keyof typeof apiVersions;

export interface ApiVersion {
  name: ApiVersionName;
  preview: boolean;
}

export const defaultApiVersion: ApiVersionName = '2026-03-04.preview';

export function isApiVersion(name: string): name is ApiVersionName {
  return Object.hasOwn(apiVersions, name);
}

/** Whether a version carries the preview surface (false for unknown names). */
export function isPreviewVersion(name: string): boolean {
  return isApiVersion(name) && apiVersions[name].preview;
}

export function resolveVersion(requested: string | undefined, accountDefault: string): ApiVersion {
  const name = requested?.trim() || accountDefault;
  if (!isApiVersion(name)) {
    throw invalidRequest(
      `Invalid Stripe API version: ${name}. openfc supports ${Object.keys(apiVersions).join(', ')}.`,
      undefined,
    );
  }
  return { name, preview: apiVersions[name].preview };
}
