import { invalidRequest } from '../../domain/errors.ts';

export type Json = Record<string, unknown>;

/** Loads an object by id, rendered for the reader; undefined when not visible. */
export type ExpandLoader = (object: string, id: string) => Promise<Json | undefined>;

/** What a route returns, for checking `expand[]` before anything runs: an object type or a list of one. */
export type Returns = string | { list: string };

/**
 * The object type an expandable field points at, or the types it may point at, tried in order (a
 * balance transaction's `source`: a charge, a top-up or a transfer).
 */
export type ExpandTarget = string | readonly string[];

/**
 * Per object type, the fields (dot paths) that hold an expandable id and the type they point at,
 * and the fields that hold an embedded list `expand` may walk into through `data`, by item type.
 */
export interface ExpandSchema {
  fields: Readonly<Record<string, Readonly<Record<string, ExpandTarget>>>>;
  lists: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

const maxDepth = 4;

function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `table[type][field]`, own properties only: a path such as `constructor` names no field. */
function lookup<T>(
  table: Readonly<Record<string, Readonly<Record<string, T>>>>,
  type: string,
  field: string,
): T | undefined {
  const fields = Object.hasOwn(table, type) ? table[type] : undefined;
  return fields && Object.hasOwn(fields, field) ? fields[field] : undefined;
}

function notExpandable(path: string): never {
  throw invalidRequest(`This property cannot be expanded (${path}).`, 'expand');
}

/** The expandable field at the start of `segments`: how many segments it takes, and its kinds. */
function matchField(
  schema: ExpandSchema,
  type: string,
  segments: readonly string[],
): { take: number; objects: readonly string[] } | undefined {
  for (let take = Math.min(2, segments.length); take >= 1; take--) {
    const target = lookup(schema.fields, type, segments.slice(0, take).join('.'));
    if (target) return { take, objects: typeof target === 'string' ? [target] : target };
  }
  return undefined;
}

function checkPath(schema: ExpandSchema, returns: Returns, segments: readonly string[], full: string): void {
  if (segments.length === 0) return;
  const [head = '', ...rest] = segments;
  if (typeof returns !== 'string') {
    if (head !== 'data') notExpandable(full);
    checkPath(schema, returns.list, rest, full);
    return;
  }
  const listItem = lookup(schema.lists, returns, head);
  if (listItem) {
    checkPath(schema, { list: listItem }, rest, full);
    return;
  }
  const match = matchField(schema, returns, segments);
  if (!match) notExpandable(full);
  // A field of several kinds expands further when the rest of the path applies to one of them.
  let refusal: unknown;
  for (const object of match.objects) {
    try {
      checkPath(schema, object, segments.slice(match.take), full);
      return;
    } catch (error) {
      refusal = error;
    }
  }
  throw refusal;
}

/** Refuses `expand[]` paths that cannot apply to what the route returns, before it runs. */
export function checkExpand(
  schema: ExpandSchema,
  returns: Returns,
  paths: readonly string[] | undefined,
): void {
  for (const path of paths ?? []) {
    const segments = path.split('.');
    if (segments.filter((s) => s !== 'data').length > maxDepth) {
      throw invalidRequest(
        `You cannot expand more than ${maxDepth} levels of a property. Property: ${path}`,
        'expand',
      );
    }
    checkPath(schema, returns, segments, path);
  }
}

async function expandInto(
  schema: ExpandSchema,
  target: Json,
  segments: string[],
  load: ExpandLoader,
): Promise<void> {
  if (segments.length === 0) return;
  const [head = '', ...rest] = segments;
  if (target.object === 'list') {
    for (const item of Array.isArray(target.data) ? target.data : []) {
      if (isJson(item)) await expandInto(schema, item, rest, load);
    }
    return;
  }
  const type = String(target.object);
  if (lookup(schema.lists, type, head) && isJson(target[head]))
    return expandInto(schema, target[head] as Json, rest, load);
  const match = matchField(schema, type, segments);
  if (!match) return;
  let parent: unknown = target;
  for (const p of segments.slice(0, match.take - 1)) parent = isJson(parent) ? parent[p] : undefined;
  if (!isJson(parent)) return;
  const field = segments[match.take - 1] as string;
  const value = parent[field];
  if (typeof value === 'string') {
    for (const object of match.objects) {
      const loaded = await load(object, value);
      if (!loaded) continue;
      parent[field] = loaded;
      break;
    }
  }
  const expanded = parent[field];
  if (isJson(expanded)) await expandInto(schema, expanded, segments.slice(match.take), load);
}

/** Applies Stripe's `expand[]` (already checked with `checkExpand`) to a rendered object in place. */
export async function applyExpand(
  schema: ExpandSchema,
  body: Json,
  paths: readonly string[] | undefined,
  load: ExpandLoader,
): Promise<void> {
  for (const path of paths ?? []) await expandInto(schema, body, path.split('.'), load);
}
