import type { StoredEvent } from '../../domain/events/log.ts';
import { previewOnlyEventTypes } from '../../domain/events/types.ts';
import type { Catalogue } from '../catalogue.ts';
import type { Json } from '../wire/expand.ts';
import { type ApiVersionName, apiVersions, resolveVersion } from '../wire/versions.ts';

/** The versions that render an event's object the same way, and that rendering. */
export interface Rendering {
  versions: ApiVersionName[];
  /** null: readers on these versions never see the event (its type exists on previews only). */
  object: Json | null;
}

/**
 * A field whose value is not the same in every rendering: its value in each (in the order of the
 * renderings), null where it is absent or the rendering is not shown.
 */
export interface Difference {
  path: string;
  values: ({ value: unknown } | null)[];
}

/** Every leaf of a JSON value by its dotted path; an empty object or array is a leaf. */
function leaves(value: unknown, path: string, out: Map<string, unknown>): Map<string, unknown> {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value)
      ? value.map((v, i) => [String(i), v] as const)
      : Object.entries(value);
    if (entries.length > 0) {
      for (const [key, child] of entries) leaves(child, path ? `${path}.${key}` : key, out);
      return out;
    }
  }
  out.set(path, value);
  return out;
}

/**
 * An event's object as each API version openfc speaks renders it (the same renderer the API and
 * the webhook worker use), the versions that agree grouped together, GA versions first, and the
 * fields where the shown renderings differ.
 */
export function renderingsByVersion(
  event: StoredEvent,
  catalogue: Catalogue,
): { renderings: Rendering[]; differences: Difference[] } {
  const renderings: Rendering[] = [];
  const keys: string[] = [];
  const names = (Object.keys(apiVersions) as ApiVersionName[]).sort(
    (a, b) => Number(apiVersions[a].preview) - Number(apiVersions[b].preview),
  );
  for (const name of names) {
    const version = resolveVersion(name, name);
    const object =
      !version.preview && previewOnlyEventTypes.has(event.type)
        ? null
        : catalogue.render(event.object.kind, event.object.record, { version, keyKind: 'secret' });
    const key = JSON.stringify(object);
    const same = keys.indexOf(key);
    if (same === -1) {
      keys.push(key);
      renderings.push({ versions: [name], object });
    } else renderings[same]?.versions.push(name);
  }

  const flat = renderings.map((r) => (r.object === null ? undefined : leaves(r.object, '', new Map())));
  const paths = [...new Set(flat.flatMap((f) => [...(f?.keys() ?? [])]))];
  const differences: Difference[] = [];
  for (const path of paths) {
    // A field that is empty in one rendering and holds fields in another: those fields say how.
    if (paths.some((other) => other.startsWith(`${path}.`))) continue;
    const values = flat.map((f) => (f?.has(path) ? { value: f.get(path) } : null));
    const compared = values.filter((_, i) => flat[i] !== undefined).map((v) => JSON.stringify(v));
    if (compared.some((v) => v !== compared[0])) differences.push({ path, values });
  }
  return { renderings, differences };
}
