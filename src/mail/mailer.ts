import type { Transporter } from 'nodemailer';
import type { Logger } from 'pino';

/** One message openfc sends; `link` is the secret it carries, kept apart so that logs can leave it out. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  link: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/**
 * Sends through the configured SMTP server (`smtp://` or `smtps://`, credentials in the URL). The
 * mail library is loaded with the first message: a server that sends none does not hold it.
 */
export function smtpMailer(url: string, from: string): Mailer {
  let transport: Promise<Transporter> | undefined;
  return {
    async send(message) {
      transport ??= import('nodemailer').then(({ default: nodemailer }) => nodemailer.createTransport(url));
      await (await transport).sendMail({
        from,
        to: message.to,
        subject: message.subject,
        text: message.text,
      });
    },
  };
}

/**
 * Without an SMTP server, the message goes to the log as a development mail catcher would show
 * it: the one place a hosted link is ever logged.
 */
export function logMailer(logger: Logger): Mailer {
  return {
    async send(message) {
      logger.info(
        { mail: { to: message.to, subject: message.subject, link: message.link } },
        'mail not sent (no SMTP server configured): the message',
      );
    },
  };
}
