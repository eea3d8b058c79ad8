import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.ts';
import type { CustomerService } from '../customers/service.ts';
import type { Merchant } from '../merchants/service.ts';
import type { SandboxClocks } from '../sandbox-clock/clocks.ts';
import type { AccountService } from './accounts.ts';
import { checkHostedRelink, type DeliveryMethod } from './hosted-eligibility.ts';
import type { HostedLinks } from './hosted-links.ts';
import type { HostedMail } from './hosted-mail.ts';
import type { AccountHolder } from './types.ts';

export interface HostedRequest {
  holder: AccountHolder | null;
  relink?: { authorization: string; account?: string | undefined } | undefined;
  deliveryMethod: DeliveryMethod | null;
  /** Where the hosted page is served. */
  base: string;
}

/** A hosted create that passed its checks: what its link is made from. */
export interface HostedPlan {
  relinkAuthorization: string | null;
  base: string;
  now: number;
  mailTo: string | null;
}

/** The hosted part of making a session: its checks, its link, and the mail that carries it. */
export class HostedSessions {
  constructor(
    private readonly parts: {
      customers: CustomerService;
      accounts: AccountService;
      links: HostedLinks;
      mail: HostedMail;
      clocks: SandboxClocks;
    },
  ) {}

  /** Checks a hosted create before anything is written (Stripe's rules for hosted relink). */
  async prepare(merchant: Merchant, request: HostedRequest): Promise<HostedPlan> {
    const { customers, accounts, links, clocks } = this.parts;
    const now = await clocks.now(merchant.id);
    const { relink } = request;
    const reach = relink
      ? await checkHostedRelink(
          { customers, accounts, links },
          {
            merchantId: merchant.id,
            holder: request.holder,
            relink,
            deliveryMethod: request.deliveryMethod,
            now,
          },
        )
      : { mailTo: null };
    return { relinkAuthorization: relink?.authorization ?? null, base: request.base, now, ...reach };
  }

  /** Makes the session's link in its transaction; the URL is returned once, in full. */
  issue(trx: Kysely<Database>, merchantId: string, sessionId: string, plan: HostedPlan) {
    return this.parts.links.issue(trx, { merchantId, sessionId, ...plan });
  }

  /** Mails the link, once the transaction that made it has committed. */
  deliver(
    merchant: Merchant,
    issued: Awaited<ReturnType<HostedSessions['issue']>>,
    institutionName: string | null,
  ): void {
    if (issued.link.mailTo === null) return;
    this.parts.mail.send({ ...issued, merchantName: merchant.name, institutionName });
  }

  /** The URL a pending hosted session shows. */
  async url(sessionId: string, db: Kysely<Database>): Promise<string | null> {
    return (await this.parts.links.current(sessionId, db))?.url ?? null;
  }
}
