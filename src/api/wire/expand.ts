import { invalidRequest } from '../../domain/errors.ts';

export type Json = Record<string, unknown>;

/** The kinds of object an expandable field can point at. */
export type ExpandableKind = 'customer' | 'account' | 'institution' | 'ownership';

/** Loads an object by id, rendered for the request's API version; undefined when not visible. */
export type ExpandLoader = (kind: ExpandableKind, id: string) => Promise<Json | undefined>;

/** For each object type, the fields (dot paths) that hold an expandable id. */
const expandableFields: Record<string, Record<string, ExpandableKind>> = {
  'financial_connections.account': {
    institution: 'institution',
    ownership: 'ownership',
    'account_holder.customer': 'customer',
    'account_holder.account': 'account',
  },
  'financial_connections.session': {
    'account_holder.customer': 'customer',
    'account_holder.account': 'account',
  },
  'financial_connections.authorization': {
    institution: 'institution',
    'account_holder.customer': 'customer',
    'account_holder.account': 'account',
  },
};

/** Fields that hold an embedded list, which `expand` may walk into through `data`. */
const listFields: Record<string, readonly string[]> = {
  'financial_connections.session': ['accounts'],
};

const maxDepth = 4;

function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function notExpandable(path: string): never {
  throw invalidRequest(`This property cannot be expanded (${path}).`, 'expand');
}

async function expandInto(target: Json, segments: string[], full: string, load: ExpandLoader): Promise<void> {
  if (segments.length === 0) return;
  if (target.object === 'list') {
    if (segments[0] !== 'data' || !Array.isArray(target.data)) notExpandable(full);
    for (const item of target.data as unknown[]) {
      if (isJson(item)) await expandInto(item, segments.slice(1), full, load);
    }
    return;
  }
  const type = String(target.object);
  const [head = '', ...rest] = segments;
  if (listFields[type]?.includes(head) && isJson(target[head])) {
    return expandInto(target[head] as Json, rest, full, load);
  }
  const fields = expandableFields[type] ?? {};
  for (let take = Math.min(2, segments.length); take >= 1; take--) {
    const fieldPath = segments.slice(0, take).join('.');
    const kind = fields[fieldPath];
    if (!kind) continue;
    const parentPath = segments.slice(0, take - 1);
    let parent: unknown = target;
    for (const p of parentPath) parent = isJson(parent) ? parent[p] : undefined;
    if (!isJson(parent)) return;
    const field = segments[take - 1] as string;
    const value = parent[field];
    if (typeof value === 'string') {
      const loaded = await load(kind, value);
      if (loaded) parent[field] = loaded;
    }
    const now = parent[field];
    if (isJson(now)) await expandInto(now, segments.slice(take), full, load);
    return;
  }
  notExpandable(full);
}

/** Applies Stripe's `expand[]` to a rendered object in place. */
export async function applyExpand(
  body: Json,
  paths: readonly string[] | undefined,
  load: ExpandLoader,
): Promise<void> {
  if (!paths) return;
  for (const path of paths) {
    const segments = path.split('.');
    if (segments.filter((s) => s !== 'data').length > maxDepth) {
      throw invalidRequest(
        `You cannot expand more than ${maxDepth} levels of a property. Property: ${path}`,
        'expand',
      );
    }
    await expandInto(body, segments, path, load);
  }
}
