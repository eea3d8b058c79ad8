import type { Mailer, MailMessage } from '../../mail/mailer.ts';
import type { HostedLink, HostedLinks } from './hosted-links.ts';

export interface LinkMail {
  link: HostedLink;
  url: string;
  merchantName: string;
  /** The institution to reconnect to; null for a session that links new accounts. */
  institutionName: string | null;
}

function expiryDate(seconds: number): string {
  return new Date(seconds * 1000).toUTCString().replace(/ \d\d:\d\d:\d\d GMT$/, '');
}

export function linkMessage({ link, url, merchantName, institutionName }: LinkMail): MailMessage {
  const why =
    institutionName === null ? 'connect your bank account' : `reconnect your account at ${institutionName}`;
  return {
    to: link.mailTo ?? '',
    subject: `${merchantName}: ${why}`,
    text: [
      'Hello,',
      '',
      `${merchantName} asks you to ${why}, so that it can keep using it.`,
      '',
      'Open this link to continue:',
      url,
      '',
      `The link works until ${expiryDate(link.expiresAt)} if you have not opened it by then; after that, the page it opens lets you ask for a new one.`,
    ].join('\n'),
    link: url,
  };
}

/**
 * Mails hosted links once the transaction that made them has committed: the link row is the
 * outbox entry (`mail_status` pending → sent | failed), and a failed send never fails the request
 * that made the link.
 */
export class HostedMail {
  /** Told about a failed send; never given the message, which carries the link. */
  onFailure: (error: unknown, linkId: string) => void = () => {};
  readonly #inFlight = new Set<Promise<void>>();

  constructor(
    private readonly links: HostedLinks,
    private readonly mailer: Mailer,
  ) {}

  send(mail: LinkMail): void {
    const sending = this.mailer
      .send(linkMessage(mail))
      .then(
        () => this.links.markMail(mail.link.id, 'sent'),
        async (error: unknown) => {
          this.onFailure(error, mail.link.id);
          await this.links.markMail(mail.link.id, 'failed');
        },
      )
      .catch((error: unknown) => this.onFailure(error, mail.link.id))
      .finally(() => this.#inFlight.delete(sending));
    this.#inFlight.add(sending);
  }

  /** Resolves once every send under way has ended (for a graceful stop). */
  async idle(): Promise<void> {
    await Promise.all([...this.#inFlight]);
  }
}
