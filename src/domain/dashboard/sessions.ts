import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.ts';
import { newSecret } from '../ids.ts';

/** How long a dashboard sign-in lasts without signing in again. */
export const dashboardSessionSeconds = 12 * 60 * 60;

/** What a session cookie stands for: the merchant signed in, and the token its changes carry. */
export interface DashboardSession {
  merchantId: string;
  csrfToken: string;
  expiresAt: number;
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * Signed-in dashboards. The cookie holds a random token; the table holds its hash, the merchant
 * and an expiry, so a session outlives a restart and is seen by every process sharing the
 * database, while the database never holds a usable cookie (nor the merchant's key).
 */
export class DashboardSessions {
  constructor(private readonly db: Kysely<Database>) {}

  /** Opens a session for a merchant who proved a secret key: the cookie's token and the session. */
  async open(merchantId: string): Promise<{ token: string; session: DashboardSession }> {
    const token = newSecret('', 43);
    const created = now();
    const session: DashboardSession = {
      merchantId,
      csrfToken: newSecret('', 32),
      expiresAt: created + dashboardSessionSeconds,
    };
    await this.db
      .insertInto('dashboard_sessions')
      .values({
        token_hash: hashToken(token),
        merchant_id: merchantId,
        csrf_token: session.csrfToken,
        created,
        expires_at: session.expiresAt,
      })
      .execute();
    return { token, session };
  }

  /** The session a cookie's token stands for, unless it ended or expired. */
  async find(token: string): Promise<DashboardSession | undefined> {
    const row = await this.db
      .selectFrom('dashboard_sessions')
      .select(['merchant_id', 'csrf_token', 'expires_at'])
      .where('token_hash', '=', hashToken(token))
      .where('expires_at', '>', now())
      .executeTakeFirst();
    return (
      row && { merchantId: row.merchant_id, csrfToken: row.csrf_token, expiresAt: Number(row.expires_at) }
    );
  }

  /** Signs out: the token stops working at once, here and in every other process. */
  async close(token: string): Promise<void> {
    await this.db.deleteFrom('dashboard_sessions').where('token_hash', '=', hashToken(token)).execute();
  }

  /** Forgets expired sessions. */
  async pruneExpired(): Promise<void> {
    await this.db.deleteFrom('dashboard_sessions').where('expires_at', '<=', now()).execute();
  }
}
