import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { decodeBody, parseForm } from '../wire/form.ts';
import { str, validate } from '../wire/params.ts';
import type { Route } from '../wire/route.ts';

/**
 * The hosted page's two calls before it has any key: the link's token is the credential, so they
 * take no API key. Strangers reach them; their errors never repeat the token.
 */
const tokenParams = z.strictObject({ token: str(200) });

function token(request: FastifyRequest): string {
  const raw = Buffer.isBuffer(request.body) ? decodeBody(request.body) : '';
  return validate(tokenParams, parseForm(raw)).token;
}

export const hostedRoutes: Route[] = [
  {
    method: 'POST',
    url: '/flow/v1/hosted/open',
    handler: (services) => async (request, reply) => {
      const opened = await services.hostedAccess.open(token(request));
      return reply.header('Cache-Control', 'no-store').send(opened);
    },
  },
  {
    method: 'POST',
    url: '/flow/v1/hosted/resend',
    handler: (services) => async (request, reply) => {
      const origin = `${request.protocol}://${request.host}`;
      const sent = await services.hostedAccess.resend(token(request), origin);
      return reply.header('Cache-Control', 'no-store').send(sent);
    },
  },
];
