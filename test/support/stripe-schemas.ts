/**
 * Validation of openfc responses against Stripe's published object schemas.
 *
 * The schemas live in `test/fixtures/stripe/schemas.json` (taken from Stripe's public OpenAPI
 * specification; see the README there) as OpenAPI 3.0 component schemas. OpenAPI 3.0 is not
 * plain JSON Schema: it marks optional nulls with `nullable: true` and points at other components
 * with `#/components/schemas/NAME`. Both are rewritten here before the schemas are handed to ajv,
 * once, on first use.
 */
import { AssertionError } from 'node:assert';
import { readFileSync } from 'node:fs';
import type { ErrorObject, ValidateFunction } from 'ajv';
import AjvModule from 'ajv';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const SCHEMAS_URL = new URL('../fixtures/stripe/schemas.json', import.meta.url);
const REF_PREFIX = '#/components/schemas/';
/** Base under which every converted schema is registered with ajv; refs are rewritten to it. */
const ID_BASE = 'https://openfc.invalid/stripe/schemas/';

// ajv is a CommonJS package: depending on the loader the default import is either the class
// itself or the module object carrying it on `.default`.
type AjvClass = typeof AjvModule.default;
const Ajv: AjvClass =
  (AjvModule as unknown as { default?: AjvClass }).default ?? (AjvModule as unknown as AjvClass);
type AjvInstance = InstanceType<AjvClass>;

interface Registry {
  ajv: AjvInstance;
  /** Names of schemas that are only placeholders for objects outside openfc's scope. */
  stubs: Set<string>;
  names: Set<string>;
  validators: Map<string, ValidateFunction>;
}

let registry: Registry | undefined;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function schemaId(name: string): string {
  return ID_BASE + encodeURIComponent(name);
}

/** Keywords whose value is a single subschema. */
const SUBSCHEMA_KEYWORDS = ['items', 'additionalProperties', 'not'] as const;
/** Keywords whose value is a list of subschemas. */
const SUBSCHEMA_LIST_KEYWORDS = ['anyOf', 'oneOf', 'allOf'] as const;

/**
 * Converts one OpenAPI 3.0 schema (and everything below it) to JSON Schema:
 * - `nullable: true` with a plain `type` becomes `type: [type, 'null']` (with `null` added to an
 *   `enum`); `nullable` on a schema without a `type`, or on one that also composes other schemas
 *   (`$ref`, `anyOf`, `oneOf`, `allOf`), becomes `anyOf: [schema, {type: 'null'}]`, since the
 *   composed members would otherwise still reject `null`;
 * - `#/components/schemas/NAME` refs point at the ajv id of NAME;
 * - vendor `x-…` annotations are dropped (some of them embed refs ajv has no use for).
 * Enums are kept as listed: Stripe documents them as open, but openfc must only emit known values.
 */
function convertSchema(schema: Json): Json {
  if (!isObject(schema)) return schema;

  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-') || key === 'nullable') continue;
    if (key === 'properties' && isObject(value)) {
      const props: JsonObject = {};
      for (const [prop, sub] of Object.entries(value)) props[prop] = convertSchema(sub);
      out[key] = props;
    } else if ((SUBSCHEMA_KEYWORDS as readonly string[]).includes(key) && isObject(value)) {
      out[key] = convertSchema(value);
    } else if ((SUBSCHEMA_LIST_KEYWORDS as readonly string[]).includes(key) && Array.isArray(value)) {
      out[key] = value.map(convertSchema);
    } else if (key === '$ref' && typeof value === 'string') {
      out[key] = value.startsWith(REF_PREFIX) ? schemaId(value.slice(REF_PREFIX.length)) : value;
    } else {
      out[key] = value;
    }
  }

  if (schema.nullable !== true) return out;

  const composes = '$ref' in out || SUBSCHEMA_LIST_KEYWORDS.some((k) => k in out);
  const type = out.type;
  if (type !== undefined && !composes) {
    const types = Array.isArray(type) ? type : [type];
    if (!types.includes('null')) out.type = [...types, 'null'];
    const values = out.enum;
    if (Array.isArray(values) && !values.includes(null)) out.enum = [...values, null];
    return out;
  }
  return { anyOf: [out, { type: 'null' }] };
}

/**
 * The schemas carry, under `x-delta-2026`, the 2026 values of enums whose GA 2023 list is older
 * (`reason_enum_2026` for property `reason`): openfc follows the 2026 lists.
 */
function withEnumDeltas(schema: JsonObject): JsonObject {
  const delta = schema['x-delta-2026'];
  const properties = schema.properties;
  if (!isObject(delta) || !isObject(properties)) return schema;
  const updated: JsonObject = { ...properties };
  for (const [key, values] of Object.entries(delta)) {
    const name = key.match(/^(.+)_enum_2026$/)?.[1];
    const property = name === undefined ? undefined : updated[name];
    if (name === undefined || !Array.isArray(values) || !isObject(property)) continue;
    const items = property.items;
    if (Array.isArray(property.enum)) updated[name] = { ...property, enum: values };
    else if (isObject(items) && Array.isArray(items.enum))
      updated[name] = { ...property, items: { ...items, enum: values } };
  }
  return { ...schema, properties: updated };
}

function load(): Registry {
  if (registry) return registry;

  const raw: unknown = JSON.parse(readFileSync(SCHEMAS_URL, 'utf8'));
  if (!isObject(raw)) throw new Error(`${SCHEMAS_URL.pathname}: expected an object of schemas`);

  const ajv = new Ajv({ strict: false, allErrors: true });
  // Stripe timestamps: whole seconds since the Unix epoch.
  ajv.addFormat('unix-time', { type: 'number', validate: (n: number) => Number.isInteger(n) });

  const stubs = new Set<string>();
  const names = new Set<string>();
  for (const [name, schema] of Object.entries(raw)) {
    if (name === '_meta' || !isObject(schema)) continue;
    names.add(name);
    let converted: JsonObject;
    if (schema['x-external-stub'] === true) {
      // Placeholder for an object openfc does not model: anything object-shaped is accepted.
      stubs.add(name);
      converted = { type: 'object' };
    } else {
      const c = convertSchema(withEnumDeltas(schema));
      if (!isObject(c)) throw new Error(`schema ${name} is not an object`);
      converted = c;
    }
    ajv.addSchema({ ...converted, $id: schemaId(name) });
  }

  registry = { ajv, stubs, names, validators: new Map() };
  return registry;
}

function validatorFor(name: string): ValidateFunction {
  const reg = load();
  const cached = reg.validators.get(name);
  if (cached) return cached;
  if (!reg.names.has(name)) throw new Error(`unknown Stripe schema: ${name}`);
  const validate = reg.ajv.getSchema(schemaId(name));
  if (!validate) throw new Error(`ajv has no compiled schema for ${name}`);
  reg.validators.set(name, validate);
  return validate;
}

function describe(body: unknown): string {
  try {
    return JSON.stringify(body, null, 2) ?? String(body);
  } catch {
    return String(body);
  }
}

function formatError(e: ErrorObject): string {
  const where = e.instancePath === '' ? '(root)' : e.instancePath;
  let detail = '';
  if (e.keyword === 'enum' && isObject(e.params) && Array.isArray(e.params.allowedValues)) {
    detail = ` ${JSON.stringify(e.params.allowedValues)}`;
  } else if (e.keyword === 'additionalProperties' && isObject(e.params)) {
    detail = ` (${String(e.params.additionalProperty)})`;
  }
  return `  ${where}: ${e.message ?? e.keyword}${detail}`;
}

function fail(label: string, problems: string[], body: unknown): never {
  throw new AssertionError({
    message: `${label}\n${problems.join('\n')}\nbody: ${describe(body)}`,
    actual: body,
    operator: 'assertMatchesSchema',
  });
}

/** Checks `body` against schema `name` and returns the problems found (empty when valid). */
function problemsWith(name: string, body: unknown): string[] {
  const reg = load();
  const validate = validatorFor(name);
  const problems: string[] = [];
  if (!validate(body)) problems.push(...(validate.errors ?? []).map(formatError));
  if (reg.stubs.has(name) && problems.length === 0) {
    // A stub says nothing about shape, but every Stripe object carries an id and its type.
    if (!isObject(body)) problems.push('  (root): must be object');
    else {
      if (typeof body.id !== 'string') problems.push('  /id: must be string');
      if (typeof body.object !== 'string') problems.push('  /object: must be string');
    }
  }
  return problems;
}

/** Asserts that `body` is a valid Stripe object of schema `name` (e.g. 'financial_connections.session'); throws an AssertionError whose message lists every ajv error (instancePath + message) and the JSON body. */
export function assertMatchesSchema(name: string, body: unknown): void {
  const problems = problemsWith(name, body);
  if (problems.length > 0) fail(`body does not match Stripe schema ${name}:`, problems, body);
}

/**
 * Asserts a Stripe event: the `event` schema, and `data` against the schema Stripe publishes for
 * the event's type (which names the object it carries), when there is one.
 */
export function assertEventMatchesSchema(body: unknown): void {
  assertMatchesSchema('event', body);
  const event = body as { type: string; data: unknown };
  if (load().names.has(event.type)) {
    const problems = problemsWith(event.type, event.data);
    if (problems.length > 0) fail(`event data does not match Stripe schema ${event.type}:`, problems, body);
  }
}

/** Asserts a list envelope {object:'list', data, has_more, url} whose url starts with `urlPrefix` and each item matches schema `itemName`. */
export function assertListOf(itemName: string, body: unknown, urlPrefix: string): void {
  const label = `body is not a Stripe list of ${itemName}:`;
  if (!isObject(body)) fail(label, ['  (root): must be object'], body);

  const problems: string[] = [];
  if (body.object !== 'list') problems.push(`  /object: must be 'list'`);
  if (typeof body.has_more !== 'boolean') problems.push('  /has_more: must be boolean');
  if (typeof body.url !== 'string') problems.push('  /url: must be string');
  else if (!body.url.startsWith(urlPrefix)) problems.push(`  /url: must start with ${urlPrefix}`);
  if (!Array.isArray(body.data)) problems.push('  /data: must be array');
  else {
    body.data.forEach((item, i) => {
      for (const p of problemsWith(itemName, item)) {
        problems.push(p.replace(/^ {2}(\(root\))?/, `  /data/${i}`));
      }
    });
  }
  if (problems.length > 0) fail(label, problems, body);
}

/** Asserts a Stripe error body {error: {type, message, ...}} against the `error` schema. */
export function assertStripeError(body: unknown): void {
  const problems = problemsWith('error', body);
  // The schema only requires `type`; openfc always explains an error in `message`.
  if (problems.length === 0 && isObject(body) && isObject(body.error)) {
    const { message } = body.error;
    if (typeof message !== 'string' || message === '')
      problems.push('  /error/message: must be non-empty string');
  }
  if (problems.length > 0) fail('body is not a Stripe error:', problems, body);
}
