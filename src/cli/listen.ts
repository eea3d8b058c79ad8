import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { ConfigError } from '../config.ts';
import { ApiClient, resolveTarget } from './api-client.ts';
import { type CliSession, Forwarder } from './forwarder.ts';

export const listenUsage = `openfc listen: forward the merchant's events to a local URL, signed

Usage:
  openfc listen --forward-to http://localhost:3000/webhook [--events a,b] [--api-version V]
                [--print-secret] [--api-key sk_test_…] [--api-base http://127.0.0.1:4242]

The key comes from --api-key, OPENFC_SECRET_KEY or STRIPE_API_KEY, else from the sandbox's
data/test-keys.json (--data-dir, OPENFC_DATA_DIR). Each event is signed (Stripe-Signature) with
the merchant's CLI signing secret (whsec_…), printed at start; --print-secret prints it and exits.`;

function forwardUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(/^[a-z]+:\/\//i.test(value) ? value : `http://${value}`);
  } catch {
    throw new ConfigError(`Invalid --forward-to: '${value}' is not a URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError('Invalid --forward-to: use an http:// or https:// URL.');
  }
  return url.toString();
}

export async function listenCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      'forward-to': { type: 'string', short: 'f' },
      events: { type: 'string', short: 'e' },
      'api-version': { type: 'string' },
      'print-secret': { type: 'boolean' },
      'api-key': { type: 'string' },
      'api-base': { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(listenUsage);
    return;
  }
  const target = resolveTarget({
    apiKey: values['api-key'],
    apiBase: values['api-base'],
    dataDir: values['data-dir'],
  });
  const printSecret = values['print-secret'] === true;
  if (!printSecret && values['forward-to'] === undefined) {
    throw new ConfigError(`Missing --forward-to.\n\n${listenUsage}`);
  }
  const forwardTo = values['forward-to'] === undefined ? undefined : forwardUrl(values['forward-to']);
  const events = (values.events ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const api = new ApiClient(target, values['api-version']);
  const newSession = async () =>
    (await api.post('/v1/stripecli/sessions', {
      device_name: `openfc listen on ${hostname()}`,
      websocket_features: ['webhooks'],
      ...(forwardTo !== undefined && { forward_to_url: forwardTo }),
    })) as unknown as CliSession;
  const session = await newSession();
  if (printSecret || forwardTo === undefined) {
    console.log(session.secret);
    return;
  }
  const forwarder = new Forwarder(session, {
    forwardTo,
    events,
    print: (line) => process.stdout.write(`${line}\n`),
    renew: newSession,
  });
  await forwarder.start();
  const only = events.length > 0 ? ` (${events.join(', ')})` : '';
  console.log(
    `Ready! Forwarding events${only} to ${forwardTo}. Your webhook signing secret is ${session.secret} (^C to quit)`,
  );
  const stop = () => {
    forwarder.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
