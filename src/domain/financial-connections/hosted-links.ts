import type { Kysely, Selectable } from 'kysely';
import { digest, secret } from '../../bank/sandbox/tokens.ts';
import type { Database, HostedLinksTable } from '../../store/schema.ts';
import type { SecretBox } from '../../store/secrets.ts';
import { idKind, newId } from '../ids.ts';

export const hostedLinkIds = idKind('fchl');

/** Links last 30 days until their first visit (on the merchant's clock), as Stripe's hosted URLs. */
export const linkLifetimeSeconds = 30 * 86_400;

export interface HostedLink {
  id: string;
  merchantId: string;
  sessionId: string;
  relinkAuthorization: string | null;
  created: number;
  /** Real time the link was issued, which paces new links. */
  issuedReal: number;
  expiresAt: number;
  firstVisitedAt: number | null;
  replacedAt: number | null;
  mailTo: string | null;
  mailStatus: HostedLinksTable['mail_status'];
}

export interface IssueInput {
  merchantId: string;
  sessionId: string;
  relinkAuthorization: string | null;
  /** Where the hosted page is served: `<base>/hosted/fc/<token>`. */
  base: string;
  now: number;
  mailTo: string | null;
}

function fromRow(row: Selectable<HostedLinksTable>): HostedLink {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    sessionId: row.session_id,
    relinkAuthorization: row.relink_authorization_id,
    created: Number(row.created),
    issuedReal: Number(row.issued_real),
    expiresAt: Number(row.expires_at),
    firstVisitedAt: row.first_visited_at === null ? null : Number(row.first_visited_at),
    replacedAt: row.replaced_at === null ? null : Number(row.replaced_at),
    mailTo: row.mail_to,
    mailStatus: row.mail_status,
  };
}

/**
 * Whether a link still opens its session: until it is replaced, and 30 days until its first visit;
 * once visited it keeps working while the session is pending, so that a reload never locks the
 * holder out.
 */
export function linkExpired(link: HostedLink, now: number): boolean {
  if (link.replacedAt !== null) return true;
  return link.firstVisitedAt === null && now >= link.expiresAt;
}

/**
 * The links to hosted sessions (the one module that writes `hosted_links`). The token is random
 * and single-purpose; only its SHA-256 digest is kept, and the URL carrying it is sealed (bound to
 * the link's id) so that every retrieve of the session can show it again.
 */
export class HostedLinks {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly secrets: SecretBox,
    private readonly publicUrl: string | undefined,
  ) {}

  /** Where links point: the configured public URL, else the origin the request reached openfc at. */
  base(requestOrigin: string): string {
    return (this.publicUrl ?? requestOrigin).replace(/\/+$/, '');
  }

  /** Makes a link in `db` (the caller's transaction); the URL is returned once, in full. */
  async issue(db: Kysely<Database>, input: IssueInput): Promise<{ link: HostedLink; url: string }> {
    const id = newId(hostedLinkIds);
    const token = secret('');
    const url = `${input.base}/hosted/fc/${token}`;
    const row = {
      id,
      merchant_id: input.merchantId,
      session_id: input.sessionId,
      token_digest: digest(token),
      url_sealed: this.secrets.seal(url, id),
      relink_authorization_id: input.relinkAuthorization,
      created: input.now,
      issued_real: Math.floor(Date.now() / 1000),
      expires_at: input.now + linkLifetimeSeconds,
      first_visited_at: null,
      replaced_at: null,
      mail_to: input.mailTo,
      mail_status: input.mailTo === null ? null : ('pending' as const),
    };
    await db.insertInto('hosted_links').values(row).execute();
    return { link: fromRow(row), url };
  }

  /** The session's current link (the newest), with its URL. */
  async current(sessionId: string, db: Kysely<Database> = this.db) {
    const row = await db
      .selectFrom('hosted_links')
      .selectAll()
      .where('session_id', '=', sessionId)
      .orderBy('created', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && { link: fromRow(row), url: this.secrets.open(row.url_sealed, row.id) };
  }

  /**
   * The link a token opens. The lookup is by the token's digest (a unique index), so the time it
   * takes tells nothing about how close a guess came.
   */
  async byToken(token: string): Promise<HostedLink | undefined> {
    const row = await this.db
      .selectFrom('hosted_links')
      .selectAll()
      .where('token_digest', '=', digest(token))
      .executeTakeFirst();
    return row && fromRow(row);
  }

  /**
   * The newest hosted relink request for an authorization since `since` whose session is still
   * pending: Stripe allows one every 48 hours unless the previous one is complete.
   */
  async openRelinkRequest(merchantId: string, authorization: string, since: number) {
    return this.db
      .selectFrom('hosted_links')
      .innerJoin('fc_sessions', 'fc_sessions.id', 'hosted_links.session_id')
      .select(['hosted_links.session_id'])
      .where('hosted_links.merchant_id', '=', merchantId)
      .where('hosted_links.relink_authorization_id', '=', authorization)
      .where('hosted_links.created', '>=', since)
      .where('fc_sessions.status', '=', 'pending')
      .orderBy('hosted_links.created', 'desc')
      .executeTakeFirst();
  }

  async markVisited(id: string, now: number): Promise<void> {
    await this.db
      .updateTable('hosted_links')
      .set({ first_visited_at: now })
      .where('id', '=', id)
      .where('first_visited_at', 'is', null)
      .execute();
  }

  /**
   * Replaces `old` with a new link, in one transaction; undefined when another request replaced
   * it first (the guard is the `replaced_at is null` selector).
   */
  async replace(old: HostedLink, input: IssueInput) {
    return this.db.transaction().execute(async (trx) => {
      const replaced = await trx
        .updateTable('hosted_links')
        .set({ replaced_at: input.now })
        .where('id', '=', old.id)
        .where('replaced_at', 'is', null)
        .executeTakeFirst();
      if (replaced.numUpdatedRows !== 1n) return undefined;
      return this.issue(trx, input);
    });
  }

  async markMail(id: string, status: 'sent' | 'failed'): Promise<void> {
    await this.db
      .updateTable('hosted_links')
      .set({ mail_status: status })
      .where('id', '=', id)
      .where('mail_status', '=', 'pending')
      .execute();
  }
}
