import { invalidRequest } from '../../domain/errors.ts';

/**
 * The API versions openfc speaks. Preview versions carry the relink surface (session `status`,
 * `relink_options`, `relink_result`, account `status_details.inactive`, authorizations and
 * institutions); GA versions do not, as on Stripe. Hosted sessions (`ui_mode=hosted`, `hosted`) came
 * with `2026-03-25.preview`.
 */
export const apiVersions = {
  '2026-01-28.preview': { preview: true, hosted: false },
  '2026-03-04.preview': { preview: true, hosted: false },
  '2026-03-25.preview': { preview: true, hosted: true },
  '2026-07-29.preview': { preview: true, hosted: true },
  '2026-07-29.dahlia': { preview: false, hosted: false },
  '2026-10-28.endive': { preview: false, hosted: false },
} as const satisfies Record<string, { preview: boolean; hosted: boolean }>;

export type ApiVersionName = keyof typeof apiVersions;

export interface ApiVersion {
  name: ApiVersionName;
  preview: boolean;
  /** Whether the version carries hosted sessions. */
  hosted: boolean;
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
  return { name, ...apiVersions[name] };
}
