/** Reading requests the same way whether the bank runs alone or inside openfc's server. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
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

function formFields(raw: string): Fields {
  const fields: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    const name = key.endsWith('[]') ? key.slice(0, -2) : key;
    const existing = fields[name];
    if (existing === undefined) fields[name] = key.endsWith('[]') ? [value] : value;
    else fields[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return fields;
}

/** JSON for the API, form bodies for OAuth's token endpoint and the consent page. */
export function bodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, raw, done) => {
    if (raw === '') return done(null, {});
    try {
      done(null, JSON.parse(raw as string));
    } catch {
      done(invalidRequest('The body is not valid JSON.'), undefined);
    }
  });
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, raw, done) => done(null, formFields(raw as string)),
  );
}
