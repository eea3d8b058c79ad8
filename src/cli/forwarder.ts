import WebSocket from 'ws';
import { cliSubprotocol, type WebhookEventMessage } from '../api/stripecli/messages.ts';

/** A CLI session as `POST /v1/stripecli/sessions` returns it. */
export interface CliSession {
  secret: string;
  websocket_id: string;
  websocket_url: string;
  websocket_authorized_feature: string;
}

export interface ForwarderOptions {
  forwardTo: string;
  /** Only these event types (all when empty). */
  events: string[];
  /** Prints one line per delivery. */
  print(line: string): void;
  /** A new session, when the current one is no longer accepted. */
  renew(): Promise<CliSession>;
}

const forwardTimeoutMs = 30_000;
const reconnectMs = 1000;
const unknownIdMessage = 'Unknown WebSocket ID.';

function wanted(events: string[], type: string): boolean {
  return (
    events.length === 0 ||
    events.some((e) => (e.endsWith('*') ? type.startsWith(e.slice(0, -1)) : e === type))
  );
}

/**
 * Receives the session's events over the websocket, as the Stripe CLI does, and POSTs each to
 * `forwardTo` with the headers openfc signed it with.
 */
export class Forwarder {
  private socket: WebSocket | undefined;
  private stopped = false;

  constructor(
    private session: CliSession,
    private readonly options: ForwarderOptions,
  ) {}

  /** Connects; resolves once the first connection is open. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => this.connect(resolve, reject));
  }

  stop(): void {
    this.stopped = true;
    this.socket?.close(1000, 'bye');
  }

  private connect(opened?: () => void, failed?: (error: Error) => void): void {
    const url = `${this.session.websocket_url}?websocket_feature=${encodeURIComponent(this.session.websocket_authorized_feature)}`;
    const socket = new WebSocket(url, [cliSubprotocol], {
      headers: { 'Websocket-Id': this.session.websocket_id },
      handshakeTimeout: 10_000,
    });
    this.socket = socket;
    // Until the first connection opens, failures end `start()`; after, they lead to reconnecting.
    let starting = failed !== undefined;
    const fail = (error: Error) => {
      if (!starting) return;
      starting = false;
      failed?.(error);
    };
    let refusedAsUnknown = false;
    socket.on('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk));
      response.on('end', () => {
        refusedAsUnknown = body.includes(unknownIdMessage);
        fail(new Error(`openfc refused the websocket (${response.statusCode}): ${body.slice(0, 200)}`));
        socket.terminate();
      });
    });
    let wasOpen = false;
    socket.on('open', () => {
      wasOpen = true;
      starting = false;
      opened?.();
    });
    socket.on('message', (data) => this.receive(socket, data.toString()));
    socket.on('error', (error) => fail(error));
    socket.on('close', () => {
      // A first connection that never opened has failed `start()`: nothing to keep up.
      if (this.stopped || (failed !== undefined && !wasOpen)) return;
      setTimeout(() => this.reconnect(refusedAsUnknown), reconnectMs).unref();
    });
  }

  private reconnect(renew: boolean): void {
    if (this.stopped) return;
    if (!renew) {
      this.connect();
      return;
    }
    this.options.renew().then(
      (session) => {
        this.session = session;
        this.connect();
      },
      () => setTimeout(() => this.reconnect(true), reconnectMs).unref(),
    );
  }

  private receive(socket: WebSocket, data: string): void {
    let message: WebhookEventMessage;
    try {
      message = JSON.parse(data) as WebhookEventMessage;
    } catch {
      return;
    }
    if (message.type !== 'webhook_event') return;
    socket.send(
      JSON.stringify({
        type: 'event_ack',
        webhook_id: message.webhook_id,
        webhook_conversation_id: message.webhook_conversation_id,
      }),
    );
    // Another rendering of the same event (openfc's latest version) for `stripe listen --latest`.
    if (message.endpoint?.api_version !== null) return;
    const event = JSON.parse(message.event_payload) as { id: string; type: string };
    if (!wanted(this.options.events, event.type)) return;
    this.forward(socket, message, event).catch(() => {});
  }

  private async forward(
    socket: WebSocket,
    message: WebhookEventMessage,
    event: { id: string; type: string },
  ) {
    const { forwardTo, print } = this.options;
    const label = `POST ${forwardTo} [${event.id}] ${event.type}`;
    try {
      const response = await fetch(forwardTo, {
        method: 'POST',
        headers: message.http_headers,
        body: message.event_payload,
        redirect: 'manual',
        signal: AbortSignal.timeout(forwardTimeoutMs),
      });
      const body = await response.text();
      print(`→ ${response.status} ${label}`);
      if (socket.readyState === WebSocket.OPEN) {
        socket.send(
          JSON.stringify({
            type: 'webhook_response',
            webhook_id: message.webhook_id,
            webhook_conversation_id: message.webhook_conversation_id,
            forward_url: forwardTo,
            status: response.status,
            http_headers: {},
            body: body.slice(0, 5000),
          }),
        );
      }
    } catch (error) {
      print(`→ ERR ${label}: ${(error as Error).message}`);
    }
  }
}
