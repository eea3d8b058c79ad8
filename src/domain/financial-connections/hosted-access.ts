import type { CustomerService } from '../customers/service.ts';
import { ApiError, invalidRequest } from '../errors.ts';
import type { Merchant, MerchantService } from '../merchants/service.ts';
import type { SandboxClocks } from '../sandbox-clock/clocks.ts';
import type { AuthorizationService } from './accounts.ts';
import { type HostedLink, type HostedLinks, linkExpired } from './hosted-links.ts';
import type { HostedMail } from './hosted-mail.ts';
import type { SessionService } from './sessions.ts';
import type { FcSession } from './types.ts';

/** A new link at most once a minute per session (real time: it paces mail to the holder). */
const resendEverySeconds = 60;

// Strangers reach these errors: none of them repeats the token or says which part was wrong.
function unknownLink(): ApiError {
  return new ApiError({
    status: 404,
    type: 'invalid_request_error',
    code: 'resource_missing',
    message: 'No such hosted link. Check that the whole link was copied.',
    param: 'token',
  });
}

function usedLink(): ApiError {
  return invalidRequest(
    'This link was already used: the session it opened has ended. Ask the business that sent it for a new one.',
    'token',
    'hosted_link_used',
  );
}

function expiredLink(): ApiError {
  return invalidRequest(
    'This link has expired: links work for 30 days until they are first opened. A new link can be sent with POST /flow/v1/hosted/resend (the same token).',
    'token',
    'hosted_link_expired',
  );
}

interface Found {
  link: HostedLink;
  merchant: Merchant;
  session: FcSession;
}

/** What a hosted link's holder may do with it: open the session, or ask for a new link. */
export class HostedAccess {
  constructor(
    private readonly deps: {
      links: HostedLinks;
      mail: HostedMail;
      sessions: SessionService;
      merchants: MerchantService;
      customers: CustomerService;
      authorizations: AuthorizationService;
      clocks: SandboxClocks;
    },
  ) {}

  private async find(token: string): Promise<Found> {
    const link = await this.deps.links.byToken(token);
    const merchant = link && (await this.deps.merchants.find(link.merchantId));
    const session = link && merchant && (await this.deps.sessions.find(merchant.id, link.sessionId));
    if (!link || !merchant || !session) throw unknownLink();
    if (session.status !== 'pending') throw usedLink();
    return { link, merchant, session };
  }

  /** The hosted page's credentials for the link's session; the first open starts its use. */
  async open(token: string): Promise<{ publishable_key: string; client_secret: string }> {
    const { link, merchant, session } = await this.find(token);
    const now = await this.deps.clocks.now(merchant.id);
    if (linkExpired(link, now)) throw expiredLink();
    const publishableKey = await this.deps.merchants.publishableKey(merchant.id);
    if (publishableKey === undefined) {
      throw new ApiError({
        status: 503,
        type: 'api_error',
        message:
          'This hosted page cannot open yet: the business has to configure its publishable key on openfc again.',
      });
    }
    await this.deps.links.markVisited(link.id, now);
    return { publishable_key: publishableKey, client_secret: session.clientSecret };
  }

  /** Where a new link goes: the customer's email address, whatever the first delivery was. */
  private async mailTo(merchant: Merchant, session: FcSession): Promise<string> {
    const holder = session.holder;
    const customer =
      holder?.type === 'customer' ? await this.deps.customers.find(merchant.id, holder.customer) : undefined;
    if (!customer?.email || customer.deleted) {
      throw invalidRequest(
        `No email address is on file for this link: ask ${merchant.name} for a new link.`,
        'token',
      );
    }
    return customer.email;
  }

  /** Mails a new link (30 days) in place of an expired one, while its session is pending. */
  async resend(token: string, requestOrigin: string): Promise<{ sent: true }> {
    const { link, merchant, session } = await this.find(token);
    const now = await this.deps.clocks.now(merchant.id);
    const current = (await this.deps.links.current(session.id))?.link ?? link;
    if (!linkExpired(current, now)) {
      throw invalidRequest(
        current.id === link.id
          ? 'This link still works: open it instead.'
          : 'A newer link was already sent for this session: use that one.',
        'token',
      );
    }
    const rateLimited = () =>
      new ApiError({
        status: 429,
        type: 'invalid_request_error',
        code: 'rate_limit',
        message: 'A new link was sent less than a minute ago: wait a minute before asking again.',
        param: 'token',
      });
    if (current.issuedReal > Date.now() / 1000 - resendEverySeconds) throw rateLimited();
    const mailTo = await this.mailTo(merchant, session);
    const issued = await this.deps.links.replace(current, {
      merchantId: merchant.id,
      sessionId: session.id,
      relinkAuthorization: current.relinkAuthorization,
      base: this.deps.links.base(requestOrigin),
      now,
      mailTo,
    });
    if (!issued) throw rateLimited();
    const authorization =
      session.relink && (await this.deps.authorizations.find(merchant.id, session.relink.authorization));
    this.deps.mail.send({
      ...issued,
      merchantName: merchant.name,
      institutionName: authorization?.institutionName ?? null,
    });
    return { sent: true };
  }
}
