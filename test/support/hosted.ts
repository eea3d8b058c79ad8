import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type Stripe from 'stripe';
import { eventually } from './eventually.ts';
import { type CreateParams, createSession, type PreviewSession } from './fc.ts';
import { form, type Harness, type RawResponse } from './harness.ts';

/** The first API version with hosted sessions. */
export const hostedVersion = '2026-03-25.preview';
export const returnUrl = 'https://merchant.example/relinked';

export type HostedSession = Omit<PreviewSession, 'url'> & {
  url: string | null;
  hosted: { delivery_method?: 'email' | 'url'; return_url: string | null } | null;
};

export type HostedParams = CreateParams & {
  ui_mode?: 'hosted' | 'modal';
  hosted?: { delivery_method?: string; return_url?: string };
};

export async function createHosted(stripe: Stripe, params: HostedParams): Promise<HostedSession> {
  return (await createSession(stripe, params)) as unknown as HostedSession;
}

/** The token a hosted link carries (its last path segment). */
export function tokenOf(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1);
}

/** A call of the hosted page: no API key, the token is the credential. */
export function hostedCall(h: Harness, action: 'open' | 'resend', token: string): Promise<RawResponse> {
  return h.fetch(`/flow/v1/hosted/${action}`, { ...form({ token }), key: null });
}

export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
}

function parseMail(from: string, to: string[], raw: string): ReceivedMail {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const body = raw.slice(split + 4);
  const quoted = /content-transfer-encoding:\s*quoted-printable/i.test(head);
  const text = quoted
    ? body
        .replace(/=\r\n/g, '')
        .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    : body;
  return {
    from,
    to,
    subject: head.match(/^subject: (.*)$/im)?.[1] ?? '',
    text: text.replace(/\r\n/g, '\n').trimEnd(),
  };
}

/** A real SMTP server on a free port, keeping every message it is given. */
export async function startMailCatcher() {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, done) {
      let raw = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        raw += chunk;
      });
      stream.on('end', () => {
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        received.push(
          parseMail(
            from,
            session.envelope.rcptTo.map((a) => a.address),
            raw,
          ),
        );
        done();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    /** The `count`th message received (1-based), once it has arrived. */
    async nth(count: number): Promise<ReceivedMail> {
      const all = await eventually(
        `mail #${count}`,
        () => received,
        (r) => r.length >= count,
      );
      return all[count - 1] as ReceivedMail;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The one link in a message. */
export function linkIn(mail: ReceivedMail): string {
  const links = mail.text.match(/https?:\/\/\S+/g) ?? [];
  if (links.length !== 1) throw new Error(`expected one link in the mail:\n${mail.text}`);
  return links[0] as string;
}
