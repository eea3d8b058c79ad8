/**
 * Who may call the bank's server-to-server endpoints: a registered OAuth client (openfc is one),
 * authenticated with HTTP Basic as RFC 6749 §2.3.1 describes, or the bank's administrator with a
 * bearer token. A client acts for a tenant (the merchant it serves) and reaches only that tenant's
 * holders; the administrator reaches every holder.
 */
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { basicCredentials, type ClientCredentials } from '../client-auth.ts';
import { BankError, invalidRequest } from './errors.ts';

import type { BankDatabase } from './store/schema.ts';
import { digest, sameText } from './tokens.ts';

export type Caller = { kind: 'client'; clientId: string } | { kind: 'admin' };

const clientIdPattern = /^[A-Za-z0-9_.-]{1,64}$/;
const tenantPattern = /^[A-Za-z0-9_.-]{1,64}$/;

const refused = () =>
  new BankError(
    'invalid_client',
    'Client authentication failed: send the client id and secret with HTTP Basic.',
  );

/** The tenant a request names: the merchant the client acts for, whose holders it reaches. */
export function requiredTenant(value: unknown): string {
  if (typeof value !== 'string' || !tenantPattern.test(value))
    throw invalidRequest('tenant is required: the merchant this client acts for.');
  return value;
}

/** A client must name its tenant; the administrator may act for every tenant. */
export function tenantOf(caller: Caller, value: unknown): string | undefined {
  if (value === undefined && caller.kind === 'admin') return undefined;
  return requiredTenant(value);
}

export class BankClients {
  private readonly adminDigest: string | undefined;

  constructor(
    private readonly db: Kysely<BankDatabase>,
    adminToken: string | undefined,
  ) {
    this.adminDigest = adminToken === undefined ? undefined : digest(adminToken);
  }

  /** Registers a client, or gives a registered one a new secret. */
  async register(credentials: ClientCredentials, now: number): Promise<void> {
    if (!clientIdPattern.test(credentials.id))
      throw new Error('A client id is 1 to 64 letters, digits, _ . or -.');
    if (credentials.secret.length < 32) throw new Error('A client secret has at least 32 characters.');
    const secret_digest = digest(credentials.secret);
    await this.db
      .insertInto('bank_clients')
      .values({ id: credentials.id, secret_digest, created: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ secret_digest }))
      .execute();
  }

  async isRegistered(id: string): Promise<boolean> {
    const row = await this.db.selectFrom('bank_clients').select('id').where('id', '=', id).executeTakeFirst();
    return row !== undefined;
  }

  /** The caller a request authenticates as; refused when it sends no credential or a wrong one. */
  async caller(request: FastifyRequest): Promise<Caller> {
    const header = request.headers.authorization ?? '';
    const bearer = /^Bearer (\S+)$/.exec(header)?.[1];
    if (bearer !== undefined && this.adminDigest !== undefined && sameText(digest(bearer), this.adminDigest))
      return { kind: 'admin' };
    const credentials = basicCredentials(header);
    if (credentials) {
      const row = await this.db
        .selectFrom('bank_clients')
        .select('secret_digest')
        .where('id', '=', credentials.id)
        .executeTakeFirst();
      if (row && sameText(digest(credentials.secret), row.secret_digest))
        return { kind: 'client', clientId: credentials.id };
    }
    throw refused();
  }

  /** A registered client, and only a client: the token endpoint hands tokens to clients alone. */
  async client(request: FastifyRequest): Promise<string> {
    const caller = await this.caller(request);
    if (caller.kind !== 'client') throw refused();
    return caller.clientId;
  }
}
