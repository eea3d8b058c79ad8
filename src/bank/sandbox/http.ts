/** Reading requests the same way whether the bank runs alone or inside openfc's server. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseForm } from '../../api/wire/form.ts';
import { BankError, invalidRequest } from './errors.ts';

export type Fields = Record<string, unknown>;

/** Query parameters, parsed here because an embedding server may not parse them for us. */
export function queryOf(request: FastifyRequest): URLSearchParams {
  const at = request.url.indexOf('?');
  return new URLSearchParams(at === -1 ? '' : request.url.slice(at + 1));
}

export function bodyOf(request: FastifyRequest): Fields {
  const body = request.body;
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Fields) : {};
}

export function text(fields: Fields, name: string): string | undefined {
  const value = fields[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function requiredText(fields: Fields, name: string): string {
  const value = text(fields, name);
  if (value === undefined) throw invalidRequest(`${name} is required.`);
  return value;
}

export function texts(fields: Fields, name: string): string[] | undefined {
  const value = fields[name];
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((item) => typeof item === 'string'))
    throw invalidRequest(`${name} must be a list of strings.`);
  return list as string[];
}

export function bearer(request: FastifyRequest): string {
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(request.headers.authorization ?? '');
  if (!match?.[1])
    throw new BankError('invalid_token', 'An access token is required (Authorization: Bearer).');
  return match[1];
}

/** Deepest JSON nesting the bank reads; its requests are flat. */
const maxJsonDepth = 5;

function depthOf(value: unknown, limit: number): number {
  if (value === null || typeof value !== 'object') return 0;
  if (limit <= 0) return 1;
  let deepest = 0;
  for (const item of Object.values(value)) deepest = Math.max(deepest, depthOf(item, limit - 1));
  return deepest + 1;
}

/** Form bodies through the API's own bounded parser (depth, parameter count, array size). */
function formFields(raw: string): Fields {
  try {
    return parseForm(raw);
  } catch (error) {
    throw invalidRequest(error instanceof Error ? error.message : 'The form body could not be read.');
  }
}

/** Every request to the bank is small: bodies over this are refused before they are read. */
export const bankBodyLimit = 64 * 1024;

/**
 * JSON for the API, form bodies for OAuth's token endpoint and the consent page, both bounded in
 * size, nesting and parameter count; JSON keys that reach a prototype are refused.
 */
export function bodyParsers(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    route.bodyLimit = Math.min(route.bodyLimit ?? bankBodyLimit, bankBodyLimit);
  });
  app.removeAllContentTypeParsers();
  const json = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, raw, done) => {
    if (raw === '') return done(null, {});
    json(request, raw as string, (error, body) => {
      if (error) return done(invalidRequest('The body is not valid JSON.'), undefined);
      if (depthOf(body, maxJsonDepth + 1) > maxJsonDepth)
        return done(invalidRequest(`The body is nested more than ${maxJsonDepth} levels deep.`), undefined);
      done(null, body);
    });
  });
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, raw, done) => {
      try {
        done(null, formFields(raw as string));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );
}
