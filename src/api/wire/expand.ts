import { invalidRequest } from '../../domain/errors.ts';

export type Json = Record<string, unknown>;

/** The kinds of object an expandable field can point at. */
export type ExpandableKind =
  | 'customer'
  | 'account'
  | 'institution'
  | 'ownership'
  | 'payment_method'
  | 'mandate'
  | 'setup_attempt'
  | 'payment_intent'
  | 'charge';

/** Loads an object by id, rendered for the request's API version; undefined when not visible. */
export type ExpandLoader = (kind: ExpandableKind, id: string) => Promise<Json | undefined>;

/** What a route returns, for checking `expand[]` before anything runs: an object type or a list of one. */
export type Returns = string | { list: string };

const kindObjectType: Record<ExpandableKind, string> = {
  customer: 'customer',
  account: 'account',
  institution: 'financial_connections.institution',
  ownership: 'financial_connections.account_ownership',
  payment_method: 'payment_method',
  mandate: 'mandate',
  setup_attempt: 'setup_attempt',
  payment_intent: 'payment_intent',
  charge: 'charge',
};

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
  setup_intent: {
    customer: 'customer',
    payment_method: 'payment_method',
    mandate: 'mandate',
    latest_attempt: 'setup_attempt',
  },
  setup_attempt: { customer: 'customer', payment_method: 'payment_method' },
  payment_method: { customer: 'customer' },
  mandate: { payment_method: 'payment_method' },
  payment_intent: { customer: 'customer', payment_method: 'payment_method', latest_charge: 'charge' },
  charge: { customer: 'customer', payment_intent: 'payment_intent' },
};

/** Fields that hold an embedded list, which `expand` may walk into through `data`, by item type. */
const listFields: Record<string, Record<string, string>> = {
  'financial_connections.session': { accounts: 'financial_connections.account' },
};

const maxDepth = 4;

function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `table[type][field]`, own properties only: a path such as `constructor` names no field. */
function lookup<T>(table: Record<string, Record<string, T>>, type: string, field: string): T | undefined {
  const fields = Object.hasOwn(table, type) ? table[type] : undefined;
  return fields && Object.hasOwn(fields, field) ? fields[field] : undefined;
}

function notExpandable(path: string): never {
  throw invalidRequest(`This property cannot be expanded (${path}).`, 'expand');
}

/** The expandable field at the start of `segments`: how many segments it takes, and its kind. */
function matchField(
  type: string,
  segments: readonly string[],
): { take: number; kind: ExpandableKind } | undefined {
  for (let take = Math.min(2, segments.length); take >= 1; take--) {
    const kind = lookup(expandableFields, type, segments.slice(0, take).join('.'));
    if (kind) return { take, kind };
  }
  return undefined;
}

function checkPath(returns: Returns, segments: readonly string[], full: string): void {
  if (segments.length === 0) return;
  const [head = '', ...rest] = segments;
  if (typeof returns !== 'string') {
    if (head !== 'data') notExpandable(full);
    checkPath(returns.list, rest, full);
    return;
  }
  const listItem = lookup(listFields, returns, head);
  if (listItem) {
    checkPath({ list: listItem }, rest, full);
    return;
  }
  const match = matchField(returns, segments);
  if (!match) notExpandable(full);
  checkPath(kindObjectType[match.kind], segments.slice(match.take), full);
}

/** Refuses `expand[]` paths that cannot apply to what the route returns, before it runs. */
export function checkExpand(returns: Returns, paths: readonly string[] | undefined): void {
  for (const path of paths ?? []) {
    const segments = path.split('.');
    if (segments.filter((s) => s !== 'data').length > maxDepth) {
      throw invalidRequest(
        `You cannot expand more than ${maxDepth} levels of a property. Property: ${path}`,
        'expand',
      );
    }
    checkPath(returns, segments, path);
  }
}

async function expandInto(target: Json, segments: string[], load: ExpandLoader): Promise<void> {
  if (segments.length === 0) return;
  const [head = '', ...rest] = segments;
  if (target.object === 'list') {
    for (const item of Array.isArray(target.data) ? target.data : []) {
      if (isJson(item)) await expandInto(item, rest, load);
    }
    return;
  }
  const type = String(target.object);
  if (lookup(listFields, type, head) && isJson(target[head]))
    return expandInto(target[head] as Json, rest, load);
  const match = matchField(type, segments);
  if (!match) return;
  let parent: unknown = target;
  for (const p of segments.slice(0, match.take - 1)) parent = isJson(parent) ? parent[p] : undefined;
  if (!isJson(parent)) return;
  const field = segments[match.take - 1] as string;
  const value = parent[field];
  if (typeof value === 'string') {
    const loaded = await load(match.kind, value);
    if (loaded) parent[field] = loaded;
  }
  const expanded = parent[field];
  if (isJson(expanded)) await expandInto(expanded, segments.slice(match.take), load);
}

/** Applies Stripe's `expand[]` (already checked with `checkExpand`) to a rendered object in place. */
export async function applyExpand(
  body: Json,
  paths: readonly string[] | undefined,
  load: ExpandLoader,
): Promise<void> {
  for (const path of paths ?? []) await expandInto(body, path.split('.'), load);
}
